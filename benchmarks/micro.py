"""Our per-record cost, in this process, with no network: what the module adds to each event the
SDK hands it, in microseconds of CPU per record, stage by stage:

- to_batch: the adapter reads the SDK's EventData into a MessageBatch (in the receiver process);
- pipe: pickling the batch there and unpickling it in the trigger's process;
- decode: decode_batch alone (parse, find the records, serialize each) of each freshly unpickled batch;
- pipeline: Pipeline.messages_received up to every record settled (decode, filter, serialize,
  chunk, track, the intake request's body, settle), with the pipeline's own threads, by a null
  intake that serializes the request body as the trigger does (orjson of {"intake_key", "jsons"}).

Events are built as the SDK builds them (EventData._from_message of an AMQP message) before any
stage is timed, so that building them (the SDK's own work, reported apart) neither counts nor
competes with the pipeline's threads. Each figure is the least of ``repeats`` runs: the run least
disturbed by the other processes of this shared machine.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable

import orjson
from azure.eventhub import EventData
from azure.eventhub._pyamqp.message import Message as AmqpMessage
from prometheus_client import CollectorRegistry

from azure_eventhub.decoding.batch import decode_batch
from azure_eventhub.hub.event_data import to_batch
from azure_eventhub.core.messages import MessageBatch, PartitionRef
from azure_eventhub.core.metrics import PipelineMetrics
from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
from benchmarks.client_settings import CHUNK_SIZE, MAX_BATCH_SIZE
from benchmarks.payload import body

REF = PartitionRef("localhost:5671", "bench", "group", "0")


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


def _event_batches(messages: int, bodies: list[bytes]) -> tuple[list[list[EventData]], float]:
    """The events, batch by batch as the SDK hands them over, and the CPU seconds building them took."""
    started = time.process_time()
    batches = [
        received_events(first, min(MAX_BATCH_SIZE, messages - first), bodies) for first in range(0, messages, MAX_BATCH_SIZE)
    ]
    return batches, time.process_time() - started


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


def _cpu(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _pipeline_cpu(payloads: list[bytes]) -> float:
    """CPU seconds of the whole process (every pipeline thread) from the first batch received to
    the last record settled. Each batch is unpickled just before it is handed to the pipeline, as
    the trigger's process does with what its receiver process sends (so its bodies are as fresh in
    the CPU's caches as they are there); the unpickling is measured alone and subtracted."""
    pipeline = _new_pipeline()
    last = pickle.loads(payloads[-1]).sequence_numbers[-1]
    started = time.process_time()
    for payload in payloads:
        pipeline.messages_received(REF, pickle.loads(payload), None)
    _settle_all(pipeline, last)
    cpu = time.process_time() - started
    pipeline.stop(drain_seconds=1)
    return cpu


def _settle_all(pipeline: Pipeline, last: int) -> None:
    """Flush the last partial chunk and wait until every record is accepted and settled."""
    partition_claim = pipeline.partition_claims()[0]
    waiting = threading.Event()
    while not (partition_claim.tracker.position and partition_claim.tracker.position.sequence_number == last):
        chunk = partition_claim.builder.take()
        if chunk is not None:
            pipeline._forwarder.submit_chunk(partition_claim, chunk)
        waiting.wait(0.001)


def measure(records: int = 50_000, repeats: int = 3, per_message: int = 1) -> dict:
    """Per-record figures, with ``per_message`` records in each message (the benchmark's hub has
    1; Azure often sends dozens)."""
    bodies = [_body(number, per_message) for number in range(1000)]
    messages = max(1, records // per_message)
    runs: dict[str, list[float]] = {stage: [] for stage in ("build", "to_batch", "pickle", "unpickle", "decode", "pipeline")}
    for _ in range(repeats):
        events, build = _event_batches(messages, bodies)
        runs["build"].append(build)
        runs["to_batch"].append(_cpu(lambda: [to_batch(batch) for batch in events]))
        batches = [to_batch(batch) for batch in events]
        del events
        runs["pickle"].append(_cpu(lambda: [pickle.dumps(batch, protocol=5) for batch in batches]))
        payloads = [pickle.dumps(batch, protocol=5) for batch in batches]
        del batches
        runs["unpickle"].append(_cpu(lambda: [pickle.loads(payload) for payload in payloads]))
        runs["decode"].append(_cpu(lambda: [_decode(pickle.loads(payload)) for payload in payloads]))
        runs["pipeline"].append(_pipeline_cpu(payloads))
    per_record = {stage: 1e6 * min(values) / (messages * per_message) for stage, values in runs.items()}
    unpickle = per_record["unpickle"]
    figures = {
        "sdk_build_us": per_record["build"],
        "to_batch_us": per_record["to_batch"],
        "pipe_us": per_record["pickle"] + unpickle,
        "decode_us": per_record["decode"] - unpickle,
        "pipeline_us": per_record["pipeline"] - unpickle,
        "request_body_us": _request_body_us(bodies, records),
        "receiving_process_us": per_record["to_batch"] + per_record["pickle"],
    }
    figures["total_us"] = figures["to_batch_us"] + figures["pipe_us"] + figures["pipeline_us"]
    figures["records_per_message"] = per_message
    return figures


def _decode(batch: MessageBatch) -> None:
    decode_batch(batch.bodies, batch.content_encodings, batch.content_types)


def _body(number: int, per_message: int) -> bytes:
    if per_message == 1:
        return body(number, 0)
    records = [orjson.loads(body(number * per_message + index, 0))["records"][0] for index in range(per_message)]
    return orjson.dumps({"records": records})


def _request_body_us(bodies: list[bytes], records: int) -> float:
    texts = decode_batch(bodies).texts
    texts = (texts * (records // len(texts) + 1))[:records]
    started = time.process_time()
    for first in range(0, len(texts), CHUNK_SIZE):
        orjson.dumps({"intake_key": "bench-intake-key", "jsons": texts[first : first + CHUNK_SIZE]})
    return 1e6 * (time.process_time() - started) / len(texts)


if __name__ == "__main__":
    for count in (1, 20):
        print(measure(per_message=count))
