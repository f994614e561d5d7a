"""Several receiver processes in one trigger (Receiver Processes 2), and a partition read again at
once when the trigger's process did not track its batches (errors.ReadAgain)."""

import threading
import time

from tests.stack.waiting import wait_until


def test_two_receiver_processes_deliver_every_record_of_a_wide_hub(wide_stack):
    sent = wide_stack.spread_records(2000, partitions=8, per_message=4)
    began = time.monotonic()
    module = wide_stack.module(name="two-receivers", receiver_processes=2)
    wide_stack.wait_delivered(sent, timeout=90)
    seconds = time.monotonic() - began
    report = wide_stack.loss_report(sent)
    print(f"[figures] delivered in {seconds:.1f} s from the start with 2 receiver processes")
    assert report["lost"] == 0
    assert seconds < 40, f"{seconds:.1f} s to deliver 2000 records"
    # Each process claimed the partitions of its own stripe (hub/sibling_claims.py): none was read by
    # both, taken from one by the other, or read twice. Before, both claimed every free partition at
    # once (Azurite lets both claims succeed), took the links from each other and re-read from the
    # checkpoints: duplicates at every start.
    # The trigger writes its threads' log lines every 0.5 s: a fast delivery can come before them.
    def opened() -> list[str]:
        return [line for line in module.output().splitlines() if "Receiving partition" in line]

    wait_until(lambda: len(opened()) >= 8, 15, message=lambda: "8 openings in:\n" + module.output()[-4000:])
    assert len(opened()) == 8, "\n".join(opened())
    assert "Stopped receiving partition" not in module.output()
    assert report["duplicated"] == 0
    assert module.running
    wide_stack.stop(module)


class Recorder:
    """A ReceiveHandler that asks for partition 0 to be read again at its first batch."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, str, list[int]]] = []
        self.asked = False
        self.lock = threading.Lock()

    def _note(self, kind: str, ref, numbers=()) -> None:
        with self.lock:
            self.calls.append((time.monotonic(), kind, ref.partition_id, list(numbers)))

    def partition_opened(self, ref) -> None:
        self._note("opened", ref)

    def partition_closed(self, ref, reason) -> None:
        self._note(f"closed {reason}", ref)

    def messages_received(self, ref, batch, info) -> None:
        from azure_eventhub.core.errors import ReadAgain

        self._note("messages", ref, batch.sequence_numbers)
        if ref.partition_id == "0" and not self.asked:
            self.asked = True
            raise ReadAgain("the trigger did not track this batch")

    def receive_idle(self, ref, info) -> None:
        pass

    def receive_error(self, ref, error) -> None:
        pass


def test_a_partition_asked_to_be_read_again_reopens_at_once_from_its_checkpoint(stack):
    from azure_eventhub.hub.consumer import EventHubReceiver, ReceiverSettings

    sent = stack.send_records([{"id": f"again-{number}"} for number in range(30)], partition_id="0")
    stack.container_client().create_container()
    settings = ReceiverSettings(
        stack.emulator.connection_string(policy="listen-policy"), stack.hub, stack.consumer_group,
        stack.azurite.connection_string, stack.container,
    )  # fmt: skip
    handler = Recorder()
    receiver = EventHubReceiver(settings, handler)
    receiving = threading.Thread(target=receiver.run, daemon=True)
    receiving.start()
    try:
        def read_again() -> bool:
            kinds = [call[1] for call in handler.calls if call[2] == "0"]
            return "messages" in kinds[kinds.index("opened", 1) :] if kinds.count("opened") > 1 else False

        wait_until(read_again, 20, message="partition 0 opened again and delivering")
    finally:
        receiver.stop()
        receiving.join(15)
        receiver.close()
    partition_0 = [call for call in handler.calls if call[2] == "0"]
    kinds = [call[1] for call in partition_0]
    assert kinds[:4] == ["opened", "messages", "closed lost", "opened"], kinds
    asked_at, reopened_at = partition_0[1][0], partition_0[3][0]
    assert reopened_at - asked_at < 5, "read again at once, not at the next load-balancing pass (10 s)"
    # No checkpoint was written: the new consumer starts where the first did, so nothing is skipped.
    first_batch = partition_0[1][3]
    again = [number for call in partition_0[4:] if call[1] == "messages" for number in call[3]]
    assert first_batch and again[: len(first_batch)] == first_batch
    assert len(sent) == 30
