"""The blob storage adapter against Azurite."""

import uuid

import orjson
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore

from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.storage import BlobCheckpoints, BlobDeadLetters, container_client, ensure_container
from azure_eventhub.delivery.tracking import Position


def test_the_container_is_created_once_and_already_exists_is_fine(azurite):
    client = container_client(azurite.connection_string, f"storage-{uuid.uuid4().hex[:10]}")
    assert ensure_container(client) is True
    assert ensure_container(client) is False


def test_dead_letters_are_json_blobs_overwritten_on_retry(azurite):
    client = container_client(azurite.connection_string, f"storage-{uuid.uuid4().hex[:10]}")
    ensure_container(client)
    letters = BlobDeadLetters(client)
    letters.write("dead-letters/a/b.json", b'{"try": 1}')
    letters.write("dead-letters/a/b.json", b'{"try": 2}')
    assert orjson.loads(client.download_blob("dead-letters/a/b.json").readall()) == {"try": 2}


def test_checkpoints_are_written_where_the_sdk_reads_them(azurite):
    name = f"storage-{uuid.uuid4().hex[:10]}"
    client = container_client(azurite.connection_string, name)
    ensure_container(client)
    store = BlobCheckpointStore(client.url, name, container_client=client)
    ref = PartitionRef("localhost:5680", "hub", "$Default", "3")
    BlobCheckpoints(store).write(ref, Position("1024", 12))
    (checkpoint,) = BlobCheckpointStore.from_connection_string(azurite.connection_string, name).list_checkpoints(
        "localhost:5680", "hub", "$Default"
    )
    assert (checkpoint["partition_id"], checkpoint["offset"], checkpoint["sequence_number"]) == ("3", "1024", 12)
