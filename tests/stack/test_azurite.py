"""Azurite as the checkpoint store's backend: blobs, the Event Hubs checkpoint store,
and restarts that keep the data."""

import uuid
from pathlib import Path

import pytest
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.storage.blob import BlobServiceClient

from tests.stack.azurite import ACCOUNT_KEY, AZURITE_BIN, Azurite, ensure_installed
from tests.stack.ports import port_answers

NAMESPACE = "ns.servicebus.windows.net"


def _container(azurite: Azurite) -> str:
    name = f"c-{uuid.uuid4().hex[:12]}"
    BlobServiceClient.from_connection_string(azurite.connection_string).create_container(name)
    return name


def test_ensure_installed_finds_the_binary():
    assert ensure_installed() == AZURITE_BIN


def test_connection_string_names_the_endpoint(azurite):
    parts = dict(p.split("=", 1) for p in azurite.connection_string.rstrip(";").split(";"))
    assert parts == {
        "DefaultEndpointsProtocol": "http",
        "AccountName": "devstoreaccount1",
        "AccountKey": ACCOUNT_KEY,
        "BlobEndpoint": f"http://127.0.0.1:{azurite.port}/devstoreaccount1",
    }


def test_blob_round_trip(azurite):
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    container = service.get_container_client(_container(azurite))
    container.upload_blob("hello.txt", b"hello azurite")
    assert container.download_blob("hello.txt").readall() == b"hello azurite"
    assert [b.name for b in container.list_blobs()] == ["hello.txt"]


def test_checkpoint_store_updates_and_lists_checkpoints(azurite):
    container = _container(azurite)
    store = BlobCheckpointStore.from_connection_string(azurite.connection_string, container_name=container)
    for partition, offset, sequence in (("0", "100", 10), ("1", "200", 20), ("0", "150", 15)):
        store.update_checkpoint(
            {
                "fully_qualified_namespace": NAMESPACE,
                "eventhub_name": "hub",
                "consumer_group": "sekoiaio",
                "partition_id": partition,
                "offset": offset,
                "sequence_number": sequence,
            }
        )
    checkpoints = {
        c["partition_id"]: (c["offset"], c["sequence_number"])
        for c in store.list_checkpoints(NAMESPACE, "hub", "sekoiaio")
    }
    assert checkpoints == {"0": ("150", 15), "1": ("200", 20)}


def test_checkpoint_store_claims_ownership(azurite):
    store = BlobCheckpointStore.from_connection_string(azurite.connection_string, container_name=_container(azurite))
    claimed = store.claim_ownership(
        [
            {
                "fully_qualified_namespace": NAMESPACE,
                "eventhub_name": "hub",
                "consumer_group": "sekoiaio",
                "partition_id": "0",
                "owner_id": "owner-a",
            }
        ]
    )
    assert [o["owner_id"] for o in claimed] == ["owner-a"]
    assert claimed[0]["etag"]
    listed = store.list_ownership(NAMESPACE, "hub", "sekoiaio")
    assert [(o["partition_id"], o["owner_id"]) for o in listed] == [("0", "owner-a")]


@pytest.fixture
def own_azurite(tmp_path: Path):
    service = Azurite(tmp_path / "data", log_path=tmp_path / "azurite.log", access_log=False)
    yield service
    service.kill()


def test_restart_keeps_blobs_and_port(own_azurite):
    own_azurite.start()
    port = own_azurite.port
    container = _container(own_azurite)
    client = BlobServiceClient.from_connection_string(own_azurite.connection_string)
    client.get_blob_client(container, "kept.txt").upload_blob(b"still here")

    own_azurite.restart()

    assert own_azurite.port == port
    blob = BlobServiceClient.from_connection_string(own_azurite.connection_string)
    assert blob.get_blob_client(container, "kept.txt").download_blob().readall() == b"still here"


def test_stop_closes_the_port_and_start_reopens_it(own_azurite):
    own_azurite.start()
    port = own_azurite.port
    own_azurite.stop()
    assert not own_azurite.running
    assert not port_answers(port)
    own_azurite.start()
    assert port_answers(port)


def test_kill_then_start_serves_again(own_azurite):
    own_azurite.start()
    _container(own_azurite)
    own_azurite.kill()
    assert not own_azurite.running
    own_azurite.start()
    # Serving again is the promise. What a SIGKILL keeps is Azurite's business: it
    # saves its metadata every few seconds, so very recent writes are lost.
    service = BlobServiceClient.from_connection_string(own_azurite.connection_string)
    fresh = _container(own_azurite)
    service.get_blob_client(fresh, "after-kill.txt").upload_blob(b"ok")
    assert service.get_blob_client(fresh, "after-kill.txt").download_blob().readall() == b"ok"


def test_explicit_port_is_used(tmp_path: Path):
    from tests.stack.ports import free_port

    port = free_port()
    with Azurite(tmp_path / "data", port=port, access_log=False) as service:
        assert service.port == port
        assert port_answers(port)
    assert not port_answers(port)
