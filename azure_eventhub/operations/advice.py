"""What an error or a state means for the operator: which form field to change, and how.

Pure: exceptions of the Azure SDKs (and TimeoutError from the self-check's deadlines) are classified
by their class names and the services' own texts (the conditions and descriptions Event Hubs and
Blob Storage answer), so this module never imports azure.* and is tested on literal errors. Each
outcome is a ``Finding``: one log line naming the field and the fix. This module holds what every
piece of advice is made of (the form's field names, Target, Finding); hub_advice.py,
service_advice.py (storage and intake), sign_in_advice.py and retention_advice.py classify.
"""

from __future__ import annotations

from dataclasses import dataclass

HUB_CONNECTION_STRING = "Hub Connection String"
HUB_NAMESPACE = "Hub Namespace"
STORAGE_ACCOUNT_URL = "Storage Account URL"
HUB_NAME = "Hub Name"
HUB_CONSUMER_GROUP = "Hub Consumer Group"
STORAGE_CONNECTION_STRING = "Storage Connection String"
STORAGE_CONTAINER_NAME = "Storage Container Name"
INTAKE_SERVER = "Intake Server"
PROXY_URL = "Proxy URL"

_POLICY_PAGE = "Event Hubs namespace > Event Hubs > your hub > Shared access policies"
_NETWORK_FIX = (
    "check that this network reaches the namespace on port 5671 (AMQP), or on port 443 with Transport "
    "set to websocket (through the Proxy URL if there is one), and that the namespace's Networking page "
    "allows this address"
)


@dataclass(frozen=True)
class Target:
    """What the checks are about, for the messages (no secret here)."""

    hub_namespace: str
    hub_name: str
    consumer_group: str
    storage_endpoint: str
    container: str
    intake_server: str
    transport: str = "amqp"
    proxy: bool = False
    hub_signs_in: bool = False  # Hub Namespace and the application, not a connection string
    storage_signs_in: bool = False  # Storage Account URL and the application
    authority_host: str | None = None  # where the application signs in (host[:port])


@dataclass(frozen=True)
class Finding:
    """One line of the self-check: a check passed (info), a warning, or an error (fatal)."""

    level: str  # "info", "warning" or "error"
    text: str
    field: str | None = None  # the form field to change
    fix: str | None = None

    @property
    def fatal(self) -> bool:
        return self.level == "error"

    def line(self, prefix: str) -> str:
        """One log line: ``<prefix>: <field>: <what>. Fix: <how>``."""
        where = f"{self.field}: " if self.field else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return " ".join(f"{prefix}: {where}{self.text}.{fix}".split())

    def __str__(self) -> str:
        return self.line("Self-check")


def passed(text: str) -> Finding:
    return Finding("info", f"passed: {text}")


def error_finding(field_name: str, text: str, fix: str) -> Finding:
    return Finding("error", text, field_name, fix)


def warning(field_name: str | None, text: str, fix: str | None = None) -> Finding:
    return Finding("warning", text, field_name, fix)


# --- classification -------------------------------------------------------------------------------


def _names(error: BaseException) -> set[str]:
    carried = getattr(error, "class_names", None)  # receiver_process.ReceiveFailure: the original's
    if carried:
        return set(carried)
    return {cls.__name__ for cls in type(error).__mro__}


def _first_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    for marker in (" TrackingId:", " To know more visit", " Error condition:", "\n"):
        text = text.split(marker)[0]
    return text[:limit]
