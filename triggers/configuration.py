"""The trigger's arguments: one typed model mirroring trigger_consume_eventhub_messages.json, and the
checks run when the trigger starts.

Two steps, because of how the SDK hands the configuration over:

1. ``load_configuration(raw)``, when the SDK sets ``trigger.configuration`` from the configuration
   file. Secret fields may still hold the platform's placeholders then (the SDK overlays the real
   values afterwards with ``setattr``), so secret fields accept any text, or nothing. Only the types,
   enums and ranges of the other fields are checked.
2. ``validate(configuration)``, when the trigger starts running, after the secrets are applied. It
   parses the connection strings and URLs and returns ``ValidatedSettings``.

Both raise ``ConfigurationError``: one line naming the form field and the fix, never a secret. The
text of pydantic's own errors never gets out (it embeds the input values, secrets included); the
model also sets ``hide_input_in_errors`` in case someone validates it directly.
"""

import re
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sekoia_automation.exceptions import TriggerConfigurationError

from azure_eventhub.redaction import redact_text, with_encodings
from azure_eventhub.sign_in import AppCredentials
from triggers.certificate import CertificateProblem, load_certificate
from triggers.connection_strings import (
    ConnectionStringError,
    cloud_of,
    parse_hub_connection_string,
    parse_storage_connection_string,
)
from triggers.sign_in_settings import (
    APPLICATION,
    FieldProblem,
    Notice,
    check_client_id,
    check_one_credential,
    check_tenant_id,
    default_authority,
    normalise_hub_namespace,
    parse_authority_host,
    parse_storage_account_url,
    unused_notice,
)
from triggers.validated_settings import ProxySettings, ValidatedSettings

__all__ = ["ProxySettings", "ValidatedSettings", "cloud_of", "redact_text"]  # re-exported for callers and tests

# At most this many records per intake request. The SDK already caps a request at about 9 MiB, so
# with Azure diagnostic records (about 1 KiB each) more than 10000 would not make requests larger,
# only hold more records in memory per chunk and make a rejected chunk costlier to split and retry.
CHUNK_SIZE_MAX = 10000
RECEIVER_PROCESSES_MAX = 8  # each is about 80 MiB and a core at most

SECRET_FIELDS = (
    "hub_connection_string",
    "storage_connection_string",
    "intake_key",
    "proxy_url",
    "client_secret",
    "client_certificate",
    "client_certificate_password",
)
# Optional text arguments: absent, null, empty or blank all mean "not set".
OPTIONAL_TEXT_FIELDS = (
    "hub_connection_string",
    "hub_namespace",
    "storage_connection_string",
    "storage_account_url",
    "tenant_id",
    "client_id",
    "client_secret",
    "client_certificate",
    "client_certificate_password",
    "authority_host",
    "custom_endpoint_address",
    "proxy_url",
)

HUB_CONNECTION_STRING_SOURCE = (
    "the Connection string–primary key of a policy with Listen "
    "(Event Hubs namespace > Event Hubs > your hub > Shared access policies)"
)
STORAGE_CONNECTION_STRING_SOURCE = (
    "the connection string of the storage account (Storage accounts > your account > "
    "Security + networking > Access keys > Connection string)"
)


class ConfigurationError(TriggerConfigurationError):
    """Raised when an argument of the trigger is missing or wrong; names the form field and the fix.

    A TriggerConfigurationError, so that the SDK treats it as critical when it escapes run().
    """

    def __init__(self, field: str, fix: str):
        super().__init__(field, fix)  # both in args: the error pickles, and str() below is the only text
        self.field = field
        self.fix = fix

    def __str__(self) -> str:
        return " ".join(f"{self.field}: {self.fix}".split())


class ConsumeEventhubConfiguration(BaseModel):
    """The arguments of the "Consume Eventhub messages" trigger, as the configuration file gives them."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    # Each side takes its connection string, or its namespace/URL signed in with the application.
    hub_connection_string: str | None = Field(None, title="Hub Connection String", repr=False)
    hub_namespace: str | None = Field(None, title="Hub Namespace")
    hub_name: str = Field(title="Hub Name")
    hub_consumer_group: str = Field("sekoiaio", title="Hub Consumer Group")
    storage_connection_string: str | None = Field(None, title="Storage Connection String", repr=False)
    storage_account_url: str | None = Field(None, title="Storage Account URL")
    storage_container_name: str = Field(title="Storage Container Name")
    tenant_id: str | None = Field(None, title="Tenant ID")
    client_id: str | None = Field(None, title="Client ID")
    client_secret: str | None = Field(None, title="Client Secret", repr=False)
    client_certificate: str | None = Field(None, title="Client Certificate", repr=False)
    client_certificate_password: str | None = Field(None, title="Client Certificate Password", repr=False)
    authority_host: str | None = Field(None, title="Authority Host")
    intake_key: str = Field(title="Intake Key", repr=False)
    intake_server: str = Field("https://intake.sekoia.io", title="Intake Server")
    chunk_size: int = Field(1000, ge=1, le=CHUNK_SIZE_MAX, title="Chunk Size")
    categories: list[str] = Field([], title="Categories")  # pydantic copies it per instance
    starting_position: Literal["earliest", "latest"] = Field("earliest", title="Starting Position")
    transport: Literal["amqp", "websocket"] = Field("amqp", title="Transport")
    receiver_processes: int = Field(1, ge=1, le=RECEIVER_PROCESSES_MAX, title="Receiver Processes")
    custom_endpoint_address: str | None = Field(None, title="Custom Endpoint Address")
    proxy_url: str | None = Field(None, title="Proxy URL", repr=False)

    @model_validator(mode="before")
    @classmethod
    def _tolerate_blanks(cls, data: Any) -> Any:
        """null means "not set": defaults apply, and secrets not yet overlaid load as "" (validate()
        reports them); a blank optional field is not set either."""
        if not isinstance(data, dict):
            return data
        data = {key: value for key, value in data.items() if value is not None}
        for name in OPTIONAL_TEXT_FIELDS:
            if isinstance(data.get(name), str) and not data[name].strip():
                del data[name]
        for name in SECRET_FIELDS:
            if name not in data and cls.model_fields[name].is_required():
                data[name] = ""
        return data

    @field_validator("chunk_size", mode="before")
    @classmethod
    def _no_bool_count(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a bool is not a count")
        return value

    def raw_values(self) -> dict[str, Any]:
        """The current attribute values, as set by the SDK. Not model_dump(): pydantic warns, with the
        value, about an attribute of the wrong type, and secrets are set without validation."""
        return {name: getattr(self, name) for name in type(self).model_fields}

    def redacted_dump(self) -> dict[str, Any]:
        """The values with every non-empty secret replaced by "***" (for Sentry contexts)."""
        return {name: "***" if name in SECRET_FIELDS and value else value for name, value in self.raw_values().items()}


def label(name: str) -> str:
    """The form label of an argument."""
    return ConsumeEventhubConfiguration.model_fields[name].title or name


# What to put in each field, for messages about a missing or mistyped value.
_HOW_TO_FILL = {
    "hub_connection_string": f"paste {HUB_CONNECTION_STRING_SOURCE}",
    "hub_namespace": "enter the namespace's host name, e.g. contoso-logs.servicebus.windows.net",
    "hub_name": "enter the name of the event hub (Event Hubs namespace > Event Hubs), e.g. o365-event",
    "hub_consumer_group": "enter a consumer group of the hub (Event Hubs namespace > Event Hubs > your hub > "
    "Consumer groups), e.g. sekoiaio",
    "storage_connection_string": f"paste {STORAGE_CONNECTION_STRING_SOURCE}",
    "storage_account_url": "enter the account's blob endpoint, e.g. https://contosologsckpt.blob.core.windows.net",
    "tenant_id": "enter the Directory (tenant) ID of the application",
    "client_id": "enter the Application (client) ID of the application",
    "client_secret": "paste the Value of a client secret of the application, or leave it empty",
    "client_certificate": "paste the PEM file holding the certificate and its private key, or leave it empty",
    "client_certificate_password": "enter the password of the certificate's private key, or leave it empty",
    "authority_host": "enter a host such as login.microsoftonline.com, or leave it empty",
    "storage_container_name": "enter the name of a blob container of that storage account, e.g. eventhub-checkpoints",
    "intake_key": "paste the intake key of the Sekoia.io intake the records go to",
    "intake_server": "enter an http(s) URL such as https://intake.sekoia.io",
    "chunk_size": f"enter a whole number of records between 1 and {CHUNK_SIZE_MAX}",
    "categories": "enter a list of category names, or leave it empty to forward every record",
    "starting_position": "choose earliest or latest",
    "transport": "choose amqp or websocket",
    "receiver_processes": f"enter a whole number of processes between 1 and {RECEIVER_PROCESSES_MAX}",
    "custom_endpoint_address": "enter a URL with the scheme sb://, amqps://, https:// or wss:// and no path, "
    "e.g. sb://my-gateway.example.com:443",
    "proxy_url": "enter http://[user:password@]host:port",
}


def _shown(value: Any) -> str:
    """A non-secret input value, as echoed in a message: a URL's password is masked before the value is
    cut short (cut first, what is left of the password would no longer look like one)."""
    text = repr(redact_text(value) if isinstance(value, str) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_error(name: str, value: Any, problem: str | None = None) -> ConfigurationError:
    """An error about a field's value; the value is shown only for non-secret fields."""
    if problem is None:
        problem = "must be text" if name in SECRET_FIELDS else f"got {_shown(value)}"
    return ConfigurationError(label(name), f"{problem}; {_HOW_TO_FILL[name]}")


def load_configuration(raw: Any) -> ConsumeEventhubConfiguration:
    """Build the model from the configuration file's content; secret fields may be placeholders."""
    if isinstance(raw, ConsumeEventhubConfiguration):
        return raw
    if not isinstance(raw, dict):
        raise ConfigurationError("Trigger configuration", "expected an object of arguments; save the form again")
    try:
        return ConsumeEventhubConfiguration.model_validate(raw)
    except ValidationError as exc:
        # Keep only field names out of the except block: no exception chain carries the inputs on.
        problems = [(error["loc"], error["type"]) for error in exc.errors(include_input=False, include_url=False)]
    raise _load_error(raw, problems)


def _load_error(raw: dict, problems: list[tuple[tuple, str]]) -> ConfigurationError:
    order = list(ConsumeEventhubConfiguration.model_fields)
    problems.sort(key=lambda problem: order.index(problem[0][0]) if problem[0] and problem[0][0] in order else 99)
    loc, error_type = problems[0]
    name = loc[0] if loc and loc[0] in order else None
    if name is None:
        return ConfigurationError("Trigger configuration", "unreadable arguments; save the form again")
    if error_type == "missing":
        return _field_error(name, None, "required")
    value = raw.get(name)
    if len(loc) > 1 and isinstance(value, list) and isinstance(loc[1], int):
        return _field_error(name, value, f"item {loc[1] + 1} is {_shown(value[loc[1]])}, not text")
    return _field_error(name, value)


# Names and URLs ------------------------------------------------------------------------------------

_CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
# Azure's naming rules: letters, digits, periods, hyphens and underscores, starting and ending with a
# letter or digit; 1-256 characters for an event hub, 1-50 for a consumer group.
_HUB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$")
_CONSUMER_GROUP = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")


def _url_parts(value: str, schemes: tuple[str, ...]):
    """urlsplit() of an absolute URL with one of these schemes and a host, else None."""
    parts = urlsplit(value)
    try:
        parts.port
    except ValueError:
        return None
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        return None
    return parts


def parse_proxy_url(value: str) -> ProxySettings:
    parts = _url_parts(value, ("http", "https"))
    if parts is None:
        raise _field_error("proxy_url", None, "not an http:// or https:// URL")
    if parts.path not in ("", "/"):
        raise _field_error("proxy_url", None, "has a path")
    if parts.port is None:
        raise _field_error("proxy_url", None, "has no port")
    return ProxySettings(
        url=value.rstrip("/"),
        host=parts.hostname,
        port=parts.port,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


# Validation ----------------------------------------------------------------------------------------


def validate(configuration: ConsumeEventhubConfiguration | dict) -> ValidatedSettings:
    """Check the arguments once the secrets are applied; raise ConfigurationError on the first problem,
    in form order."""
    # Load again: the SDK overlaid the secrets with setattr, which the model does not check.
    config = load_configuration(
        configuration.raw_values() if isinstance(configuration, ConsumeEventhubConfiguration) else configuration
    )
    try:
        return _validate(config)
    except (FieldProblem, CertificateProblem) as problem:
        # Raised outside the except block: no exception context carries the input on.
        name, fix = problem.args[0] if isinstance(problem, FieldProblem) else problem.field, _fix_of(problem)
    raise ConfigurationError(label(name), fix)


def _fix_of(problem: FieldProblem | CertificateProblem) -> str:
    if isinstance(problem, FieldProblem):
        return problem.fix
    if problem.field == "client_certificate_password":
        return f"{problem.problem}; enter the password the private key of Client Certificate was encrypted with"
    return f"{problem.problem}; paste the PEM holding the certificate and its private key"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_way(connection_string: str, signed_in: str, name: str, other: str, source: str) -> None:
    """A side takes its connection string or its namespace/URL signed in: exactly one."""
    if connection_string and signed_in:
        raise ConfigurationError(
            label(name),
            f"set together with {label(other)}; keep one: clear {label(other)} to use the connection string, or "
            f"clear {label(name)} to sign in with {APPLICATION}",
        )
    if not connection_string and not signed_in:
        raise ConfigurationError(
            label(name), f"missing; paste {source}, or enter {label(other)} to sign in with {APPLICATION}"
        )


def _validate(config: ConsumeEventhubConfiguration) -> ValidatedSettings:
    hub_text, namespace_text = _text(config.hub_connection_string), _text(config.hub_namespace)
    _one_way(hub_text, namespace_text, "hub_connection_string", "hub_namespace", HUB_CONNECTION_STRING_SOURCE)
    if hub_text:
        hub = _parsed(parse_hub_connection_string, "hub_connection_string", hub_text)
        namespace, entity_path, emulator = hub.namespace, hub.entity_path, hub.uses_emulator
    else:
        hub = None
        namespace, entity_path, emulator = normalise_hub_namespace(namespace_text), None, False
    hub_name = _check_hub_name(config.hub_name.strip(), entity_path)
    consumer_group = _check_consumer_group(config.hub_consumer_group.strip())

    storage_text, account_url_text = _text(config.storage_connection_string), _text(config.storage_account_url)
    _one_way(
        storage_text, account_url_text, "storage_connection_string", "storage_account_url",
        STORAGE_CONNECTION_STRING_SOURCE,
    )
    if storage_text:
        storage = _parsed(parse_storage_connection_string, "storage_connection_string", storage_text)
        account_url, account_name, blob_endpoint = None, storage.account_name, storage.blob_endpoint
    else:
        storage = None
        parsed_url = parse_storage_account_url(account_url_text)
        account_url, account_name, blob_endpoint = parsed_url.url, parsed_url.account_name, parsed_url.url
    container = config.storage_container_name.strip()
    if not _CONTAINER_NAME.match(container):
        raise ConfigurationError(
            label("storage_container_name"),
            f"got {_shown(container)}; use 3 to 63 lowercase letters, digits and hyphens, starting and ending "
            "with a letter or digit, with no two hyphens in a row",
        )

    sides = [label(name) for name, text in (("hub_namespace", namespace_text), ("storage_account_url", account_url_text)) if text]
    signing_host = namespace if namespace_text else urlsplit(blob_endpoint).hostname
    application, notices, key_lines = _application(config, sides, signing_host, bool(namespace_text))

    if not config.intake_key.strip():
        raise _field_error("intake_key", None, "missing")
    intake_server = config.intake_server.strip()
    intake = _url_parts(intake_server, ("http", "https"))
    if intake is None or intake.username is not None:
        raise _field_error("intake_server", intake_server)
    categories = tuple(category.strip() for category in config.categories)
    if not all(categories):
        raise ConfigurationError(label("categories"), "has an empty category name; remove it")
    custom_endpoint = None
    if config.custom_endpoint_address:
        address = config.custom_endpoint_address.strip()
        parts = _url_parts(address, ("sb", "amqps", "https", "wss"))
        if parts is None or parts.path not in ("", "/") or parts.username is not None:
            raise _field_error("custom_endpoint_address", address)
        custom_endpoint = f"{parts.scheme}://{parts.netloc}"
    proxy = parse_proxy_url(config.proxy_url.strip()) if config.proxy_url else None
    if proxy is not None and config.transport == "amqp":
        # azure-eventhub switches to WebSockets whenever it has a proxy: refused rather than run on a
        # transport the form does not show (and a port the firewall may not open).
        raise ConfigurationError(
            label("transport"),
            f"amqp cannot go through the {label('proxy_url')} (the Event Hubs client sends AMQP over WebSockets "
            f"whenever a proxy is set); choose websocket, or clear {label('proxy_url')}",
        )
    if application is not None and proxy is not None:
        application = replace(application, proxy_url=proxy.url)  # token requests go through it too

    cloud_mismatch_host = urlsplit(f"//{namespace}").hostname
    return ValidatedSettings(
        hub_connection_string=hub_text or None,
        hub_name=hub_name,
        hub_consumer_group=consumer_group,
        hub_namespace=namespace,
        hub_entity_path=entity_path,
        hub_uses_emulator=emulator,
        hub_cloud=cloud_of(cloud_mismatch_host),
        storage_connection_string=storage_text or None,
        storage_container_name=container,
        storage_account_name=account_name,
        storage_blob_endpoint=blob_endpoint,
        storage_cloud=cloud_of(urlsplit(blob_endpoint).hostname),
        intake_key=config.intake_key.strip(),
        intake_server=intake_server.rstrip("/"),
        chunk_size=config.chunk_size,
        categories=categories,
        starting_position=config.starting_position,
        transport=config.transport,
        receiver_processes=config.receiver_processes,
        custom_endpoint_address=custom_endpoint,
        proxy=proxy,
        storage_account_url=account_url,
        sign_in=application,
        notices=notices,
        secrets=with_encodings(
            [
                config.hub_connection_string,
                config.storage_connection_string,
                config.intake_key,
                config.proxy_url,
                config.client_secret,
                config.client_certificate,
                config.client_certificate_password,
                *(hub.secret_parts if hub else ()),
                *(storage.secret_parts if storage else ()),
                proxy.password if proxy else None,
                *(application.secret_values() if application else ()),
                *key_lines,
            ]
        ),
    )


_APPLICATION_FIELDS = (
    "tenant_id", "client_id", "client_secret", "client_certificate", "client_certificate_password", "authority_host"
)


def _application(
    config: ConsumeEventhubConfiguration, sides: list[str], host: str | None, hub_signs_in: bool
) -> tuple[AppCredentials | None, tuple[Notice, ...], tuple[str, ...]]:
    """The application's credentials when a side signs in (else the notice of those set for nothing),
    the notices, and the certificate key's base64 lines (secrets to redact)."""
    if not sides:
        unused = unused_notice([label(name) for name in _APPLICATION_FIELDS if _text(getattr(config, name))])
        return None, (unused,) if unused else (), ()
    tenant_id = check_tenant_id(_text(config.tenant_id), sides)
    client_id = check_client_id(_text(config.client_id), sides)
    secret, pem, password = _text(config.client_secret), _text(config.client_certificate), _text(config.client_certificate_password)
    check_one_credential(secret, pem, sides)
    notices: list[Notice] = []
    certificate = load_certificate(pem, password or None) if pem else None
    if password and (certificate is None or certificate.password_unused):
        why = "Client Secret signs in" if certificate is None else "the private key of Client Certificate is not encrypted"
        notices.append(Notice(label("client_certificate_password"), f"is set, but {why}: it is not used", "clear it"))
    if _text(config.authority_host):
        authority = parse_authority_host(_text(config.authority_host))
    else:
        what = "the hub's namespace" if hub_signs_in else "the storage account"
        authority, notice = default_authority(host or "", what)
        if notice is not None:
            notices.append(notice)
    application = AppCredentials(
        tenant_id=tenant_id,
        client_id=client_id,
        authority=authority,
        client_secret=secret or None,
        certificate_pem=certificate.pem if certificate else None,
        certificate_password=certificate.password if certificate else None,
    )
    return application, tuple(notices), certificate.key_lines if certificate else ()


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
