"""Field checks of validate() (validation.py): hub and consumer group names by Azure's naming rules,
and connection strings parsed into field-named errors."""

import re

from triggers.configuration import (
    HUB_CONNECTION_STRING_SOURCE,
    STORAGE_CONNECTION_STRING_SOURCE,
    ConfigurationError,
    _field_error,
    _shown,
    label,
)
from triggers.connection_strings import ConnectionStringError

# Azure's naming rules: letters, digits, periods, hyphens and underscores, starting and ending with a
# letter or digit; 1-256 characters for an event hub, 1-50 for a consumer group.
_HUB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$")
_CONSUMER_GROUP = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")


def _check_hub_name(hub_name: str, entity_path: str | None) -> str:
    if not hub_name:
        raise _field_error("hub_name", None, "empty")
    if not _HUB_NAME.match(hub_name):
        raise ConfigurationError(
            label("hub_name"),
            f"got {_shown(hub_name)}; use 1 to 256 letters, digits, periods, hyphens and underscores, "
            "starting and ending with a letter or digit",
        )
    # Event Hubs names are case-insensitive.
    if entity_path is not None and entity_path.casefold() != hub_name.casefold():
        raise ConfigurationError(
            label("hub_name"),
            f"the Hub Connection String is for the hub {_shown(entity_path)} (its EntityPath), not "
            f"{_shown(hub_name)}; set Hub Name to {_shown(entity_path)} or paste the connection string "
            f"of a policy of {_shown(hub_name)}",
        )
    return hub_name


def _check_consumer_group(consumer_group: str) -> str:
    if not consumer_group:
        raise _field_error("hub_consumer_group", None, "empty")
    if consumer_group.lower() != "$default" and not _CONSUMER_GROUP.match(consumer_group):
        raise ConfigurationError(
            label("hub_consumer_group"),
            f"got {_shown(consumer_group)}; use $Default or 1 to 50 letters, digits, periods, hyphens and "
            "underscores, starting and ending with a letter or digit",
        )
    return consumer_group


_CONNECTION_STRING_SOURCES = {
    "hub_connection_string": HUB_CONNECTION_STRING_SOURCE,
    "storage_connection_string": STORAGE_CONNECTION_STRING_SOURCE,
}


def _parsed(parse, name: str, text: str):
    """parse(text), its ConnectionStringError turned into the field-named ConfigurationError."""
    try:
        return parse(text)
    except ConnectionStringError as error:
        # Raised outside the except block: no exception context carries the input on.
        problem, with_source = error.problem, error.with_source
    fix = f"{problem}; paste {_CONNECTION_STRING_SOURCES[name]}" if with_source else problem
    raise ConfigurationError(label(name), fix)
