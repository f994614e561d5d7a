"""Intake answers that are not the intake's: a 2xx whose body is not its JSON answer is an intake
error, retried, and never stalls a partition (issue 14, path 3)."""

from __future__ import annotations

import pytest

from tests.e2e.faults import CheckpointWatcher, SteadyProducer, figures, matching
from tests.stack.waiting import wait_until


@pytest.mark.parametrize("body", ["[]", '"ok"'], ids=["json-array", "json-string"])
def test_a_2xx_that_is_not_the_intakes_answer_is_retried_and_the_checkpoint_moves_on(stack, body):
    platform = stack.platform
    platform.set_fault("status", code=200, body=body, raw=True, count=2)
    producer = SteadyProducer(stack, partitions=2, per_message=2)
    sent = producer.send_round(messages=3)
    watcher = CheckpointWatcher(stack, producer).start()
    module = stack.module(chunk_size=3)

    stack.wait_delivered(sent, timeout=60)
    wait_until(
        lambda: stack.checkpoints() == {"0": 2, "1": 2}, 30, message=lambda: f"checkpoints {stack.checkpoints()}"
    )
    watcher.stop()
    metrics = module.metrics()
    stack.stop(module)

    answered = [chunk for chunk in platform.chunks() if chunk["outcome"] == "fault"]
    assert len(answered) == 2 and all(chunk["status"] == 200 for chunk in answered)
    assert matching(stack.log_messages(), "Intake error, the chunk is retried", "not the intake's answer")
    # Retried as an intake error, not as a bug: no partition had to be read again.
    assert "azure_eventhub_pipeline_failures_total{" not in metrics
    report = figures(stack, sent, bad_answers=len(answered))
    assert report["lost"] == 0
