"""The trigger's wiring of a collection run: a router and its reader threads are bound to the
pipeline that created them, whatever runs after it (issue 14, path 4). Real trigger, pipelines,
router and pipes; recording fakes for the intake, dead letters and checkpoints."""

import orjson
import pytest
from prometheus_client import CollectorRegistry
from sekoia_automation.module import Module

from azure_eventhub.core.messages import PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from azure_eventhub.hub.partition_router import PartitionRouter
from tests.fakes import FakeCheckpoints, FakeDeadLetters, FakeIntake, LogRecorder, fresh_metrics
from tests.stack.waiting import wait_until
from tests.unit.hub.test_partition_router import batch
from tests.unit.hub.test_receiver_process import connected
from triggers.consume_eventhub import ConsumeEventhubTrigger

REF0 = PartitionRef("ns.example:5671", "hub", "group", "0")


@pytest.fixture
def trigger(platform, monkeypatch):
    monkeypatch.setenv("URL_LOGS", platform.logs_url)
    monkeypatch.setenv("TOKEN", "token")
    trigger = ConsumeEventhubTrigger(module=Module())
    trigger.configuration = {
        "hub_connection_string": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s",
        "hub_name": "hub",
        "storage_connection_string": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;EndpointSuffix=core.windows.net",
        "storage_container_name": "checkpoints",
        "intake_key": "intake-key-for-tests",
        "intake_server": platform.intake_url,
    }
    trigger.registry = CollectorRegistry()
    trigger.metrics = PipelineMetrics("intake-key-for-tests", trigger.registry)
    yield trigger
    trigger._stop_event.set()


class Run:
    """One collection run's pipeline, with the fakes it writes to."""

    def __init__(self) -> None:
        self.intake, self.checkpoints = FakeIntake(), FakeCheckpoints()
        settings = PipelineSettings(chunk_size=10, linger_seconds=0.05, checkpoint_interval=3600)
        self.pipeline = Pipeline(
            settings, self.intake, FakeDeadLetters(), self.checkpoints, fresh_metrics(), LogRecorder()
        )
        self.pipeline.start()

    def numbers(self) -> list[int]:
        return sorted(orjson.loads(record)["n"] for record in self.intake.records())


def router_for(trigger: ConsumeEventhubTrigger, run: Run) -> PartitionRouter:
    """The router _consume builds for the pipeline it has just made."""
    trigger._pipeline = run.pipeline
    return trigger._router(run.pipeline)


class ClosedReceiver:
    def close(self) -> None:
        pass


def receive_errors(trigger) -> float:
    labels = {"intake_key": "intake-key-for-tests"}
    return trigger.registry.get_sample_value("azure_eventhub_receive_errors_total", labels) or 0


def test_late_calls_of_an_old_router_change_nothing_in_the_pipeline_that_replaced_it(trigger):
    """Regression (issue 14, path 4): the router was handed the trigger itself, which passed every
    call on to its pipeline of the moment. After collection restarted (a receiver process died), a
    reader thread of the old run still busy (a checkpoint write can take a minute) closed the new
    pipeline's partition_claim when it went on, and the new claim's batches were dropped."""
    old = Run()
    _, old_child, _, _ = connected(router_for(trigger, old), number=0)
    old_child.partition_opened(REF0)
    wait_until(lambda: len(old.pipeline.partition_claims()) == 1, 3)
    trigger._shutdown(ClosedReceiver(), [])  # this run ends; its reader thread is still busy

    new = Run()
    _, new_child, _, _ = connected(router_for(trigger, new), number=0)  # numbered from 0 again
    new_child.partition_opened(REF0)
    wait_until(lambda: len(new.pipeline.partition_claims()) == 1, 3)
    (partition_claim,) = new.pipeline.partition_claims()
    errors_before = receive_errors(trigger)

    # The old reader thread goes on: a batch, an idle pass, an error, then the partition closes.
    old_child.messages_received(REF0, batch(1, 2), None)
    old_child.receive_idle(REF0, None)
    old_child.receive_error(REF0, ConnectionError("late"))
    old_child.partition_closed(REF0, "lost")  # returns once the parent handled it (the ack)

    assert new.pipeline.partition_claims() == [partition_claim] and partition_claim.alive, "the old run closed the new run's partition_claim"
    new_child.messages_received(REF0, batch(3), None)
    new_child.receive_idle(REF0, None)
    wait_until(lambda: new.numbers() == [3], 5, message=lambda: f"new run forwarded {new.numbers()}")
    new.pipeline.write_final_checkpoints()
    assert new.checkpoints.last().sequence_number == 3
    assert old.numbers() == [] and receive_errors(trigger) == errors_before
    new.pipeline.stop(1)
