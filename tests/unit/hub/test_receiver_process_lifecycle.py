"""Receiver processes as real processes: they die with their parent, but not because the parent is
PID 1 (a container's main.py), and their exit is reported with its code or signal and their last
error output. Bodies and the parent script: tests/process_bodies.py."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from azure_eventhub.hub.receiver_process import PartitionRouter, ReceiverProcess
from tests.process_bodies import report_running, write_then_exit
from tests.stack.paths import REPO_ROOT
from tests.stack.waiting import wait_until

START_SECONDS = 30


def gone(pid: int) -> bool:
    """Exited: no such process, or a zombie waiting for whoever inherited it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def start_parent(*wrapper: str) -> tuple[subprocess.Popen, int, list[str]]:
    """`python -m tests.process_bodies parent`, behind ``wrapper``; returns it, its child's pid and
    the lines it printed until its child said it runs."""
    parent = subprocess.Popen(
        [*wrapper, sys.executable, "-m", "tests.process_bodies", "parent"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines, child = [], None
    deadline = time.monotonic() + START_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(parent.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = parent.stdout.readline()
            if not line:
                break  # the parent exited
            lines.append(line.strip())
            if line.startswith("child "):
                child = int(line.split()[1])
            if "body running" in line:
                return parent, child, lines
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait(10)
    raise AssertionError(f"the child did not run within {START_SECONDS} s; the parent printed {lines}")


def test_a_receiver_process_dies_when_its_parent_is_killed():
    parent, child, _ = start_parent()
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    wait_until(lambda: gone(child), 10, message="the child outlived its parent")


def test_a_receiver_process_whose_parent_is_pid_1_runs():
    # As in a container: the parent is PID 1 of a PID namespace of its own. The child used to take
    # parent pid 1 for "orphaned" and exit with code 1 at once, so nothing was ever collected.
    parent, child, lines = start_parent("unshare", "--pid", "--fork", "--mount-proc")
    try:
        assert any(line.startswith("child ") for line in lines)
        assert "body running" in lines[-1]  # the child went past its parent-death check
        assert not [line for line in lines if "error" in line.lower()], lines
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(10)


def test_the_exit_of_a_receiver_process_is_reported_with_its_code_and_last_error_output():
    lines = [f"line {number}" for number in range(1, 15)] + ["Fatal Python error: from below sys.stderr"]
    process = ReceiverProcess(0, (7, lines), PartitionRouter(None), lambda text, level: None, body=write_then_exit)
    process.start()
    wait_until(lambda: not process.alive, 30, message="the child exits")
    report = process.exit_report()
    assert report.startswith("the receiver process 0 exited with code 7; its last error output: ")
    assert report.endswith("line 6 | line 7 | line 8 | line 9 | line 10 | line 11 | line 12 | line 13 | line 14 | "
                           "Fatal Python error: from below sys.stderr")
    process.join(5)


def test_a_receiver_process_killed_by_a_signal_is_reported_with_the_signal():
    logs: list[tuple[str, str]] = []
    process = ReceiverProcess(0, None, PartitionRouter(None), lambda text, level: logs.append((level, text)),
                              body=report_running)
    process.start()
    wait_until(lambda: logs, 30, message="the child runs")
    os.kill(process.pid, signal.SIGKILL)
    wait_until(lambda: not process.alive, 30, message="the reader sees the child gone")
    assert process.exit_report() == "the receiver process 0 was killed by signal SIGKILL; its last error output: nothing"
    process.join(5)
