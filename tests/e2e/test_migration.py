"""Moving from Sekoia's current Event Hubs trigger (Azure module, "Consume Azure EventHub messages"):
the same argument names, and the same consumer group and container resume from its checkpoints.

That trigger reads with the aio client (azure.eventhub.aio) and checkpoints through the aio blob
checkpoint store (azure-eventhub-checkpointstoreblob-aio), calling ``update_checkpoint()`` after
each forwarded batch. That package is not in our locks (we use the sync store), so the checkpoints
are written here as its ``update_checkpoint`` writes them, with the aio blob client: an empty blob
``<fully qualified namespace>/<hub>/<consumer group>/checkpoint/<partition>`` (all lower case) whose
metadata holds ``offset`` and ``sequencenumber``; the offsets and sequence numbers are those of the
events the aio consumer client really received, and the namespace is the one its context reports.
"""

from __future__ import annotations

import asyncio

from azure.eventhub.aio import EventHubConsumerClient
from azure.storage.blob.aio import ContainerClient

from tests.e2e.harness import INTAKE_KEY, new_record

READ_BY_THE_OLD_TRIGGER = 6  # per partition, of 10


async def old_trigger_reads_and_checkpoints(stack, per_partition: int) -> dict[str, int]:
    """Receive ``per_partition`` events of each partition with the aio client, then checkpoint the last
    of them as the aio checkpoint store does. Returns partition -> checkpointed sequence number."""
    client = EventHubConsumerClient.from_connection_string(
        stack.emulator.connection_string(policy="listen-policy"), stack.consumer_group, eventhub_name=stack.hub
    )
    received: dict[str, list] = {}
    namespace: list[str] = []
    enough = asyncio.Event()

    async def on_event_batch(context, events):
        namespace[:] = [context.fully_qualified_namespace]
        received.setdefault(context.partition_id, []).extend(events)
        if len(received) == 4 and all(len(events) >= per_partition for events in received.values()):
            enough.set()

    async with client:
        task = asyncio.create_task(client.receive_batch(on_event_batch, starting_position="-1", max_wait_time=1))
        await asyncio.wait_for(enough.wait(), 60)
        task.cancel()

    checkpoints = {}
    async with ContainerClient.from_connection_string(stack.azurite.connection_string, stack.container) as container:
        await container.create_container()
        for partition_id, events in received.items():
            last = events[per_partition - 1]
            name = f"{namespace[0]}/{stack.hub}/{stack.consumer_group}/checkpoint/{partition_id}".lower()
            metadata = {"offset": str(last.offset), "sequencenumber": str(last.sequence_number)}
            await container.upload_blob(name, b"", overwrite=True, metadata=metadata)
            checkpoints[partition_id] = last.sequence_number
    return checkpoints


def test_the_same_consumer_group_and_container_resume_from_the_old_triggers_checkpoints(stack):
    ids = {partition: stack.send_records([new_record() for _ in range(10)], str(partition)) for partition in range(4)}
    checkpoints = asyncio.run(old_trigger_reads_and_checkpoints(stack, READ_BY_THE_OLD_TRIGGER))
    assert checkpoints == {str(partition): READ_BY_THE_OLD_TRIGGER - 1 for partition in range(4)}
    assert stack.checkpoints() == checkpoints  # where the sync store, hence our module, reads them

    # The old trigger's configuration, as its form saved it: the same argument names, nothing else.
    old_form = {
        "hub_connection_string": stack.emulator.connection_string(policy="listen-policy"),
        "hub_name": stack.hub,
        "hub_consumer_group": stack.consumer_group,
        "storage_connection_string": stack.azurite.connection_string,
        "storage_container_name": stack.container,
        "intake_key": INTAKE_KEY,
        "intake_server": stack.platform.intake_url,
    }
    module = stack.module(**old_form, chunk_size=None)  # None: left out of the configuration
    not_yet_read = [record for records in ids.values() for record in records[READ_BY_THE_OLD_TRIGGER:]]
    stack.wait_delivered(not_yet_read)
    stack.stop(module)
    already_read = [record for records in ids.values() for record in records[:READ_BY_THE_OLD_TRIGGER]]
    assert sorted(stack.delivered_ids()) == sorted(not_yet_read)  # nothing read twice, nothing skipped
    assert stack.checkpoints() == {str(partition): 9 for partition in range(4)}
    print(f"\n[figures] migration: {len(already_read)} records left to the old trigger, {len(not_yet_read)} resumed")
