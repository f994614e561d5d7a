"""The trigger's arguments: one typed model mirroring trigger_consume_eventhub_messages.json, and the
checks run when the trigger starts.

Two steps, because of how the SDK hands the configuration over:

1. ``load_configuration(raw)``, when the SDK sets ``trigger.configuration`` from the configuration
   file. Secret fields may still hold the platform's placeholders then (the SDK overlays the real
   values afterwards with ``setattr``), so secret fields accept any text, or nothing. Only the types,
   enums and ranges of the other fields are checked.
2. ``validate(configuration)`` (validation.py, re-exported here), when the trigger starts running,
   after the secrets are applied. It parses the connection strings and URLs and returns
   ``ValidatedSettings``.

Both raise ``ConfigurationError``: one line naming the form field and the fix, never a secret. The
text of pydantic's own errors never gets out (it embeds the input values, secrets included); the
model also sets ``hide_input_in_errors`` in case someone validates it directly.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sekoia_automation.exceptions import TriggerConfigurationError

from azure_eventhub.core.redaction import redact_text
from triggers.connection_strings import cloud_of
from triggers.validated_settings import ProxySettings, ValidatedSettings

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


# Last, and re-exported: validation.py builds on everything above (callers import validate from here).
from triggers.validation import parse_proxy_url, validate  # noqa: E402

__all__ = ["ProxySettings", "ValidatedSettings", "cloud_of", "parse_proxy_url", "redact_text", "validate"]
