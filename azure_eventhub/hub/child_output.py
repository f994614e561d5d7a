"""A child process's error output (file descriptor 2), seen by its parent.

Why: when a receiver process dies, what it last wrote (a traceback, a library's warning) is what
tells the user why; the parent's report of the exit quotes it. The child points its descriptor 2 at
a pipe as its first step; the parent copies everything that arrives to its own descriptor 2 (so the
container log still shows it, in order) and keeps the last TAIL_BYTES for the report.
"""

from __future__ import annotations

import os
import threading

TAIL_BYTES = 8192
TAIL_LINES = 10
LINE_CHARACTERS = 400


class ErrorOutput:
    """The parent's end: a thread copies the pipe to our descriptor 2 until the child closes it."""

    def __init__(self, pipe_end, copy_to: int = 2) -> None:
        """``pipe_end``: the reading end of a multiprocessing Pipe (taken over: its descriptor is
        duplicated and the object closed, so that only this class closes what it reads)."""
        self._read = os.dup(pipe_end.fileno())
        pipe_end.close()
        self._copy_to = copy_to
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._copy, name="receiver-error-output", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        try:
            while data := os.read(self._read, 65536):
                with self._lock:
                    self._tail += data
                    del self._tail[:-TAIL_BYTES]
                _write_all(self._copy_to, data)
        except OSError:
            pass
        finally:
            os.close(self._read)

    def last_lines(self, wait_seconds: float = 1.0) -> list[str]:
        """The child's last lines (at most TAIL_LINES, each cut to LINE_CHARACTERS), once the pipe
        closed or after ``wait_seconds``."""
        self._thread.join(wait_seconds)
        with self._lock:
            text = self._tail.decode("utf-8", errors="replace")
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        return [line[:LINE_CHARACTERS] for line in lines[-TAIL_LINES:]]


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def redirect_error_output(pipe_end) -> None:
    """The child's end, its first step: descriptor 2 becomes the pipe (Python's sys.stderr, C
    libraries and the interpreter's own last words all write there). ``pipe_end`` is the writing end
    of a multiprocessing Pipe: closed here, so that only descriptor 2 holds the pipe."""
    os.dup2(pipe_end.fileno(), 2)
    pipe_end.close()
