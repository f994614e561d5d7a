"""Plain output for when stdout is not a terminal (a file, a pipe, CI): no screen redraws, but one
progress line every few seconds, and each module log entry once, in full, as it arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from demo.layout import elapsed, log_entry

PROGRESS_SECONDS = 5.0


class PlainProgress:
    def __init__(
        self, out: TextIO, period: float = PROGRESS_SECONDS, redact: Callable[[str], str] = lambda text: text
    ) -> None:
        self.out = out
        self.period = period
        self._redact = redact
        self._next = period
        self._logs_seen = 0

    def update(self, seconds: float, line: Callable[[], str], logs: list[dict[str, Any]]) -> None:
        """Print the log entries not printed yet, then `line()` if a period has passed since the last
        one (a late tick prints one line, not one per period missed)."""
        for entry in logs[self._logs_seen :]:
            self.out.write(self._redact(f"module log: {log_entry(entry)}") + "\n")
        self._logs_seen = max(self._logs_seen, len(logs))
        if seconds >= self._next:
            self.out.write(self._redact(line()) + "\n")
            while self._next <= seconds:
                self._next += self.period
        self.out.flush()


def progress_line(seconds: float, parts: list[str]) -> str:
    """`[01:05] delivered 1200 records (199.5/s); ...; 0 errors: ...`: one line, no styling."""
    return f"[{elapsed(seconds)}] " + "; ".join(parts)
