"""Azure connection strings: the hub's (Event Hubs) and the storage account's, read as the Azure
SDKs read them, refusing what would fail at start; and which cloud an endpoint belongs to."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# Hub connection strings ----------------------------------------------------------------------------

# Keys are case-sensitive, as azure-eventhub's parse_connection_string reads them (check_case=True),
# except SharedAccessSignature, which it matches in any case.
_HUB_KEYS = ("Endpoint", "SharedAccessKeyName", "SharedAccessKey", "EntityPath", "UseDevelopmentEmulator")


@dataclass(frozen=True)
class HubConnection:
    namespace: str  # host[:port] of the Endpoint
    entity_path: str | None
    uses_emulator: bool
    secret_parts: tuple[str, ...]


def _split_pairs(text: str, allow_empty_values: bool) -> dict[str, str] | None:
    """Key=value;Key=value -> dict, or None when malformed (a part without "=", a duplicate key)."""
    pairs = [part.split("=", 1) for part in text.strip().rstrip(";").split(";")]
    if any(len(pair) != 2 or not pair[0] or not (pair[1] or allow_empty_values) for pair in pairs):
        return None
    if len({key.lower() for key, _ in pairs}) != len(pairs):
        return None
    return {key: value for key, value in pairs}


class ConnectionStringError(ValueError):
    """A connection string that would fail at start. ``problem`` never holds the string's values;
    ``with_source`` says whether the fix is to paste the string again from the portal."""

    def __init__(self, problem: str, with_source: bool = True) -> None:
        super().__init__(problem)
        self.problem = problem
        self.with_source = with_source


def _hub_error(problem: str) -> ConnectionStringError:
    return ConnectionStringError(problem)


def parse_hub_connection_string(text: str) -> HubConnection:
    settings = _split_pairs(text, allow_empty_values=False)
    if settings is None:
        raise _hub_error("not a connection string (Key=value pairs separated by ;)")
    for key in _HUB_KEYS:
        miscased = [found for found in settings if found.lower() == key.lower() and found != key]
        if miscased:
            raise _hub_error(f"key names are case-sensitive: write {key}, not {miscased[0]}")
    signature = next((value for key, value in settings.items() if key.lower() == "sharedaccesssignature"), None)
    endpoint = settings.get("Endpoint")
    if endpoint is None:
        raise _hub_error("no Endpoint=sb://<namespace>.servicebus.windows.net/")
    parts = urlsplit(endpoint.strip())
    if parts.scheme != "sb" or not parts.hostname:
        raise _hub_error("its Endpoint is not an sb://<namespace>.servicebus.windows.net/ address")
    try:
        parts.port
    except ValueError:
        raise _hub_error("its Endpoint has an invalid port") from None
    key_name, key = settings.get("SharedAccessKeyName"), settings.get("SharedAccessKey")
    if bool(key_name) != bool(key) or not (key or signature):
        raise _hub_error("needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature")
    if key and signature:
        raise _hub_error("has both SharedAccessKey and SharedAccessSignature, keep only one")
    return HubConnection(
        namespace=parts.netloc.strip(),
        entity_path=settings.get("EntityPath"),
        uses_emulator=settings.get("UseDevelopmentEmulator") == "true",
        secret_parts=_secret_parts(key, signature),
    )


# Storage connection strings ------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageConnection:
    account_name: str | None
    blob_endpoint: str
    secret_parts: tuple[str, ...]


def _storage_error(problem: str) -> ConnectionStringError:
    return ConnectionStringError(problem)


def parse_storage_connection_string(text: str) -> StorageConnection:
    """Read as azure-storage-blob does (keys in any case), but refuse what would fail at start."""
    pairs = _split_pairs(text, allow_empty_values=True)
    if pairs is None:
        raise _storage_error("not a connection string (Key=value pairs separated by ;)")
    settings = {key.upper(): value.strip() for key, value in pairs.items() if value.strip()}
    if settings.get("USEDEVELOPMENTSTORAGE", "").lower() == "true":
        raise ConnectionStringError(
            "the UseDevelopmentStorage=true shortcut is not supported; for Azurite paste its full connection "
            "string, with AccountName, AccountKey and BlobEndpoint (e.g. http://127.0.0.1:10000/devstoreaccount1)",
            with_source=False,
        )
    account_name, account_key = settings.get("ACCOUNTNAME"), settings.get("ACCOUNTKEY")
    signature = settings.get("SHAREDACCESSSIGNATURE")
    if not ((account_name and account_key) or signature):
        raise _storage_error("needs AccountName and AccountKey, or SharedAccessSignature")
    blob_endpoint = settings.get("BLOBENDPOINT")
    if blob_endpoint:
        parts = urlsplit(blob_endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _storage_error("its BlobEndpoint is not an https:// URL")
        blob_endpoint = blob_endpoint.rstrip("/")
    elif account_name:
        suffix = settings.get("ENDPOINTSUFFIX")
        protocol = settings.get("DEFAULTENDPOINTSPROTOCOL") if suffix else None
        blob_endpoint = f"{protocol or 'https'}://{account_name}.blob.{suffix or 'core.windows.net'}"
    else:
        raise _storage_error("has a SharedAccessSignature but neither BlobEndpoint nor AccountName")
    return StorageConnection(
        account_name=account_name, blob_endpoint=blob_endpoint, secret_parts=_secret_parts(account_key, signature)
    )


def _secret_parts(key: str | None, signature: str | None) -> tuple[str, ...]:
    parts = [part for part in (key, signature) if part]
    if signature and (match := re.search(r"\bsig=([^&;\s]+)", signature)):
        parts.append(match.group(1))
    return tuple(parts)


# Clouds --------------------------------------------------------------------------------------------

Cloud = Literal["public", "china", "usgov", "local", "other"]
_CLOUD_NAMES = {
    "public": "the public Azure cloud",
    "china": "Azure China (21Vianet)",
    "usgov": "Azure US Government",
    "local": "a local emulator",
}


def cloud_of(host: str | None) -> Cloud:
    """The Azure cloud a host name belongs to."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost":
        return "local"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return "local"
    except ValueError:
        pass
    if host.endswith(".chinacloudapi.cn"):
        return "china"
    if host.endswith(".usgovcloudapi.net"):
        return "usgov"
    if host.endswith(".windows.net"):
        return "public"
    return "other"
