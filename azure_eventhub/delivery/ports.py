"""What the pipeline is handed and what it hands on: the intake and dead-letter ports (the trigger's
intake sender, the storage container), and a dead letter: its job, its blob's name and document."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import orjson

from azure_eventhub.delivery.claims import PartitionClaim
from azure_eventhub.delivery.tracking import RecordOrigin


class IntakePort(Protocol):
    def send(self, records: list[str], alive: Callable[[], bool]) -> None:
        """Return once the intake accepted every record. Raise ChunkRejected when the intake
        refuses the content (400, 413), Abandoned when ``alive()`` turned false before an outcome."""


class DeadLetterPort(Protocol):
    def write(self, name: str, document: bytes) -> None:
        """Write the document durably under ``name``; raise on any failure."""


@dataclass(slots=True)
class DeadLetterJob:
    """A record (or a whole message body: origin.index None) that goes to the dead-letter blob."""

    ordinal: int  # what it settles once written (tracking.py)
    origin: RecordOrigin
    payload: str | bytes
    kind: str  # "refused" by the intake, "oversized" record, "undecodable" body: a metric label
    reason: str
    status: int | None = None

    @property
    def chars(self) -> int:
        return len(self.payload)


def dead_letter_name(partition_claim: PartitionClaim, job: DeadLetterJob) -> str:
    ref = partition_claim.ref
    which = "message" if job.origin.index is None else str(job.origin.index)
    return (
        f"dead-letters/{ref.namespace}/{ref.hub}/{ref.consumer_group.lower()}/{ref.partition_id}/"
        f"{job.origin.sequence_number}-{which}.json"
    )


def dead_letter_document(partition_claim: PartitionClaim, job: DeadLetterJob) -> bytes:
    ref = partition_claim.ref
    document = {
        "namespace": ref.namespace,
        "hub": ref.hub,
        "consumer_group": ref.consumer_group,
        "partition_id": ref.partition_id,
        "sequence_number": job.origin.sequence_number,
        "offset": job.origin.offset,
        "index": job.origin.index,
        "kind": job.kind,
        "reason": job.reason,
        "status": job.status,
        "time": datetime.now(UTC).isoformat(),
    }
    if isinstance(job.payload, bytes):
        document["body_base64"] = base64.b64encode(job.payload).decode()
    else:
        document["record"] = job.payload
    return orjson.dumps(document)
