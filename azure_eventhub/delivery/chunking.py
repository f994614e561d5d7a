"""Records -> chunks of at most ``max_records`` records and ``max_chars`` characters.

One chunk is exactly one intake request: the byte bound is the one the SDK's
``push_events_to_intakes`` splits at, so the SDK never splits a chunk behind our back. Each chunk
knows the ordinals of its records (tracking.py) as ranges, which is what it settles once accepted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# The SDK's CHUNK_BYTES_MAX_SIZE (90 % of the intake's 10 MiB request limit, counted in characters).
DEFAULT_MAX_CHUNK_CHARS = 9_437_184


@dataclass(slots=True)
class Chunk:
    """Records bound for one intake request, and their ordinals as ``[start, end)`` ranges."""

    records: list[str] = field(default_factory=list)
    ranges: list[list[int]] = field(default_factory=list)
    chars: int = 0
    started: float = 0.0  # monotonic time of the first record

    def __len__(self) -> int:
        return len(self.records)

    def ordinals(self) -> list[int]:
        return [ordinal for start, end in self.ranges for ordinal in range(start, end)]

    def halves(self) -> tuple[Chunk, Chunk]:
        middle = len(self.records) // 2
        return self._slice(0, middle), self._slice(middle, len(self.records))

    def _slice(self, start: int, end: int) -> Chunk:
        records = self.records[start:end]
        chunk = Chunk(records, [], sum(map(len, records)), self.started)
        for ordinal in self.ordinals()[start:end]:
            chunk._extend_ranges(ordinal, 1)
        return chunk

    def _extend_ranges(self, first: int, count: int) -> None:
        ranges = self.ranges
        if ranges and ranges[-1][1] == first:
            ranges[-1][1] = first + count
        else:
            ranges.append([first, first + count])


class ChunkBuilder:
    """Accumulates one partition's records; thread-safe so a timer can flush a lingering chunk."""

    def __init__(self, max_records: int, max_chars: int = DEFAULT_MAX_CHUNK_CHARS) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.max_records = max_records
        self.max_chars = max_chars
        self._lock = threading.Lock()
        self._open = Chunk()

    def add_run(self, texts: list[str], first: int) -> list[Chunk]:
        """Add records whose ordinals are ``first``, ``first + 1``, ...; return the chunks they
        completed, in order. A chunk is complete at ``max_records`` records, when the next record
        would pass its character budget, or when it holds one record larger than the budget alone.
        Records that fit are appended a slice at a time."""
        completed: list[Chunk] = []
        max_records, max_chars = self.max_records, self.max_chars
        count = len(texts)
        start = 0
        with self._lock:
            chunk = self._open
            while start < count:
                if not chunk.records:
                    chunk.started = time.monotonic()
                limit = end = min(count, start + max_records - len(chunk.records))
                size = sum(map(len, texts[start:end]))
                if chunk.chars + size > max_chars:  # rare: record by record, up to the budget
                    end, size = start, 0
                    while end < limit and (
                        chunk.chars + size + len(texts[end]) <= max_chars or (not chunk.records and end == start)
                    ):
                        size += len(texts[end])
                        end += 1
                    full = True
                else:
                    full = len(chunk.records) + end - start >= max_records
                if end > start:
                    chunk.records.extend(texts[start:end])
                    chunk._extend_ranges(first + start, end - start)
                    chunk.chars += size
                if full:
                    completed.append(chunk)
                    chunk = Chunk()
                start = end
            self._open = chunk
        return completed

    def take(self, older_than: float | None = None) -> Chunk | None:
        """Remove and return the open chunk if it has records (and, when given, is at least
        ``older_than`` seconds old)."""
        with self._lock:
            chunk = self._open
            if not chunk.records:
                return None
            if older_than is not None and time.monotonic() - chunk.started < older_than:
                return None
            self._open = Chunk()
            return chunk


def joined(parts: list[Chunk]) -> Chunk:
    """One chunk of the records of ``parts``, in order (records held together after a split)."""
    chunk = Chunk(started=parts[0].started if parts else 0.0)
    for part in parts:
        chunk.records.extend(part.records)
        chunk.chars += part.chars
        for start, end in part.ranges:
            chunk._extend_ranges(start, end - start)
    return chunk
