"""A decoded batch -> what each of its ordinals (tracking.py) becomes: a record for the intake, or a
dead letter. Pure.

Records over the intake's limit and message bodies that cannot become records go to the dead
letters; each still holds one ordinal, between the records around it, so that the checkpoint waits
for its dead letter as it waits for the records.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_eventhub.decoding.batch import DecodedBatch
from azure_eventhub.decoding.message import MAX_RECORD_CHARS


@dataclass(frozen=True, slots=True)
class DeadLetterEntry:
    payload: str | bytes  # the record, or the whole body as received
    kind: str  # "oversized" or "undecodable" (a metric label)
    reason: str


@dataclass(slots=True)
class Destinations:
    """The ordinals of a batch, in order: ``entries[k]`` is ordinal ``first + k``."""

    entries: list[str | DeadLetterEntry]  # a record text to chunk, or a dead letter
    ends: list[int]  # ends[m]: ordinals of messages 0..m (tracking.PartitionTracker.add)
    indexes: list[int | None]  # each ordinal's item index in its message (None: a whole body)


def needs_dead_letters(decoded: DecodedBatch) -> bool:
    """Whether any ordinal of the batch is a dead letter (else its texts are its ordinals)."""
    return bool(decoded.dead_letters) or bool(decoded.texts and max(map(len, decoded.texts)) > MAX_RECORD_CHARS)


def sort_by_destination(decoded: DecodedBatch) -> Destinations:
    """Each ordinal's destination: a record text for the intake, or a dead letter (``route`` is kept
    for the partition router: one meaning per word)."""
    undecodable = dict(decoded.dead_letters)
    texts, record_indexes = decoded.texts, decoded.item_indexes()
    sorted_ = Destinations([], [], [])
    start = 0
    for position, end in enumerate(decoded.ends):
        if position in undecodable:
            sorted_.entries.append(DeadLetterEntry(undecodable[position].body, "undecodable", undecodable[position].reason))
            sorted_.indexes.append(None)
        for number in range(start, end):
            text = texts[number]
            if len(text) > MAX_RECORD_CHARS:
                reason = f"record of {len(text)} characters exceeds the intake's limit of {MAX_RECORD_CHARS}"
                sorted_.entries.append(DeadLetterEntry(text, "oversized", reason))
            else:
                sorted_.entries.append(text)
            sorted_.indexes.append(record_indexes[number])
        sorted_.ends.append(len(sorted_.entries))
        start = end
    return sorted_
