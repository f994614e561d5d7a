"""The trigger's wiring, as pure functions of its settings: what the receiver processes are built
from, what the self-check's advice names, where owner ids are remembered."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from pathlib import Path
from typing import Any

from azure_eventhub.core.trust import ca_bundle
from azure_eventhub.hub.consumer import ReceiverSettings
from azure_eventhub.operations.advice import Target
from triggers.validated_settings import ValidatedSettings


def receiver_settings(settings: ValidatedSettings) -> ReceiverSettings:
    """What every receiver process, and the trigger's own storage clients, are built from."""
    proxy = settings.proxy
    bundle = ca_bundle()  # read here, passed on to every client of every process (trust.py)
    sign_in = dataclasses.replace(settings.sign_in, connection_verify=bundle) if settings.sign_in else None
    return ReceiverSettings(
        hub_connection_string=settings.hub_connection_string,
        hub_name=settings.hub_name,
        consumer_group=settings.hub_consumer_group,
        storage_connection_string=settings.storage_connection_string,
        container_name=settings.storage_container_name,
        starting_position=settings.starting_position,
        transport=settings.transport,
        custom_endpoint_address=settings.custom_endpoint_address,
        http_proxy=proxy.eventhub_http_proxy() if proxy else None,
        storage_proxy_url=proxy.url if proxy else None,
        secrets=settings.secrets,
        hub_namespace=settings.hub_namespace if settings.hub_signs_in else None,
        storage_account_url=settings.storage_account_url,
        sign_in=sign_in,
        connection_verify=bundle,
        siblings=settings.receiver_processes,
    )


def advice_target(settings: ValidatedSettings) -> Target:
    """What the self-check's advice names: the settings as the operator typed them."""
    return Target(
        hub_namespace=settings.hub_namespace,
        hub_name=settings.hub_name,
        consumer_group=settings.hub_consumer_group,
        storage_endpoint=settings.storage_blob_endpoint,
        container=settings.storage_container_name,
        intake_server=settings.intake_server,
        transport=settings.transport,
        proxy=settings.proxy is not None,
        hub_signs_in=settings.hub_signs_in,
        storage_signs_in=settings.storage_signs_in,
        authority_host=settings.sign_in.authority_host if settings.sign_in else None,
    )


def owner_directory(data_path: str | Path) -> Path:
    """Where owner ids are remembered: the data volume, or a temporary folder if it is not
    writable (then a restart waits for the ownership expiry instead)."""
    try:
        directory = Path(data_path) / "azure-eventhub-owners"
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    except Exception:
        return Path(tempfile.gettempdir()) / "azure-eventhub-owners"


def owner_scope(namespace: str, settings: Any) -> str:
    """What owner ids are remembered under: one hub, consumer group and container."""
    return "/".join(
        (
            namespace,
            settings.hub_name,
            settings.hub_consumer_group.lower(),
            settings.storage_blob_endpoint,
            settings.storage_container_name,
        )
    )


def texts(values: Any) -> list[str]:
    """The string values among these (a mapping's values, or an iterable)."""
    items = values.values() if isinstance(values, dict) else values or ()
    return [value for value in items if isinstance(value, str)]


def bounded(function, seconds: float) -> bool:
    """Run ``function`` in a daemon thread; give up waiting after ``seconds`` (True if it finished)."""
    thread = threading.Thread(target=function, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()
