"""PID 1 duties (triggers/pid1.py), with real processes in a PID namespace of their own, as the
platform runs main.py: the init reaps orphans, forwards SIGTERM, and exits as the module did."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.deployed.lane import host_parents, process_info
from tests.stack.paths import REPO_ROOT
from tests.stack.waiting import wait_until
from triggers.pid1 import exit_code


def start_behind_init() -> tuple[subprocess.Popen, dict[str, int]]:
    """`python -m tests.process_bodies init` as PID 1 of a new PID namespace; returns `unshare` and
    the host pids (init, module) once the module said it made its orphan."""
    process = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "tests.process_bodies", "init"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    said = {}
    for line in process.stdout:
        name, _, number = line.partition(" ")
        said[name] = int(number)
        if name == "module":
            break
    parents = host_parents()
    init = next(pid for pid, parent in parents.items() if parent == process.pid)
    module = next(pid for pid, parent in parents.items() if parent == init)
    return process, {"init": init, "module": module}


def namespace_of(pid: int) -> list:
    namespace = os.readlink(f"/proc/{pid}/ns/pid")
    found = []
    for each in host_parents():
        try:
            if os.readlink(f"/proc/{each}/ns/pid") == namespace:
                found.append(process_info(each))
        except OSError:
            continue
    return found


def test_the_init_reaps_orphans_and_forwards_sigterm_to_the_module():
    process, pids = start_behind_init()
    try:
        # The orphan exits 0.5 s after its parent: handed to PID 1, it must not stay a zombie.
        wait_until(lambda: len(namespace_of(pids["init"])) == 2, 10, message=lambda: namespace_of(pids["init"]))
        assert not [info for info in namespace_of(pids["init"]) if info.state == "Z"]
        os.kill(pids["init"], signal.SIGTERM)  # from outside the namespace, as the kubelet sends it
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_the_init_exits_with_the_status_of_a_module_killed_by_a_signal():
    process, pids = start_behind_init()
    try:
        os.kill(pids["module"], signal.SIGKILL)
        assert process.wait(10) == 128 + signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_exit_codes_follow_the_shell_convention():
    assert exit_code(0) == 0
    assert exit_code(3 << 8) == 3
    assert exit_code(signal.SIGTERM) == 143
