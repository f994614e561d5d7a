"""Our per-record cost, in this process, with no network: what the module adds to each event the
SDK hands it (consumer.to_message, decode, filter, chunk, track, settle, and the body of the intake
request), in microseconds of CPU per record; and the part of it spent in the receiving thread
(to_message and the hand-over to the decoding thread), which is what slows the SDK's loop.

Events are built batch by batch as the SDK builds them (EventData._from_message of an AMQP message)
and handled at once, while they are hot in the cache as in the receiving thread; the cost of
building them (the SDK's) is measured alone and subtracted. The intake is a null port that only
serializes the request body as the trigger does (orjson of {"intake_key", "jsons"}) and accepts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import orjson
from azure.eventhub import EventData
from azure.eventhub._pyamqp.message import Message as AmqpMessage
from prometheus_client import CollectorRegistry

from azure_eventhub.consumer import to_message
from azure_eventhub.decoding import decode_message
from azure_eventhub.messages import PartitionRef
from azure_eventhub.metrics import PipelineMetrics
from azure_eventhub.pipeline import Pipeline, PipelineSettings
from benchmarks.client_settings import CHUNK_SIZE, MAX_BATCH_SIZE
from benchmarks.payload import body

REF = PartitionRef("localhost:5671", "bench", "group", "0")
STAGES = ("build", "to_message", "decode", "pipeline")


class NullIntake:
    def send(self, records: list[str], alive: Callable[[], bool]) -> None:
        orjson.dumps({"intake_key": "bench-intake-key", "jsons": records})


class NullStore:
    def write(self, *args) -> None:
        pass


def received_events(first: int, count: int, bodies: list[bytes]) -> list[EventData]:
    """EventData as the SDK builds them from the wire."""
    now_ms = int(time.time() * 1000)
    return [
        EventData._from_message(
            AmqpMessage(
                data=[bodies[number % len(bodies)]],
                message_annotations={
                    b"x-opt-sequence-number": number,
                    b"x-opt-offset": str(number * 1200).encode(),
                    b"x-opt-enqueued-time": now_ms,
                },
            )
        )
        for number in range(first, first + count)
    ]


def _new_pipeline() -> Pipeline:
    pipeline = Pipeline(
        PipelineSettings(chunk_size=CHUNK_SIZE),
        NullIntake(),
        NullStore(),
        NullStore(),
        PipelineMetrics("bench-intake-key", CollectorRegistry()),
        log=lambda message, level: None,
    )
    pipeline.start()
    pipeline.partition_opened(REF)
    return pipeline


def _cpu_us(stage: str, messages: int, bodies: list[bytes], per_message: int) -> tuple[float, float]:
    """CPU per record of building the events and handling them up to ``stage``: of the whole
    process, and of this thread alone (the receiving thread's share: what it spends is time the
    SDK's receiving loop does not read)."""
    pipeline = _new_pipeline() if stage == "pipeline" else None
    started, started_here = time.process_time(), time.thread_time()
    for first in range(0, messages, MAX_BATCH_SIZE):
        events = received_events(first, min(MAX_BATCH_SIZE, messages - first), bodies)
        if stage == "build":
            continue
        batch = [to_message(event) for event in events]
        if stage == "decode":
            for message in batch:
                decode_message(message.body, message.content_encoding, message.content_type)
        elif pipeline is not None:
            pipeline.messages_received(REF, batch, None)
    here = time.thread_time() - started_here
    if pipeline is not None:
        _settle_all(pipeline, messages - 1)
    cpu = time.process_time() - started
    if pipeline is not None:
        pipeline.stop(drain_seconds=1)
    return 1e6 * cpu / (messages * per_message), 1e6 * here / (messages * per_message)


def _settle_all(pipeline: Pipeline, last: int) -> None:
    """Flush the last partial chunk (once the decoding thread has added it) and wait until every
    record is accepted and settled."""
    lease = pipeline.leases()[0]
    waiting = threading.Event()
    while not (lease.tracker.position and lease.tracker.position.sequence_number == last):
        chunk = lease.builder.take()
        if chunk is not None:
            pipeline._forwarder.submit_chunk(lease, chunk)
        waiting.wait(0.001)


def measure(records: int = 50_000, repeats: int = 3, per_message: int = 1) -> dict:
    """The least of ``repeats`` runs per stage (the least disturbed by other processes), with
    ``per_message`` records in each message (the benchmark's hub has 1; Azure often sends dozens)."""
    bodies = [_body(number, per_message) for number in range(1000)]
    messages = max(1, records // per_message)
    runs = {stage: [_cpu_us(stage, messages, bodies, per_message) for _ in range(repeats)] for stage in STAGES}
    cost = {stage: min(process for process, _ in results) for stage, results in runs.items()}
    receiving = min(here for _, here in runs["pipeline"]) - min(here for _, here in runs["build"])
    figures = {
        "sdk_build_us": cost["build"],
        "to_message_us": cost["to_message"] - cost["build"],
        "decode_us": cost["decode"] - cost["to_message"],
        "pipeline_us": cost["pipeline"] - cost["to_message"],
        "request_body_us": _request_body_us(bodies, records),
        "receiving_thread_us": receiving,
    }
    figures["total_us"] = figures["to_message_us"] + figures["pipeline_us"]
    return figures


def _body(number: int, per_message: int) -> bytes:
    if per_message == 1:
        return body(number, 0)
    records = [orjson.loads(body(number * per_message + index, 0))["records"][0] for index in range(per_message)]
    return orjson.dumps({"records": records})


def _request_body_us(bodies: list[bytes], records: int) -> float:
    texts = [record.text for item in bodies for record in decode_message(item).records]
    texts = (texts * (records // len(texts) + 1))[:records]
    started = time.process_time()
    for first in range(0, len(texts), CHUNK_SIZE):
        orjson.dumps({"intake_key": "bench-intake-key", "jsons": texts[first : first + CHUNK_SIZE]})
    return 1e6 * (time.process_time() - started) / len(texts)


if __name__ == "__main__":
    print(measure())
