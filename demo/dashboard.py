"""The terminal view: one frame of text lines, redrawn in place about once a second.

Plain ANSI (cursor home, erase line, erase below), no curses. When the output is not a terminal
(a pipe, CI, a test) frames are printed one after another, without escape codes.
"""

from __future__ import annotations

import re
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any, TextIO

HOME, ERASE_LINE, ERASE_BELOW = "\x1b[H", "\x1b[K", "\x1b[J"
CLEAR, HIDE_CURSOR, SHOW_CURSOR = "\x1b[2J", "\x1b[?25l", "\x1b[?25h"
BOLD, RESET = "\x1b[1m", "\x1b[0m"
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Screen:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.tty = out.isatty()
        self._started = False

    def width(self) -> int:
        return shutil.get_terminal_size((120, 40)).columns if self.tty else 160

    def draw(self, lines: list[str]) -> None:
        width = self.width()
        if not self.tty:
            self.out.write("\n".join(clip(line, width) for line in lines) + "\n\n")
        else:
            if not self._started:
                self.out.write(CLEAR + HIDE_CURSOR)
                self._started = True
            height = shutil.get_terminal_size((120, 40)).lines - 1
            shown = [clip(line, width) for line in lines[:height]]
            self.out.write(HOME + "".join(line + ERASE_LINE + "\n" for line in shown) + ERASE_BELOW)
        self.out.flush()

    def close(self) -> None:
        if self.tty and self._started:
            self.out.write(RESET + SHOW_CURSOR)
            self.out.flush()

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.tty else text


def clip(line: str, width: int) -> str:
    """The line cut to `width` visible characters (a cut line loses its styling)."""
    plain = _ESCAPE.sub("", line)
    return line if len(plain) <= width else plain[: width - 1] + "…"


class RateMeter:
    """Per-second rate of a growing total, over a sliding window of a few seconds."""

    def __init__(self, window_seconds: float = 3.0) -> None:
        self.window = window_seconds
        self._points: deque[tuple[float, float]] = deque()

    def add(self, total: float, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        self._points.append((now, total))
        while len(self._points) > 2 and now - self._points[1][0] >= self.window:
            self._points.popleft()
        first_time, first_total = self._points[0]
        return (total - first_total) / (now - first_time) if now > first_time else 0.0


def elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"


def log_lines(logs: list[dict[str, Any]], count: int) -> list[str]:
    """The last `count` lines posted to the logs URL, one per line of text."""
    lines = []
    for entry in logs[-count:]:
        clock = str(entry.get("date", ""))[11:19]
        level = str(entry.get("level", "")).upper()
        message = " ".join(str(entry.get("message", "")).split())
        lines.append(f"  {clock} {level:<8} {message}")
    return lines or ["  (none yet: the SDK posts its logs every 5 s)"]


def category_lines(by_category: dict[str, int], width: int = 30) -> list[str]:
    total = sum(by_category.values()) or 1
    name_width = max(map(len, by_category), default=0)
    return [
        f"  {name:<{name_width}} {count:>9}  {'#' * max(1, round(width * count / total))}"
        for name, count in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
    ] or ["  (nothing yet)"]


def ticks(stop: threading.Event, duration: float | None, interval: float = 1.0) -> Iterator[float]:
    """The seconds elapsed, about once per `interval`, until `stop` is set or `duration` has passed."""
    began = time.monotonic()
    while True:
        seconds = time.monotonic() - began
        if duration is not None and seconds >= duration:
            return
        yield seconds
        if stop.wait(interval - (time.monotonic() - began) % interval):
            return
