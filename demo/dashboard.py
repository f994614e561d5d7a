"""The terminal view: one frame of text lines, redrawn in place about once a second.

Plain ANSI (cursor home, erase line, erase below), no curses. Only for a terminal: when the output
is not one (a file, a pipe, CI) the demo prints plain progress lines instead (progress.py).
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import TextIO

from demo.layout import clip

HOME, ERASE_LINE, ERASE_BELOW = "\x1b[H", "\x1b[K", "\x1b[J"
CLEAR, HIDE_CURSOR, SHOW_CURSOR = "\x1b[2J", "\x1b[?25l", "\x1b[?25h"
BOLD, RESET = "\x1b[1m", "\x1b[0m"


class Screen:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.tty = out.isatty()
        self._started = False

    def size(self) -> tuple[int, int]:
        """(columns, lines) a frame may use: the terminal's, less the last line, which would scroll."""
        size = shutil.get_terminal_size((80, 24))
        return size.columns, size.lines - 1

    def draw(self, lines: list[str]) -> None:
        """Redraw the frame in place; `lines` already fit (layout.fit), the clip is a safety net for
        a terminal resized between the layout and the drawing."""
        width, height = self.size()
        if not self._started:
            self.out.write(CLEAR + HIDE_CURSOR)
            self._started = True
        shown = [clip(line, width) for line in lines[:height]]
        self.out.write(HOME + "".join(line + ERASE_LINE + "\n" for line in shown) + ERASE_BELOW)
        self.out.flush()

    def close(self) -> None:
        if self._started:
            self.out.write(RESET + SHOW_CURSOR)
            self.out.flush()

    def bold(self, text: str) -> str:
        return f"{BOLD}{text}{RESET}" if self.tty else text


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
