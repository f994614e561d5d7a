"""Bodies for real receiver processes in tests (ReceiverProcess(body=...)), and a parent that starts
one: spawned processes import these by name, so they live in a module of their own.

`python -m tests.process_bodies init` runs main.py's PID 1 duties in front of a stand-in module.
`python -m tests.process_bodies parent` starts a ReceiverProcess whose body tells the parent it runs
(a "log" call over the protocol), prints each log line and the child's pid, then waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time


# A body gets what run_receiver gets: (settings, connection, owner_directory, owner_scope); tests
# pass their parameters as the "settings".


def report_running(_settings, connection, *_ignored) -> None:
    """Past the process duties: says so over the protocol, then waits to be killed."""
    connection.send(("log", f"body running in {os.getpid()}", "info"))
    while True:
        time.sleep(1)


def write_then_exit(settings: tuple[int, list[str]], *_ignored) -> None:
    code, lines = settings
    for line in lines[:-1]:
        print(line, file=sys.stderr, flush=True)
    os.write(2, lines[-1].encode() + b"\n")  # below Python's own stream, as a C library would
    os._exit(code)


def _parent() -> None:
    from azure_eventhub.hub.receiver_process import PartitionRouter, ReceiverProcess

    def log(text: str, level: str) -> None:
        print(f"{level}: {text}", flush=True)

    process = ReceiverProcess(0, None, PartitionRouter(None), log, body=report_running)
    process.start()
    print(f"child {process.pid}", flush=True)
    while True:
        time.sleep(1)


def _module_behind_init() -> None:
    """What main.py does, with a stand-in module: as PID 1, become the init (triggers/pid1.py); the
    module makes an orphan (a grandchild whose parent exits first: it is handed to PID 1), says so,
    and exits 0 on SIGTERM."""
    import signal

    from triggers.pid1 import serve_as_init_if_pid1

    serve_as_init_if_pid1()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    middle = os.fork()
    if middle == 0:
        orphan = os.fork()
        if orphan == 0:
            time.sleep(0.5)  # outlives its parent, then exits: a zombie unless PID 1 reaps it
            os._exit(0)
        print(f"orphan {orphan}", flush=True)
        os._exit(0)
    os.waitpid(middle, 0)
    print(f"module {os.getpid()}", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__" and sys.argv[1:] == ["parent"]:
    _parent()
elif __name__ == "__main__" and sys.argv[1:] == ["init"]:
    _module_behind_init()
