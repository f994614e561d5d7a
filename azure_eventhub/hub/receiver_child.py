"""The child side of a receiver process (receiver_process.py tells the protocol): its entry, its
EventHubReceiver, and the handler that turns each receive callback into a message to the parent.
Also what both sides share: the pipe's constants and ReceiveFailure."""

from __future__ import annotations

import ctypes
import itertools
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from azure_eventhub.core.errors import CollectorError, ReadAgain
from azure_eventhub.core.log_redaction import log_to_stderr
from azure_eventhub.core.messages import MessageBatch, PartitionInfo, PartitionRef
from azure_eventhub.core.redaction import REDACTOR
from azure_eventhub.hub.child_output import redirect_error_output
from azure_eventhub.hub.consumer import EventHubReceiver, ReceiverSettings
from azure_eventhub.hub.handover import Handover
from azure_eventhub.hub.owner_memory import OwnerSlot

ACK_SECONDS = 5.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_GONE_EXIT_CODE = 3
# Message bodies queued for the parent: two dozen batches of 1 KB events, so that the receiving loop
# goes on through the parent's short pauses (a chunk waiting for room, a checkpoint write).
OUTBOX_BYTES = 8 * 1024 * 1024
HANDED_OVER = "the partition is held by another receiver process of this trigger; read again from its checkpoint"
LogFunction = Callable[[str, str], None]


class ReceiveFailure(CollectorError):
    """An SDK error met in a receiver process, as its parent sees it (SDK exceptions do not all
    pickle): its text and the names of its classes, which advice.py classifies by."""

    def __init__(self, text: str, class_names: tuple[str, ...]) -> None:
        super().__init__(text)
        self.class_names = class_names

    def __reduce__(self):
        return (ReceiveFailure, (str(self), self.class_names))

    @classmethod
    def of(cls, error: BaseException) -> ReceiveFailure:
        return cls(str(error), tuple(klass.__name__ for klass in type(error).__mro__))


class _PipeHandler:
    """The ReceiveHandler the child's EventHubReceiver calls: each call becomes a message to the parent.

    Messages go out through an outbox and a thread of their own, in order: a batch is larger than
    the socket's buffer, so sending it waits until the parent has read most of it, and the SDK's
    receiving loop (which serves every partition) must not wait with it. The outbox is bounded in
    body bytes: when the parent falls behind, it fills and the loop waits (back-pressure)."""

    def __init__(self, connection, outbox_bytes: int = OUTBOX_BYTES) -> None:
        self._connection = connection
        self._outbox: Handover[tuple] = Handover(outbox_bytes)
        self._gone = False  # the pipe broke: the parent is gone
        self._acks = itertools.count(1)
        self._waiting: dict[int, threading.Event] = {}
        self._failed: dict[str, CollectorError] = {}  # partition id -> the parent's failure for it
        self._claims: dict[str, int] = {}  # partition id -> its current claim (module docstring)
        self._claim_numbers = itertools.count(1)
        self._claims_lock = threading.Lock()
        self.on_stop: Callable[[], None] = lambda: None
        threading.Thread(target=self._send_forever, name="parent-outbox", daemon=True).start()

    def send(self, item: tuple, size: int = 0) -> None:
        """Queue ``item`` for the parent; raises OSError once the parent is gone."""
        if self._gone or not self._outbox.put(item, size, lambda: self._gone, lambda: None):
            raise OSError("the parent process is gone")

    def _send_forever(self) -> None:
        try:
            while (item := self._outbox.get()) is not None:
                self._connection.send(item)
        except (OSError, ValueError):
            pass
        self._gone = True
        self._outbox.close()

    def listen(self) -> None:
        """The parent's side of the conversation, in a thread: acks, failures, stop; the pipe
        closing (the parent is gone) stops too."""
        try:
            while True:
                item = self._connection.recv()
                if item[0] == "ack":
                    waiting = self._waiting.pop(item[1], None)
                    if waiting is not None:
                        waiting.set()
                elif item[0] == "fail":
                    _, partition_id, claim, failure = item
                    with self._claims_lock:
                        if self._claims.get(partition_id) == claim:  # else told for a claim that ended
                            self._failed[partition_id] = failure
                elif item[0] == "stop":
                    self.on_stop()  # acks of the partitions closing now still come: keep listening
        except (EOFError, OSError):
            pass
        for waiting in list(self._waiting.values()):
            waiting.set()
        self.on_stop()

    def _claim(self, ref: PartitionRef) -> int | None:
        """The claim a call for the partition belongs to; raises ReadAgain if the parent failed it."""
        with self._claims_lock:
            failure = self._failed.pop(ref.partition_id, None)
            claim = self._claims.get(ref.partition_id)
        if failure is not None:
            raise ReadAgain(str(failure))  # FixedEventProcessor reopens the partition from its checkpoint
        return claim

    def log(self, text: str, level: str) -> None:
        self.send(("log", text, level))

    # ReceiveHandler
    def partition_opened(self, ref: PartitionRef) -> None:
        with self._claims_lock:
            claim = self._claims[ref.partition_id] = next(self._claim_numbers)
            self._failed.pop(ref.partition_id, None)
        self.send(("opened", ref, claim))

    def partition_closed(self, ref: PartitionRef, reason: str) -> None:
        with self._claims_lock:  # what the parent told for the claim that ends here is moot now
            claim = self._claims.pop(ref.partition_id, None)
            self._failed.pop(ref.partition_id, None)
        ack = next(self._acks)
        done = self._waiting[ack] = threading.Event()
        try:
            self.send(("closed", ref, claim, reason, ack))
        except (OSError, ValueError):
            return
        done.wait(ACK_SECONDS)
        self._waiting.pop(ack, None)

    def messages_received(self, ref: PartitionRef, batch: MessageBatch, info: PartitionInfo | None) -> None:
        self.send(("messages", ref, self._claim(ref), batch, info), batch.body_bytes)

    def receive_idle(self, ref: PartitionRef, info: PartitionInfo | None) -> None:
        self.send(("idle", ref, self._claim(ref), info))

    def receive_error(self, ref: PartitionRef | None, error: Exception) -> None:
        self.send(("error", ref, ReceiveFailure.of(error)))

    def load_balanced(self, owned: int) -> None:
        self.send(("balanced", owned))


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel kill this process when its parent dies (even by SIGKILL). Then, in case
    the parent died before that took effect, compare with the parent's own pid, handed over at spawn:
    never with 1, which is the parent itself when the trigger runs as PID 1 of a container."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl: we were handed to another process
        os._exit(PARENT_GONE_EXIT_CODE)


def run_child(parent_pid: int, error_output, body: Callable[..., None], *args) -> None:
    """The child process's entry (spawned: a module-level function): its process duties, then ``body``."""
    redirect_error_output(error_output)
    _die_with_parent(parent_pid)
    # The parent decides when to stop (Ctrl-C in a terminal reaches the whole process group).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    body(*args)


def run_receiver(settings: ReceiverSettings, connection, owner_directory: Path | None, owner_scope: str) -> None:
    """A receiver process's body: the EventHubReceiver, its calls sent to the parent."""
    # First, before any client exists: the SDK's and urllib3's log lines name request URLs (a SAS
    # signature) and this process has no SDK to configure logging.
    log_to_stderr()
    REDACTOR.add(settings.secret_values())
    handler = _PipeHandler(connection)
    slot = OwnerSlot(owner_directory, owner_scope) if owner_directory is not None else None
    receiver = None
    try:
        receiver = EventHubReceiver(settings, handler)
        handler.on_stop = receiver.stop
        threading.Thread(target=handler.listen, name="parent-link", daemon=True).start()
        if slot is not None:
            previous_owner = slot.acquire(first=settings.sibling)
            if previous_owner:
                released = receiver.release_claims(previous_owner)
                if released:
                    handler.log(
                        f"Released partitions {', '.join(sorted(released))} held by this replica before its restart", "info"
                    )
            slot.remember(receiver.owner_id)
        receiver.run()
    except (EOFError, OSError, ValueError):
        pass  # the parent is gone
    except Exception as error:  # the process boundary: told to the parent, which restarts collection
        try:
            handler.log(f"Receiving stopped on an unexpected error: {type(error).__name__}: {error}", "error")
        except (OSError, ValueError):
            pass
    finally:
        if receiver is not None:
            receiver.close()
        if slot is not None:
            slot.release()
        connection.close()
