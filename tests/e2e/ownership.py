"""Partition ownership as the replicas see it: the ownership blobs of the stack's container."""

from __future__ import annotations

from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore


def owners(stack) -> dict[str, str]:
    """partition id -> owner id ("" once released at a graceful stop)."""
    store = BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, stack.container)
    namespace = f"localhost:{stack.emulator.port}"
    return {
        ownership["partition_id"]: ownership["owner_id"] or ""
        for ownership in store.list_ownership(namespace, stack.hub, stack.consumer_group)
    }
