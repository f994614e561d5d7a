"""The smoke delivery with the real Docker image (scripts/build_image.sh runs this file; it is not
collected by the default suite, which has no container engine): the same checks as the image lane
(test_as_deployed.py), with the module in its container on the host network.

The engine and the image come from the script: AZURE_EVENTHUB_ENGINE (docker or podman) and
AZURE_EVENTHUB_IMAGE (the tag it built)."""

from __future__ import annotations

import os

import pytest

from tests.deployed.container import engine_runner
from tests.e2e.faults import SteadyProducer, figures, settled_intake, wait_receiving
from tests.e2e.harness import INTAKE_KEY
from tests.e2e.test_shapes import deliver_every_shape

ENGINE = os.environ.get("AZURE_EVENTHUB_ENGINE", "docker")
IMAGE = os.environ.get("AZURE_EVENTHUB_IMAGE", "azure-eventhub:smoke")
STOP_LIMIT_SECONDS = 10
RESUME_LIMIT_SECONDS = 15


def in_container(stack, tmp_path, **overrides):
    return stack.module(runner=engine_runner(ENGINE, IMAGE, tmp_path / "symphony-data", tmp_path), **overrides)


@pytest.mark.parametrize("processes", [1, 2], ids=["1-receiver-process", "2-receiver-processes"])
def test_in_the_image_every_shape_arrives_and_sigterm_stops_it(stack, tmp_path, processes):
    module = deliver_every_shape(stack, lambda **options: in_container(stack, tmp_path, receiver_processes=processes, **options))
    print("\n" + "\n".join(module.container_processes()))
    assert {chunk["intake_key"] for chunk in stack.platform.chunks()} == {INTAKE_KEY}
    seconds = stack.stop(module, timeout=30)
    assert module.returncode == 0, module.output()[-3000:]
    assert seconds <= STOP_LIMIT_SECONDS, seconds
    print(f"[figures] image, {processes} receiver process(es): stopped {seconds:.1f} s after SIGTERM")


def test_in_the_image_a_killed_container_restarts_and_resumes_every_partition(stack, tmp_path):
    producer = SteadyProducer(stack, partitions=4, per_message=2, interval=0.3)
    producer.send_round()
    module = in_container(stack, tmp_path, name="run-0")
    producer.start()
    wait_receiving(module, stack, 4, timeout=90)
    stack.wait_delivered(producer.sent()[:8], timeout=60)
    module.kill()  # SIGKILL of the container's PID 1
    module.wait(30)
    settled_intake(stack)
    restarted = in_container(stack, tmp_path, name="run-1")  # the same data volume
    resume = wait_receiving(restarted, stack, 4, timeout=90)
    sent = producer.stop()
    stack.wait_delivered(sent, timeout=90)
    report = figures(stack, sent, resume_all_4_seconds=resume)
    assert report["lost"] == 0
    assert resume <= RESUME_LIMIT_SECONDS, resume
    stack.stop(restarted, timeout=30)
