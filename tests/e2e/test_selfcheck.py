"""The start-up self-check on the local stack: each failure produced for real, its message checked as
the user reads it (the playbook log, through the logs URL); fatal ones keep the module waiting,
healthy, and it recovers by itself once the problem is fixed in Azure."""

from __future__ import annotations

import pytest

import threading
from datetime import UTC, datetime, timedelta

from azure.eventhub import EventHubConsumerClient
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.storage.blob import ContainerClient, ContainerSasPermissions, generate_container_sas

from tests.e2e.harness import new_record
from tests.stack.azurite import ACCOUNT_KEY, ACCOUNT_NAME
from tests.stack.waiting import wait_until

WRONG_KEY = "d3Jvbmcta2V5LW9mLTMyLWJ5dGVzLWxvbmctZm9yLXQ="


def logged(stack, *texts: str, timeout: float = 30) -> str:
    """The playbook log once it holds every one of ``texts``."""

    def lines() -> str:
        joined = "\n".join(stack.log_messages())
        return joined if all(text in joined for text in texts) else ""

    return wait_until(lines, timeout, message=lambda: f"not all of {texts} logged: {stack.log_messages()[-8:]}")


def sas_connection_string(stack, **permissions: bool) -> str:
    """A connection string holding a SAS for the test's container only (it cannot create it)."""
    signature = generate_container_sas(
        ACCOUNT_NAME,
        stack.container,
        account_key=ACCOUNT_KEY,
        permission=ContainerSasPermissions(**permissions),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"BlobEndpoint={stack.azurite.blob_endpoint};SharedAccessSignature={signature}"


def with_key(stack, policy: str, key: str) -> str:
    return (
        f"Endpoint=sb://localhost:{stack.emulator.port};SharedAccessKeyName={policy};SharedAccessKey={key};"
        "UseDevelopmentEmulator=true"
    )


def test_wrong_keys_and_an_unreachable_intake_are_reported_and_the_module_waits_healthy(stack):
    wrong_storage = stack.azurite.connection_string.replace(ACCOUNT_KEY, WRONG_KEY)
    stack.extra_secrets.append(WRONG_KEY)
    module = stack.module(
        hub_connection_string=with_key(stack, "listen-policy", WRONG_KEY),
        storage_connection_string=wrong_storage,
        intake_server="http://127.0.0.1:9",
    )
    logged(
        stack,
        f"Self-check: Hub Connection String: the namespace localhost:{stack.emulator.port} refused the key "
        "(HTTP 401 InvalidSignature)",
        "Fix: paste the current Connection string–primary key of a policy with Listen",
        "Self-check: Storage Connection String: the storage account "
        f"{stack.azurite.blob_endpoint} refused the key or signature (403 AuthenticationFailed)",
        "Self-check: Intake Server: the intake server http://127.0.0.1:9 cannot be reached (ConnectionError)",
        "Self-check failed: nothing is collected until it passes; checking again in 10 s",
    )
    assert module.health()[0] == 200  # waiting for a fix is not being stuck
    assert module.running


def test_a_policy_without_listen_and_a_read_only_signature_are_reported(stack):
    stack.container_client().create_container()
    stack.module(
        hub_connection_string=stack.emulator.connection_string(policy="send-policy"),
        storage_connection_string=sas_connection_string(stack, read=True, list=True),
    )
    logged(
        stack,
        f"Self-check: Hub Connection String: the policy of this connection string may not read hub {stack.hub}: "
        "it lacks the Listen right. Fix: paste the connection string of a policy with Listen",
        f"Self-check: Storage Connection String: these credentials may not list and write blobs in the container "
        f"{stack.container} (authorizationpermissionmismatch)",
    )


def test_a_missing_hub_consumer_group_or_storage_account_is_reported(stack):
    unreachable = stack.azurite.connection_string.replace(str(stack.azurite.port), "9")
    first = stack.module(hub_name="no-such-hub", storage_connection_string=unreachable)
    logged(
        stack,
        f"Self-check: Hub Name: the namespace localhost:{stack.emulator.port} has no event hub named no-such-hub. "
        "Fix: enter the name of an existing hub",
        "Self-check: Storage Connection String: cannot connect to the storage account http://127.0.0.1:9/",
    )
    stack.stop(first)
    stack.module(name="second", hub_consumer_group="no-such-group")
    logged(
        stack,
        f"Self-check: Hub Consumer Group: the consumer group no-such-group does not exist in hub {stack.hub}. "
        "Fix: create it (Event Hubs namespace > Event Hubs > your hub > Consumer groups)",
    )


def test_the_module_recovers_by_itself_once_the_container_is_created_in_azure(stack):
    ids = stack.send_records([new_record() for _ in range(5)])
    module = stack.module(
        storage_connection_string=sas_connection_string(stack, read=True, write=True, list=True, add=True, create=True)
    )
    logged(
        stack,
        f"Self-check: Storage Container Name: the container {stack.container} does not exist and these credentials "
        "may not create it. Fix: create the container",
    )
    assert not stack.delivered()
    stack.container_client().create_container()  # what the operator does in the Azure portal
    stack.wait_delivered(ids, timeout=60)
    assert "Self-check: passed: container" in logged(stack, "Self-check: passed: container")
    assert module.running


def test_records_lost_to_retention_while_stopped_are_reported_with_numbers(stack):
    first = stack.send_records([new_record() for _ in range(10)])  # sequence numbers 0-9
    module = stack.module()
    stack.wait_delivered(first)
    wait_until(lambda: stack.checkpoints().get("0") == 9, 30)
    stack.stop(module)
    later = stack.send_records([new_record() for _ in range(10)])  # 10-19
    stack.emulator.truncate(stack.hub, "0", before_sequence_number=15)  # retention deletes 10-14
    stack.module(name="restarted")
    logged(
        stack,
        f"Self-check: partition 0 of hub {stack.hub}: its checkpoint (sequence number 9) is older than the oldest "
        "event the hub still retains (sequence number 15): 5 events were deleted by the hub's retention before "
        "this consumer group read them.",
    )
    stack.wait_delivered(later[5:])
    report = stack.loss_report(first + later)
    assert report["lost"] == 5 and report["duplicated"] == 0


@pytest.mark.slow  # waits on production timings (load balancing, partition refresh): about a minute
def test_another_application_reading_with_the_same_consumer_group_is_reported(stack):
    module = stack.module()
    module.wait_for_output("now owning 4)", 60)
    # Another application: the same consumer group, checkpoints and ownership in a container of its own.
    other_container = f"{stack.container}-other"
    ContainerClient.from_connection_string(stack.azurite.connection_string, other_container).create_container()
    other = EventHubConsumerClient.from_connection_string(
        stack.emulator.connection_string(policy="listen-policy"),
        stack.consumer_group,
        eventhub_name=stack.hub,
        checkpoint_store=BlobCheckpointStore.from_connection_string(stack.azurite.connection_string, other_container),
        load_balancing_interval=2,
    )
    receiving = threading.Thread(target=other.receive, kwargs={"on_event": lambda *_: None}, daemon=True)
    receiving.start()
    try:
        logged(
            stack,
            "Event Hubs: Hub Consumer Group: partitions keep being taken away (losses in the last 10 minutes, per "
            "partition:",
            f"another application may be reading with the same consumer group {stack.consumer_group}",
            timeout=120,
        )
    finally:
        other.close()
        receiving.join(10)
