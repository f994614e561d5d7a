"""The adapter around Azure Blob Storage: the container, dead-letter blobs, checkpoint writes.

The only module of the library, with consumer.py, that imports azure.*.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.storage.blob import ContainerClient, ContentSettings, LinearRetry

from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.delivery.tracking import Position

# The storage SDK's default retry waits about a minute per failing call; ours must stay responsive
# (stop within seconds, retry at the next tick instead).
_RETRY = LinearRetry(backoff=1, random_jitter_range=1, retry_total=2)
_TIMEOUTS = {"connection_timeout": 5, "read_timeout": 15}


def container_client(
    connection_string: str | None,
    container: str,
    proxy_url: str | None = None,
    *,
    account_url: str | None = None,
    credential: Any = None,
    connection_verify: str | None = None,
) -> ContainerClient:
    """By connection string, or at ``account_url`` with a token credential (the storage client's
    policy asks it for a token again before the one it holds expires). ``connection_verify``: a CA
    bundle in place of the default store."""
    kwargs: dict = {"retry_policy": _RETRY, **_TIMEOUTS}
    if proxy_url:
        kwargs["proxies"] = {"http": proxy_url, "https": proxy_url}
    if connection_verify:
        kwargs["connection_verify"] = connection_verify
    if connection_string:
        return ContainerClient.from_connection_string(connection_string, container, **kwargs)
    return ContainerClient(account_url, container, credential=credential, **kwargs)


def ensure_container(client: ContainerClient) -> bool:
    """Create the container if missing; True if it was created ("already exists" is fine)."""
    try:
        client.create_container()
        return True
    except ResourceExistsError:
        return False


class BlobDeadLetters:
    """Dead letters as JSON blobs in the storage container (overwritten on retry: idempotent)."""

    def __init__(self, client: ContainerClient) -> None:
        self._client = client

    def write(self, name: str, document: bytes) -> None:
        self._client.upload_blob(
            name, document, overwrite=True, content_settings=ContentSettings(content_type="application/json")
        )


class BlobCheckpoints:
    """Checkpoint writes through the SDK's blob checkpoint store (the same blobs and metadata the
    event processor reads when it claims a partition)."""

    def __init__(self, checkpoint_store) -> None:
        self._store = checkpoint_store

    def write(self, ref: PartitionRef, position: Position) -> None:
        self._store.update_checkpoint(
            {
                "fully_qualified_namespace": ref.namespace,
                "eventhub_name": ref.hub,
                "consumer_group": ref.consumer_group,
                "partition_id": ref.partition_id,
                "offset": position.offset,
                "sequence_number": position.sequence_number,
            }
        )


# --- the start-up self-check's probe of the container ----------------------------------------------

PROBE_BLOB = "selfcheck/probe"


def probe_container(client: ContainerClient) -> bool:
    """Create the container if missing, then list, write and delete a small blob, as the checkpoint
    store and the dead letters will. Raises the storage SDK's error when the account cannot be
    reached, refuses the credentials, or the container cannot be read or written (the self-check
    classifies it). Returns True if the container was created."""
    created = False
    try:
        created = ensure_container(client)
    except HttpResponseError as error:
        if error.status_code != 403:
            raise
        # A SAS scoped to the container cannot create it: whether it exists and may be written is
        # what the probe below tells (ContainerNotFound, AuthorizationPermissionMismatch...).
    list(client.list_blobs(name_starts_with=PROBE_BLOB))
    client.upload_blob(PROBE_BLOB, b"written by the azure-eventhub trigger's self-check", overwrite=True)
    try:
        client.delete_blob(PROBE_BLOB)
    except HttpResponseError:
        pass  # the trigger never deletes blobs: a credential without Delete is fine (peers race here too)
    return created
