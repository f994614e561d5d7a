"""Receive throughput of one SDK consumer process against the emulator.

    python -m tests.emulator.bench [--events 40000] [--partitions 1] [--size 1024]

Fills a hub through the SDK producer (batches), then times an EventHubConsumerClient reading
everything from the start with receive_batch, from the first event to the last.
"""

import argparse
import threading
import time

from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient

from .process import EmulatorProcess


def fill(conn_str: str, partitions: int, events: int, size: int) -> None:
    body = b"x" * size
    with EventHubProducerClient.from_connection_string(conn_str) as producer:
        per_partition = events // partitions
        for pid in range(partitions):
            left = per_partition
            while left:
                batch = producer.create_batch(partition_id=str(pid))
                while left:
                    try:
                        batch.add(EventData(body))
                    except ValueError:
                        break
                    left -= 1
                producer.send_batch(batch)


def measure(conn_str: str, expected: int) -> float:
    consumer = EventHubConsumerClient.from_connection_string(conn_str, consumer_group="$Default")
    received = 0
    first = last = None
    done = threading.Event()

    def on_batch(context, batch):
        nonlocal received, first, last
        if not batch:
            return
        now = time.perf_counter()
        first = first or now
        received += len(batch)
        last = now
        if received >= expected:
            done.set()

    worker = threading.Thread(
        target=consumer.receive_batch,
        kwargs=dict(on_event_batch=on_batch, starting_position="-1", max_batch_size=300, max_wait_time=1),
    )
    worker.start()
    done.wait(300)
    consumer.close()
    worker.join()
    return received / (last - first) if last and last > first else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=40000)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    config = {"hubs": {"bench": {"partition_count": args.partitions}}}
    with EmulatorProcess(config) as emulator:
        conn_str = emulator.connection_string("bench")
        started = time.perf_counter()
        fill(conn_str, args.partitions, args.events, args.size)
        print(f"filled {args.events} events in {time.perf_counter() - started:.1f}s")
        rate = measure(conn_str, args.events // args.partitions * args.partitions)
        print(f"received {rate:.0f} events/s ({args.size} B events, {args.partitions} partition(s), one consumer)")


if __name__ == "__main__":
    main()
