"""PID 1 duties, for when the platform runs `python ./main.py` as PID 1 of its container.

The image's exec-form ENTRYPOINT starts no init: main.py is PID 1 of its PID namespace. The kernel
gives PID 1 no default signal action (a SIGTERM without a handler is ignored), and every orphan of
the namespace becomes its child, a zombie until PID 1 waits for it. Python and multiprocessing wait
only for the children they started, so as PID 1 this process forks: the child runs the module as
usual (its own signal handlers, its receiver processes), and this process stays as a small init that
 - forwards the signals a container runtime or a terminal sends (FORWARDED) to the module,
 - reaps every process that exits in the namespace (orphans included),
 - exits with the module's exit status once the module has exited (128 + signal number if a signal
   ended it), after reaping what the module's exit left (its receiver processes die with it).
SIGKILL of PID 1 needs no help: the kernel then ends every process of the namespace.
Outside a PID namespace of its own (an init in front, or a developer's shell) none of this applies.
"""

from __future__ import annotations

import os
import signal
import time
from typing import NoReturn

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
REAP_AFTER_EXIT_SECONDS = 2.0


def serve_as_init_if_pid1() -> None:
    """Returns in the process that must run the module; as PID 1, becomes the init and never returns."""
    if os.getpid() != 1:
        return
    module = os.fork()
    if module == 0:
        return
    run_init(module)


def run_init(module: int) -> NoReturn:
    """The init's loop: forward signals to ``module``, reap every child, exit as the module did."""

    def forward(number: int, _frame) -> None:
        try:
            os.kill(module, number)
        except ProcessLookupError:
            pass  # the module has exited: the loop below is about to see it

    for number in FORWARDED:
        signal.signal(number, forward)
    status = 0
    while True:
        try:
            pid, status = os.wait()  # a forwarded signal interrupts it, then it waits again
        except ChildProcessError:
            break  # cannot happen while the module is our child: a safety net
        if pid == module:
            break
    reap_until(time.monotonic() + REAP_AFTER_EXIT_SECONDS)
    os._exit(exit_code(status))


def reap_until(deadline: float) -> None:
    """Wait for the children left (the module's own, handed to us when it exited) until none is left
    or the deadline; whatever still runs then ends with us (the kernel kills the namespace)."""
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def exit_code(status: int) -> int:
    """A shell's convention: the exit code, or 128 + the number of the signal that ended the process."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code
