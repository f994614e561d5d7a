"""Records -> chunks of at most ``max_records`` records and ``max_chars`` characters.

One chunk is exactly one intake request: the byte bound is the one the SDK's
``push_events_to_intakes`` splits at, so the SDK never splits a chunk behind our back.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from azure_eventhub.tracking import MessageSlot

# The SDK's CHUNK_BYTES_MAX_SIZE (90 % of the intake's 10 MiB request limit, counted in characters).
DEFAULT_MAX_CHUNK_CHARS = 9_437_184


@dataclass(slots=True)
class Chunk:
    """Records bound for one intake request, each with the message slot it came from."""

    records: list[str] = field(default_factory=list)
    slots: list[MessageSlot] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)  # each record's index within its message
    chars: int = 0
    started: float = 0.0  # monotonic time of the first record

    def __len__(self) -> int:
        return len(self.records)

    def halves(self) -> tuple[Chunk, Chunk]:
        middle = len(self.records) // 2
        return self._slice(0, middle), self._slice(middle, len(self.records))

    def _slice(self, start: int, end: int) -> Chunk:
        records = self.records[start:end]
        return Chunk(
            records, self.slots[start:end], self.indexes[start:end], sum(map(len, records)), self.started
        )


class ChunkBuilder:
    """Accumulates one partition's records; thread-safe so a timer can flush a lingering chunk."""

    def __init__(self, max_records: int, max_chars: int = DEFAULT_MAX_CHUNK_CHARS) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.max_records = max_records
        self.max_chars = max_chars
        self._lock = threading.Lock()
        self._open = Chunk()

    def add(self, text: str, slot: MessageSlot, index: int) -> Chunk | None:
        """Add a record; return the chunk it completed, if any (the record starts the next one
        when it would not fit in the open chunk's character budget)."""
        size = len(text)
        full = None
        with self._lock:
            chunk = self._open
            if chunk.records and chunk.chars + size > self.max_chars:
                full, chunk = chunk, Chunk()
                self._open = chunk
            if not chunk.records:
                chunk.started = time.monotonic()
            chunk.records.append(text)
            chunk.slots.append(slot)
            chunk.indexes.append(index)
            chunk.chars += size
            if full is None and len(chunk.records) >= self.max_records:
                full, self._open = chunk, Chunk()
        return full

    def add_many(self, texts: list[str], slots: list[MessageSlot], indexes: list[int]) -> list[Chunk]:
        """Add records in order, as many ``add`` calls would, under one lock; return the chunks
        they completed, in order. Runs of records that fit are appended a run at a time."""
        completed: list[Chunk] = []
        max_records, max_chars = self.max_records, self.max_chars
        count = len(texts)
        start = 0
        with self._lock:
            chunk = self._open
            while start < count:
                if not chunk.records:
                    chunk.started = time.monotonic()
                end = min(count, start + max_records - len(chunk.records))
                run = texts[start:end]
                size = sum(map(len, run))
                if chunk.chars + size > max_chars:  # rare: one record at a time, exactly as add()
                    full = False
                    end = start
                    while end < count:
                        size = len(texts[end])
                        if chunk.records and chunk.chars + size > max_chars:
                            full = True
                            break
                        chunk.records.append(texts[end])
                        chunk.chars += size
                        end += 1
                        if len(chunk.records) >= max_records:
                            full = True
                            break
                    chunk.slots.extend(slots[start:end])
                    chunk.indexes.extend(indexes[start:end])
                    if full:
                        completed.append(chunk)
                        chunk = Chunk()
                else:
                    chunk.records.extend(run)
                    chunk.slots.extend(slots[start:end])
                    chunk.indexes.extend(indexes[start:end])
                    chunk.chars += size
                    if len(chunk.records) >= max_records:
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
