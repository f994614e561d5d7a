"""The module as its Docker image runs it (tests/deployed/lane.py): the runtime lock alone, the image's
read-only file set, the non-root user `sekoiaio-runtime`, configuration files under /symphony with
secrets as placeholders, and `python ./main.py consume_eventhub_messages` as PID 1 of its own PID
namespace. Signals come from outside the namespace, as the kubelet sends them; the process tree is
read from the host."""

from __future__ import annotations

import json
import os
import signal

import pytest

from tests.deployed.lane import RUNTIME_USER, DeployedModule, command_line
from tests.e2e.faults import SteadyProducer, figures, settled_intake, wait_receiving
from tests.e2e.harness import INTAKE_KEY, SECRET_FIELDS
from tests.e2e.test_shapes import deliver_every_shape
from tests.stack.module_process import PLACEHOLDER
from tests.stack.waiting import wait_until

STOP_LIMIT_SECONDS = 10  # Kubernetes' grace period is longer; the trigger promises 10 s
RESUME_LIMIT_SECONDS = 15


def deployed(stack, image_lane, tmp_path, **overrides) -> DeployedModule:
    volume = tmp_path / "symphony-data"
    if not volume.exists():
        image_lane.data_volume(volume)
    runner = image_lane.runner(volume, tmp_path)
    return stack.module(runner=runner, **overrides)


def receivers(module: DeployedModule) -> list:
    """The receiver processes in the module's namespace (spawned by multiprocessing)."""
    return [info for info in module.namespace_processes() if "multiprocessing.spawn" in " ".join(info.command)]


def zombies(module: DeployedModule) -> list:
    return [info for info in module.namespace_processes() if info.state == "Z"]


def assert_runs_as_the_image_does(module: DeployedModule, image_lane) -> None:
    init = module.wait_for_init()
    tree = module.namespace_processes()
    by_pid = {info.pid: info for info in tree}
    assert by_pid[init].command[-2:] == ["./main.py", "consume_eventhub_messages"]
    assert by_pid[init].command[0].startswith(str(image_lane.venv))
    assert {info.uid for info in tree} == {image_lane.user.pw_uid}, f"every process runs as {RUNTIME_USER}"
    configuration = json.loads((module.configuration_folder / "trigger_configuration").read_text())
    assert {name: configuration[name] for name in SECRET_FIELDS if name in configuration} == {
        "hub_connection_string": PLACEHOLDER,
        "storage_connection_string": PLACEHOLDER,
        "intake_key": PLACEHOLDER,
    }


def stop_cleanly(stack, module: DeployedModule) -> float:
    """SIGTERM to PID 1: exits in time with code 0, leaving no process of its namespace behind."""
    namespace = module.namespace_processes()
    assert not zombies(module), zombies(module)
    seconds = stack.stop(module, timeout=30)
    assert module.returncode == 0, module.output()[-3000:]
    assert seconds <= STOP_LIMIT_SECONDS, seconds
    left = [info.pid for info in namespace if command_line(info.pid)]
    assert not left, f"processes of the namespace still there after PID 1 exited: {left}"
    return seconds


@pytest.mark.parametrize("processes", [1, 2], ids=["1-receiver-process", "2-receiver-processes"])
def test_as_deployed_every_shape_arrives_and_sigterm_stops_it_cleanly(stack, image_lane, tmp_path, processes):
    module = deliver_every_shape(
        stack, lambda **options: deployed(stack, image_lane, tmp_path, receiver_processes=processes, **options)
    )
    assert_runs_as_the_image_does(module, image_lane)
    assert len(receivers(module)) == processes
    assert {chunk["intake_key"] for chunk in stack.platform.chunks()} == {INTAKE_KEY}
    seconds = stop_cleanly(stack, module)
    print(f"\n[figures] as deployed, {processes} receiver process(es): stopped {seconds:.1f} s after SIGTERM")


def test_as_deployed_sigkill_of_pid1_then_restart_resumes_every_partition(stack, image_lane, tmp_path):
    producer = SteadyProducer(stack, partitions=4, per_message=2, interval=0.3)
    producer.send_round()
    module = deployed(stack, image_lane, tmp_path, name="run-0")
    producer.start()
    wait_receiving(module, stack, 4, timeout=60)
    stack.wait_delivered(producer.sent()[:8], timeout=60)

    namespace = module.namespace_processes()
    module.signal_init(signal.SIGKILL)  # from outside the namespace: the kernel ends all of it
    module.wait(10)
    settled_intake(stack)
    assert not [info.pid for info in namespace if command_line(info.pid)], "orphans outlived PID 1"

    restarted = deployed(stack, image_lane, tmp_path, name="run-1")  # same data volume, as a pod restart
    resume = wait_receiving(restarted, stack, 4, timeout=60)
    sent = producer.stop()
    stack.wait_delivered(sent, timeout=90)
    report = figures(stack, sent, resume_all_4_seconds=resume)
    assert report["lost"] == 0
    assert resume <= RESUME_LIMIT_SECONDS, resume
    stop_cleanly(stack, restarted)


def test_as_deployed_a_killed_receiver_process_is_reaped_and_receiving_resumes(stack, image_lane, tmp_path):
    first = stack.spread_records(8, partitions=4)
    module = deployed(stack, image_lane, tmp_path)
    stack.wait_delivered(first, timeout=60)
    killed = receivers(module)[0]
    module_output_before = len(module.output())

    os.kill(killed.pid, signal.SIGKILL)
    wait_until(
        lambda: receivers(module) and all(info.pid != killed.pid for info in receivers(module)),
        60,
        message="a new receiver process replaces the killed one",
    )
    wait_until(lambda: not zombies(module), 10, message=lambda: f"zombies: {zombies(module)}")
    assert "SIGKILL" in module.output()[module_output_before:], module.output()[module_output_before:]
    second = stack.spread_records(8, partitions=4)
    stack.wait_delivered(first + second, timeout=90)
    stop_cleanly(stack, module)
