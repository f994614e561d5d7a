"""The sign-in arguments (issue 16): Hub Namespace, Storage Account URL, the application's
credentials and Authority Host, read and checked for validate() (configuration.py).

Each side (the hub, the storage account) takes either its connection string or its namespace/URL
signed in with the application, independently. Problems are ``FieldProblem``s: the argument to fix
and the text after the label; configuration.py turns them into ConfigurationError. No text here
ever holds a secret's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from azure_eventhub.core.sign_in import CLOUD_AUTHORITIES, PUBLIC_AUTHORITY
from triggers.connection_strings import cloud_of

APPLICATION = "the application (Tenant ID, Client ID, Client Secret or Client Certificate)"
_APP_PAGE = "Microsoft Entra ID > App registrations > your application"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_NAMESPACE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,48}[A-Za-z0-9]$")
PUBLIC_NAMESPACE_SUFFIX = ".servicebus.windows.net"


class FieldProblem(ValueError):
    """An argument to fix: ``name`` (the argument) and ``fix`` (the text after its label)."""

    def __init__(self, name: str, fix: str) -> None:
        super().__init__(name, fix)
        self.name = name
        self.fix = fix


@dataclass(frozen=True)
class Notice:
    """A warning found while reading the arguments, for the self-check's lines."""

    field: str | None
    text: str
    fix: str | None = None


def _example(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "...")


# Hub Namespace -------------------------------------------------------------------------------------

_NAMESPACE_FIX = (
    "enter the namespace's host name, e.g. contoso-logs.servicebus.windows.net (Event Hubs namespace > "
    "Overview > Host name), or its name alone"
)


def normalise_hub_namespace(value: str) -> str:
    """Hub Namespace as the checkpoint blob names use it: the host name of the namespace, lowercase.
    An sb:// (or amqps://, https://) URL gives its host; a bare name gets .servicebus.windows.net
    (the public cloud: other clouds are entered in full)."""
    text = value.strip()
    if "://" in text:
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            raise FieldProblem("hub_namespace", f"got {_example(text)}; {_NAMESPACE_FIX}") from None
        if (
            parts.scheme.lower() not in ("sb", "amqps", "https")
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username is not None
            or not parts.hostname
        ):
            raise FieldProblem("hub_namespace", f"got {_example(text)}; {_NAMESPACE_FIX}")
        if port is not None:
            raise _port_problem(text)
        text = parts.hostname
    elif ":" in text:
        raise _port_problem(text)
    text = text.rstrip("/").lower()
    if "." not in text:
        if not _NAMESPACE_NAME.match(text):
            raise FieldProblem("hub_namespace", f"got {_example(value.strip())}; {_NAMESPACE_FIX}")
        return text + PUBLIC_NAMESPACE_SUFFIX
    if not _HOST.match(text):
        raise FieldProblem("hub_namespace", f"got {_example(value.strip())}; {_NAMESPACE_FIX}")
    return text


def _port_problem(text: str) -> FieldProblem:
    return FieldProblem(
        "hub_namespace",
        f"got {_example(text)}; enter the host name without a port (to connect to another address or port, "
        "use Custom Endpoint Address), e.g. contoso-logs.servicebus.windows.net",
    )


# Storage Account URL -------------------------------------------------------------------------------

_ACCOUNT_URL_EXAMPLE = (
    "e.g. https://contosologsckpt.blob.core.windows.net (Storage accounts > your account > Endpoints > Blob service)"
)


@dataclass(frozen=True)
class AccountUrl:
    url: str  # without trailing slash
    account_name: str | None


def parse_storage_account_url(value: str) -> AccountUrl:
    """The blob endpoint of the account: https, no query (a SAS belongs in the connection string),
    and a path only in path-style URLs (private endpoints, emulators: https://host:port/<account>)."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.query:
        if re.search(r"(?i)(?:^|&)sig=", parts.query):
            raise FieldProblem(
                "storage_account_url",
                "carries a shared access signature (?...&sig=...); paste it in Storage Connection String instead "
                "(BlobEndpoint=<the URL before ?>;SharedAccessSignature=<the part after ?>), or remove it to sign in "
                "with the application",
            )
        raise FieldProblem(
            "storage_account_url",
            f"has a query (?...); enter the account's blob endpoint only, {_ACCOUNT_URL_EXAMPLE}",
        )
    shown = _example(text)
    try:
        parts.port
    except ValueError:
        raise FieldProblem(
            "storage_account_url", f"got {shown}; enter the account's blob endpoint, {_ACCOUNT_URL_EXAMPLE}"
        ) from None
    if parts.scheme.lower() == "http":
        raise FieldProblem(
            "storage_account_url",
            f"got {shown}; signing in needs https://: enter the account's blob endpoint, {_ACCOUNT_URL_EXAMPLE}",
        )
    if parts.scheme.lower() != "https" or not parts.hostname or parts.fragment or parts.username is not None:
        raise FieldProblem(
            "storage_account_url", f"got {shown}; enter the account's blob endpoint, {_ACCOUNT_URL_EXAMPLE}"
        )
    host = parts.hostname
    segments = [segment for segment in parts.path.split("/") if segment]
    account_host = ".blob." in host
    if (account_host and segments) or len(segments) > 1:
        raise FieldProblem(
            "storage_account_url",
            f"got {shown}; enter the account URL without the container (the container goes in Storage Container "
            f"Name), {_ACCOUNT_URL_EXAMPLE}",
        )
    account = host.split(".", 1)[0] if account_host else (segments[0] if segments else None)
    return AccountUrl(url=f"https://{parts.netloc}" + (f"/{segments[0]}" if segments else ""), account_name=account)


# Authority Host ------------------------------------------------------------------------------------

_AUTHORITY_FIX = (
    "enter a host such as login.microsoftonline.com, or an https:// URL such as https://login.microsoftonline.com"
)


def parse_authority_host(value: str) -> str:
    """https://host[:port] from host[:port] or an https:// URL (trailing slash ignored)."""
    text = value.strip()
    shown = _example(text)
    if text.lower().startswith("http://"):
        raise FieldProblem("authority_host", f"got {shown}; token requests need https://: {_AUTHORITY_FIX}")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    try:
        parts.port
    except ValueError:
        raise FieldProblem("authority_host", f"got {shown}; {_AUTHORITY_FIX}") from None
    if parts.scheme.lower() != "https" or not _HOST.match(parts.hostname or "") or parts.username is not None:
        raise FieldProblem("authority_host", f"got {shown}; {_AUTHORITY_FIX}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise FieldProblem(
            "authority_host", f"got {shown}; enter the host only (the tenant goes in Tenant ID): {_AUTHORITY_FIX}"
        )
    return f"https://{parts.netloc.lower()}"


def default_authority(host: str, what: str) -> tuple[str, Notice | None]:
    """The authority of the cloud ``host`` belongs to; for a host of no known cloud, the public one
    and a notice. ``what`` names the host for the notice ("the hub's namespace ...")."""
    cloud = cloud_of(host)
    if cloud in CLOUD_AUTHORITIES:
        return f"https://{CLOUD_AUTHORITIES[cloud]}", None
    notice = Notice(
        "Authority Host",
        f"{what} {host} is in no known Azure cloud, so the application signs in at {PUBLIC_AUTHORITY} (the public "
        "cloud)",
        "if the application belongs to another cloud, enter its Authority Host (login.chinacloudapi.cn for Azure "
        "China, login.microsoftonline.us for Azure US Government)",
    )
    return f"https://{PUBLIC_AUTHORITY}", notice


# The application -----------------------------------------------------------------------------------


def signing(sides: list[str]) -> str:
    """ "Hub Namespace signs in" / "Hub Namespace and Storage Account URL sign in"."""
    return f"{' and '.join(sides)} sign{'s' if len(sides) == 1 else ''} in"


def check_tenant_id(value: str, sides: list[str]) -> str:
    text = value.strip()
    if not text:
        raise FieldProblem(
            "tenant_id",
            f"missing; {signing(sides)} with the application: enter its Directory (tenant) ID ({_APP_PAGE} > Overview)",
        )
    if not (_GUID.match(text) or _DOMAIN.match(text)):
        raise FieldProblem(
            "tenant_id",
            f"got {_example(text)}; enter the Directory (tenant) ID of the application, a GUID ({_APP_PAGE} > "
            "Overview), or the tenant's domain such as contoso.onmicrosoft.com",
        )
    return text


def check_client_id(value: str, sides: list[str]) -> str:
    text = value.strip()
    if not text:
        raise FieldProblem(
            "client_id",
            f"missing; {signing(sides)} with the application: enter its Application (client) ID ({_APP_PAGE} > "
            "Overview)",
        )
    if not _GUID.match(text):
        raise FieldProblem(
            "client_id",
            f"got {_example(text)}; enter the Application (client) ID of the application, a GUID ({_APP_PAGE} > "
            "Overview)",
        )
    return text


def check_one_credential(secret: str, certificate: str, sides: list[str]) -> None:
    if secret and certificate:
        raise FieldProblem(
            "client_secret",
            "set together with Client Certificate; keep one: clear Client Secret to sign in with the certificate "
            "(safer), or clear Client Certificate",
        )
    if not secret and not certificate:
        raise FieldProblem(
            "client_secret",
            f"missing; {signing(sides)} with the application: paste the Value of one of its client secrets "
            f"({_APP_PAGE} > Certificates & secrets), or its certificate and private key in Client Certificate (safer)",
        )


def unused_notice(labels: list[str]) -> Notice | None:
    """Credentials set while neither side signs in with the application."""
    if not labels:
        return None
    verb = "is" if len(labels) == 1 else "are"
    return Notice(
        ", ".join(labels),
        f"{verb} set, but nothing signs in with the application (the hub and the storage account use their "
        "connection strings)",
        "clear them, or enter Hub Namespace or Storage Account URL instead of a connection string to sign in with "
        "the application",
    )
