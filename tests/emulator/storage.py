"""One partition's events: an append-only log in memory and, optionally, in a file.

Offsets are byte positions of records in the partition log, so they only grow and stay exact
across restarts (checkpoints store them). Sequence numbers count from 0 per partition and are the
index into the in-memory lists. A record is written with one os.write before the producer's send is
acknowledged, so an acknowledged event survives SIGKILL of the emulator (the OS has the bytes).

Record layout: u32 message length, u64 sequence number, i64 enqueued time (ms), u32 header-section
length, then the message exactly as consumers receive it.
"""

import bisect
import os
import struct
import time
from pathlib import Path

from . import messages

_RECORD = struct.Struct(">IQqI")


class Partition:
    def __init__(self, hub: str, partition_id: str, directory: Path | None):
        self.hub = hub
        self.id = partition_id
        self.messages: list = []  # (message bytes or None once truncated, header length)
        self.offsets: list = []
        self.times: list = []
        self.begin = 0  # oldest retained sequence number
        self.next_offset = 0
        self.waiters: set = set()  # receiver links parked until an event arrives
        self._fd = None
        self._begin_path = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{partition_id}.log"
            self._begin_path = directory / f"{partition_id}.begin"
            self._load(path)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    # ------------------------------------------------------------ writing

    def append(self, events) -> list:
        """Store events in order; return their sequence numbers. Written to the file before returning."""
        now = int(time.time() * 1000)
        if self.times and now < self.times[-1]:
            now = self.times[-1]  # enqueued time never goes back inside a partition
        chunks = []
        numbers = []
        for event in events:
            seq = len(self.messages)
            message, head_len = messages.stamp(event, seq, self.next_offset, now)
            record = _RECORD.pack(len(message), seq, now, head_len) + message
            chunks.append(record)
            self.messages.append((message, head_len))
            self.offsets.append(self.next_offset)
            self.times.append(now)
            self.next_offset += len(record)
            numbers.append(seq)
        if self._fd is not None and chunks:
            data = b"".join(chunks)
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
        return numbers

    def truncate_before(self, sequence_number: int) -> None:
        """Simulate retention: events before `sequence_number` are gone."""
        new_begin = max(self.begin, min(sequence_number, len(self.messages)))
        for seq in range(self.begin, new_begin):
            self.messages[seq] = (None, 0)
        self.begin = new_begin
        if self._begin_path is not None:
            self._begin_path.write_text(str(new_begin))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # ------------------------------------------------------------ reading

    @property
    def end(self) -> int:
        """The sequence number the next event will get."""
        return len(self.messages)

    def position(self, kind: str, value: str, inclusive: bool) -> int:
        """First sequence number a receiver starts at, for a selector filter."""
        if kind == "offset":
            if value == "-1":
                return self.begin
            if value == "@latest":
                return self.end
            index = (bisect.bisect_left if inclusive else bisect.bisect_right)(self.offsets, int(value))
        elif kind == "sequence-number":
            index = int(value) if inclusive else int(value) + 1
        else:  # enqueued-time, ms since epoch
            index = (bisect.bisect_left if inclusive else bisect.bisect_right)(self.times, int(float(value)))
        return min(max(index, self.begin), self.end)

    def last(self):
        """(sequence number, offset, enqueued ms) of the newest event, or None if empty."""
        if self.end == 0 or self.begin >= self.end:
            return None
        return self.end - 1, self.offsets[-1], self.times[-1]

    # ------------------------------------------------------------ recovery

    def _load(self, path: Path) -> None:
        if self._begin_path.exists():
            self.begin = int(self._begin_path.read_text() or 0)
        if not path.exists():
            return
        data = path.read_bytes()
        pos = 0
        while pos + _RECORD.size <= len(data):
            length, seq, enqueued, head_len = _RECORD.unpack_from(data, pos)
            end = pos + _RECORD.size + length
            if end > len(data):
                break
            message = data[pos + _RECORD.size : end]
            self.messages.append((message if seq >= self.begin else None, head_len))
            self.offsets.append(pos)
            self.times.append(enqueued)
            pos = end
        if pos < len(data):
            # The process died in the middle of a write: that send was never acknowledged.
            os.truncate(path, pos)
        self.next_offset = pos
