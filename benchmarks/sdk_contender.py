"""The SDK alone, in a process of its own, with the module's client settings (client_settings.py):

    python -m benchmarks.sdk_contender ceiling  ...   a receive loop that only counts
    python -m benchmarks.sdk_contender baseline ...   the serial design: receive a batch, push it to
                                                      the intake, checkpoint it, all in the callback
    python -m benchmarks.sdk_contender standby  ...   a receive loop left running until SIGTERM
                                                      (the SDK's processor, for its idle CPU)
    python -m benchmarks.sdk_contender latency  ...   a receive loop noting each stamped record's
                                                      delay from its sending (tests/stack/
                                                      paced_producer.py) to its callback, until SIGTERM
    python -m benchmarks.sdk_contender pipeline ...   the ceiling's loop with the module's receive
                                                      side in its callback (events.to_batch and
                                                      Pipeline.messages_received) and a null intake:
                                                      what our callback alone costs the loop

Prints one line `RESULT {json}` when done: events, first/last event times, CPU seconds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

import orjson
import requests
from azure.eventhub import EventHubConsumerClient
from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore
from azure.storage.blob import ContainerClient

from benchmarks.client_settings import processor_options, receive_options, transport_options


class Counter:
    """Counts events; notes the wall and CPU time of the first and the last batch."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.events = 0
        self.first_batch = 0
        self.first = self.last = None
        self.cpu_first = self.cpu_last = None
        self.timeline: list[tuple[float, int]] = []  # (time, events so far) at each batch
        self.done = threading.Event()

    def add(self, count: int) -> None:
        now, cpu = time.time(), time.process_time()
        if self.first is None:
            self.first, self.cpu_first, self.first_batch = now, cpu, count
        self.events += count
        self.timeline.append((now, self.events))
        self.last, self.cpu_last = now, cpu
        if self.expected and self.events >= self.expected:
            self.done.set()

    def result(self) -> dict:
        return {
            "events": self.events,
            "first_batch": self.first_batch,
            "first": self.first,
            "last": self.last,
            "cpu_first": self.cpu_first,
            "cpu_last": self.cpu_last,
            "cpu_total": time.process_time(),
            "timeline": self.timeline,
        }


class DelayCounter(Counter):
    """Seconds from each stamped record's sending to its batch's callback; records marked
    ``backlog`` (latency.py's backlog case) are counted with the times of the first and the last;
    other unstamped records are the producer's warm-up (each partition's is printed once seen: the
    loop reads every partition)."""

    def __init__(self) -> None:
        super().__init__(0)
        self.delays: list[float] = []
        self.sent: list[float] = []  # each stamped record's sending time, as delays
        self.warm = 0
        self.backlog = 0
        self.backlog_first = self.backlog_last = None

    def on_batch(self, context, events) -> None:
        from tests.stack.paced_producer import STAMP

        now = time.time()
        backlog = self.backlog
        for event in events:
            for record in orjson.loads(event.body_as_str()).get("records", ()):
                if STAMP in record:
                    self.delays.append(now - record[STAMP])
                    self.sent.append(record[STAMP])
                elif record.get("backlog"):
                    self.backlog += 1
                else:
                    self.warm += 1
                    print(f"WARM {self.warm}", flush=True)
        if self.backlog > backlog:
            self.backlog_first = self.backlog_first or now
            self.backlog_last = now
            print(f"BACKLOG {self.backlog}", flush=True)
        if events:
            self.add(len(events))
            print(f"SEEN {len(self.delays)}", flush=True)

    def result(self) -> dict:
        return {
            **super().result(),
            "timeline": [],
            "delays": self.delays,
            "sent": self.sent,
            "backlog": {"records": self.backlog, "first": self.backlog_first, "last": self.backlog_last},
        }


class InProcessPipeline:
    """The module's receiving side on the ceiling's loop: to_batch, decode, filter, chunk, track,
    and forwarding threads that serialize each chunk and accept it (no HTTP)."""

    def __init__(self, counter: Counter) -> None:
        from prometheus_client import CollectorRegistry

        from azure_eventhub.core.metrics import PipelineMetrics
        from azure_eventhub.delivery.pipeline import Pipeline, PipelineSettings
        from benchmarks.micro import NullIntake, NullStore

        self.counter = counter
        self.pipeline = Pipeline(
            PipelineSettings(), NullIntake(), NullStore(), NullStore(), PipelineMetrics("bench", CollectorRegistry()),
            log=lambda message, level: None,
        )
        self.pipeline.start()
        self.refs = {}

    def on_batch(self, context, events) -> None:
        from azure_eventhub.hub.event_data import to_batch
        from azure_eventhub.core.messages import PartitionRef

        ref = self.refs.get(context.partition_id)
        if ref is None:
            ref = PartitionRef(context.fully_qualified_namespace, context.eventhub_name, context.consumer_group,
                               context.partition_id)  # fmt: skip
            self.refs[context.partition_id] = ref
            self.pipeline.partition_opened(ref)
        if events:
            self.pipeline.messages_received(ref, to_batch(events), None)
            self.counter.add(len(events))


class SerialForwarder:
    """Sekoia's current design: each batch is pushed to the intake, then checkpointed, in the
    receiving thread (which serves every partition in turn)."""

    def __init__(self, intake_url: str, intake_key: str, counter: Counter) -> None:
        self.url = intake_url.rstrip("/") + "/batch"
        self.intake_key = intake_key
        self.counter = counter
        self.session = requests.Session()

    def on_batch(self, context, events) -> None:
        if not events:
            return
        records = []
        for event in events:
            records.extend(orjson.dumps(item).decode() for item in orjson.loads(event.body_as_str())["records"])
        body = orjson.dumps({"intake_key": self.intake_key, "jsons": records})
        while True:  # the current design retries until the intake accepts
            response = self.session.post(self.url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            if response.ok:
                break
            time.sleep(1)
        context.update_checkpoint(events[-1])
        self.counter.add(len(events))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("ceiling", "baseline", "standby", "pipeline", "latency"))
    parser.add_argument("--hub-connection-string", required=True)
    parser.add_argument("--hub", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--storage-connection-string", required=True)
    parser.add_argument("--container", required=True)
    parser.add_argument("--expected", type=int, default=0, help="stop after this many events (0: at SIGTERM)")
    parser.add_argument("--max-seconds", type=float, default=0, help="stop this long after the first event")
    parser.add_argument("--intake-url")
    parser.add_argument("--intake-key")
    parser.add_argument("--transport", choices=("amqp", "websocket"), default="amqp")
    parser.add_argument("--custom-endpoint-address")
    args = parser.parse_args(argv)

    container = ContainerClient.from_connection_string(args.storage_connection_string, args.container)
    if not container.exists():
        container.create_container()
    store = BlobCheckpointStore.from_connection_string(args.storage_connection_string, args.container)
    client = EventHubConsumerClient.from_connection_string(
        args.hub_connection_string,
        args.group,
        eventhub_name=args.hub,
        checkpoint_store=store,
        **processor_options(),
        **transport_options(args.transport, args.custom_endpoint_address),
    )
    counter = Counter(args.expected)
    if args.kind == "baseline":
        on_batch = SerialForwarder(args.intake_url, args.intake_key, counter).on_batch
    elif args.kind == "pipeline":
        on_batch = InProcessPipeline(counter).on_batch
    elif args.kind == "latency":
        counter = DelayCounter()
        on_batch = counter.on_batch
    else:

        def on_batch(context, events) -> None:
            if events:
                counter.add(len(events))

    signal.signal(signal.SIGTERM, lambda *_: counter.done.set())
    receiving = threading.Thread(
        target=client.receive_batch, kwargs={"on_event_batch": on_batch, **receive_options()}, daemon=True
    )
    receiving.start()
    print("RECEIVING", flush=True)
    while not counter.done.wait(0.2):
        if args.max_seconds and counter.first is not None and time.time() - counter.first >= args.max_seconds:
            break
    result = counter.result()  # before close(): closing costs CPU that is not receiving
    client.close()
    receiving.join(15)
    print("RESULT " + orjson.dumps(result).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
