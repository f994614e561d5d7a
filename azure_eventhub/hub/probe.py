"""Short, separate calls to the hub for the start-up self-check."""

from __future__ import annotations

import threading

from azure.eventhub import EventHubConsumerClient

from azure_eventhub.hub.consumer import ReceiverSettings, create_consumer_client


class HubProbe:
    """Short, separate calls to the hub for the self-check (azure_eventhub.operations.selfcheck): never through
    the event processor, never with an owner level (a probe must not take a partition from a running
    reader), no retries (the self-check classifies the first answer). Same transport, endpoint and
    proxy as the receiver."""

    def __init__(self, settings: ReceiverSettings) -> None:
        self._settings = settings
        self._client = self._new_client()

    def _new_client(self) -> EventHubConsumerClient:
        # The same way in as the receiver (connection string or the process's credential).
        return create_consumer_client(self._settings, retry_total=0)

    @property
    def namespace(self) -> str:
        return self._client._address.hostname

    def partition_ids(self) -> list[str]:
        """The hub's partitions (a management READ: proves the key, the namespace and the hub)."""
        return list(self._client.get_eventhub_properties()["partition_ids"])

    def partition_range(self, partition_id: str) -> tuple[int, int]:
        """(the oldest sequence number the hub still retains, the last one enqueued; -1 if none)."""
        properties = self._client.get_partition_properties(partition_id)
        return int(properties["beginning_sequence_number"]), int(properties["last_enqueued_sequence_number"])

    def open_receiver(self, partition_id: str, seconds: float) -> Exception | None:
        """Open a receiver at the end of one partition and close it: None once the link is open (an
        event, or an empty wait, was delivered), else the first error (the consumer group missing, the
        Listen right missing...). Raises TimeoutError when neither came within ``seconds``."""
        client = self._new_client()
        opened = threading.Event()
        errors: list[Exception] = []

        def on_error(context, error: Exception) -> None:
            errors.append(error)
            opened.set()

        receiving = threading.Thread(
            target=client.receive,
            kwargs={
                "on_event": lambda context, event: opened.set(),
                "on_error": on_error,
                "partition_id": partition_id,
                "starting_position": "@latest",
                "max_wait_time": 0.1,  # an empty wait is reported at once: the link is open
            },
            name="selfcheck-receiver",
            daemon=True,
        )
        receiving.start()
        try:
            if not opened.wait(seconds):
                raise TimeoutError(f"no answer within {seconds:.0f} s")
            return errors[0] if errors else None
        finally:
            threading.Thread(target=client.close, daemon=True).start()  # a frozen peer must not block us

    def close(self) -> None:
        self._client.close()
