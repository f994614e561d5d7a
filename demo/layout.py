"""What fits on the screen: wrapping, the module's log entries, and a frame sized to the terminal.

Pure: text and sizes in, lines out. A frame is the head (always shown, wrapped), optional sections
(shown only while the log keeps its minimum), then the module's log in whatever room is left.
Nothing the module says is cut: a long line is wrapped onto the next ones.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
INDENT = "    "  # continuation lines of a wrapped line
MIN_LOG_LINES = 8  # the log keeps at least this many lines before an optional section is shown


def plain(line: str) -> str:
    return _ESCAPE.sub("", line)


def wrap(line: str, width: int, indent: str = INDENT) -> list[str]:
    """The line in pieces of at most `width` visible characters, broken at spaces (a word longer
    than a line, a URL say, is broken inside), continuation pieces indented. Every word is kept.
    A line that fits keeps its styling; a wrapped one loses it."""
    if len(plain(line)) <= width:
        return [line]
    width = max(width, len(indent) + 10)  # a terminal too narrow for anything still gets every word
    leading = len(line) - len(line.lstrip(" "))
    return textwrap.wrap(
        plain(line),
        width,
        initial_indent="",
        subsequent_indent=" " * leading + indent,
        break_on_hyphens=False,
    ) or [""]


def clip(line: str, width: int) -> str:
    """The line cut to `width` visible characters, for samples that say they are truncated."""
    text = plain(line)
    return line if len(text) <= width else text[: width - 1] + "…"


def elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes:02d}:{seconds:02d}"


def log_entry(entry: dict[str, Any]) -> str:
    """One entry posted to the logs URL as one line: time, level, message (whitespace folded)."""
    clock = str(entry.get("date", ""))[11:19]
    level = str(entry.get("level", "")).upper()
    message = " ".join(str(entry.get("message", "")).split())
    return f"{clock} {level:<7} {message}"


def newest_that_fit(entries: list[str], width: int, room: int) -> list[str]:
    """The newest entries, wrapped, that fit whole in `room` lines, oldest first. When the newest
    alone is taller than the room, its first lines are shown and the last says how many follow."""
    shown: list[str] = []
    for entry in reversed(entries):
        lines = wrap(f"  {entry}", width)
        if len(shown) + len(lines) > room:
            if not shown and room > 0:
                hidden = len(lines) - room + 1
                return lines[: room - 1] + [f"{INDENT}… {hidden} more line(s): widen or heighten the terminal"]
            break
        shown = lines + shown
    return shown


def fit(
    head: list[str],
    optional: list[list[str]],
    log_head: list[str],
    log: list[str],
    width: int,
    height: int,
    min_log: int = MIN_LOG_LINES,
) -> list[str]:
    """A frame of at most `height` lines, none wider than `width`: `head` wrapped; each optional
    section (kept whole or left out, in order) while the log keeps `min_log` lines; the log's
    head; the newest log entries that fit in the rest."""
    top = [piece for line in head for piece in wrap(line, width)]
    for section in optional:
        lines = [piece for line in section for piece in wrap(line, width)]
        if len(top) + len(lines) + len(log_head) + min_log <= height:
            top += lines
    room = height - len(top) - len(log_head)
    body = newest_that_fit(log, width, room) if log else ["  (none yet: the SDK posts its logs every 5 s)"]
    return (top + log_head + body)[:height]


def counts_lines(counts: dict[str, int], width: int) -> list[str]:
    """`name count` pairs, the largest first, as many per line as fit."""
    items = [f"{name} {count}" for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    if not items:
        return ["  (nothing yet)"]
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current}   {item}" if current else f"  {item}"
        if current and len(candidate) > width:
            lines.append(current)
            candidate = f"  {item}"
        current = candidate
    return lines + [current]
