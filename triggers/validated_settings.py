"""The trigger's arguments once checked (configuration.validate()), with what the trigger needs
parsed out of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from azure_eventhub.core.redaction import redact_text
from azure_eventhub.core.sign_in import AppCredentials
from triggers.connection_strings import _CLOUD_NAMES, Cloud
from triggers.sign_in_settings import Notice


@dataclass(frozen=True)
class ProxySettings:
    """An HTTP(S) proxy, from Proxy URL."""

    url: str = field(repr=False)
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)

    def requests_proxies(self) -> dict[str, str]:
        """The proxies mapping of requests (intake)."""
        return {"http": self.url, "https": self.url}

    def eventhub_http_proxy(self) -> dict[str, Any]:
        """The http_proxy argument of azure-eventhub clients (WebSockets only)."""
        proxy: dict[str, Any] = {"proxy_hostname": self.host, "proxy_port": self.port}
        if self.username is not None:
            proxy["username"] = self.username
        if self.password is not None:
            proxy["password"] = self.password
        return proxy


@dataclass(frozen=True)
class ValidatedSettings:
    """The arguments once checked. The hub is reached with ``hub_connection_string``, or, when it is
    None, at ``hub_namespace`` signed in with ``sign_in``; the storage account likewise with
    ``storage_connection_string`` or ``storage_account_url``."""

    hub_connection_string: str | None = field(repr=False)
    hub_name: str
    hub_consumer_group: str
    hub_namespace: str  # host[:port] of the Endpoint, or Hub Namespace normalised (checkpoint blob names)
    hub_entity_path: str | None
    hub_uses_emulator: bool  # UseDevelopmentEmulator=true: no TLS
    hub_cloud: Cloud
    storage_connection_string: str | None = field(repr=False)
    storage_container_name: str
    storage_account_name: str | None
    storage_blob_endpoint: str
    storage_cloud: Cloud
    intake_key: str = field(repr=False)
    intake_server: str  # without trailing slash
    chunk_size: int
    categories: tuple[str, ...]  # empty: every record
    starting_position: Literal["earliest", "latest"]
    transport: Literal["amqp", "websocket"]  # websocket whenever there is a proxy (validate() checks)
    receiver_processes: int
    custom_endpoint_address: str | None  # scheme://host[:port]
    proxy: ProxySettings | None
    secrets: tuple[str, ...] = field(repr=False, default=())
    storage_account_url: str | None = None  # signed in with sign_in when set
    sign_in: AppCredentials | None = None  # the application, when a side signs in
    notices: tuple[Notice, ...] = ()  # warnings for the self-check (unused credentials, unknown cloud)

    @property
    def hub_signs_in(self) -> bool:
        return self.hub_connection_string is None

    @property
    def storage_signs_in(self) -> bool:
        return self.storage_connection_string is None

    @property
    def intake_batch_url(self) -> str:
        """Where chunks are posted. Built here, not by the SDK (which joins its raw Intake Server with
        urljoin: "https://gw/sekoia" would lose "/sekoia", a trailing space would make the URL invalid)."""
        return f"{self.intake_server}/batch"

    def cloud_mismatch_warning(self) -> str | None:
        """A warning when the hub and the storage account are in different known clouds."""
        if "other" in (self.hub_cloud, self.storage_cloud) or self.hub_cloud == self.storage_cloud:
            return None
        where = (
            "both connection strings come"
            if not (self.hub_signs_in or self.storage_signs_in)
            else "the hub and the storage account come"
        )
        return (
            f"The hub is in {_CLOUD_NAMES[self.hub_cloud]} but the storage account is in "
            f"{_CLOUD_NAMES[self.storage_cloud]}: check that {where} from the same cloud"
        )

    def redact(self, text: str) -> str:
        """text with every secret of this configuration (and any key or signature) replaced by ***."""
        return redact_text(text, self.secrets)
