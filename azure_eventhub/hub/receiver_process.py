"""The Event Hubs receiver in processes of their own.

Why: the SDK's receiving loop (pure-Python AMQP, about 40 us of CPU per event) holds the GIL most of
the time; in the pipeline's process it made the module deliver 0.70-0.77 of what the SDK alone
receives, whatever we moved off its thread. In a child process the loop has a GIL of its own. The
parent keeps everything else (decoding, tracking, forwarding, checkpoints, metrics, logs, liveness):
the child's EventHubReceiver calls a ReceiveHandler whose calls travel over a pipe and are replayed,
in order, on the parent's pipeline (through a PartitionRouter). Several children share the
partitions through blob ownership, as replicas do, each with its own owner id and owner slot
(owner_memory.py).

Protocol: pickled tuples on a duplex pipe.
  child -> parent: ("opened", ref, claim) ("closed", ref, claim, reason, ack)
                   ("messages", ref, claim, batch, info) ("idle", ref, claim, info)
                   ("error", ref, ReceiveFailure) ("balanced", owned) ("log", text, level)
  parent -> child: ("ack", ack) ("fail", partition_id, claim, ReceiveFailure) ("stop",)
A claim is the child's number for one opening of a partition; in the parent, with the process's
number, it is a messages.Claim, which every call about a partition carries to the pipeline: what one
claim read is tracked on that claim's partition claim or nowhere, never on another claim's, whose checkpoint
it would move past records nobody accepted. A failure the parent sends applies to the claim whose
call failed, never to a later one (it may arrive after the child opened the partition again, from
its checkpoint: then it is moot).
Fates:
- back-pressure: while the parent's pipeline waits (its in-flight budget is full), the parent does
  not read, the pipe fills, then the child's outbox (OUTBOX_BYTES), and the SDK's callback waits:
  receiving pauses.
- a partition closed at shutdown has its final checkpoint written before the child releases it
  (the child waits for the ack, at most ACK_SECONDS).
- two children may briefly both report a partition (a takeover), and their pipes do not keep their
  reports in time order: the last claim whose "opened" the parent reads holds it there. Batches of
  every other claim are dropped (not tracked), by the router and, should the holder change between
  the router's check and the pipeline's lookup, by the pipeline (it finds partition_claims by claim). The
  other process is usually the stale reader (its link is taken over and its SDK closes the
  partition); if instead the holder here closes it (it was the stale one), the other's next report
  makes the parent tell it to read the partition again ("fail"): it reopens it at once from the
  checkpoint (errors.ReadAgain), so no record is skipped and the partition does not wait for a
  load-balancing pass.
- parent killed: the kernel kills the child (PR_SET_PDEATHSIG), so no orphan holds partitions. The
  child compares its parent with the pid handed over at spawn, never with 1: in a container the
  parent is PID 1 (triggers/pid1.py).
- child dead: ``exit_report()`` says how (exit code or signal) and quotes the last lines of its error
  output (child_output.py), which the parent also copies to its own as they come.
- a pipeline failure for a claim (errors.BatchHandlingFailed, or errors.BatchOutOfOrder: a batch that
  does not come after the claim's last one) goes back to the child, whose next callback for that
  claim raises ReadAgain: the partition is read again from its checkpoint.
- child dead: every partition it had open is closed as lost in the parent, and ``alive`` turns
  False (the trigger then restarts collection).
- reader threads still busy when their run ended: their router is bound to that run's pipeline,
  closed by then, so what they bring goes nowhere (partition_router.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from azure_eventhub.hub.child_output import ErrorOutput
from azure_eventhub.hub.child_reports import ChildReports
from azure_eventhub.hub.consumer import ReceiverSettings
from azure_eventhub.hub.partition_router import PartitionRouter
# The child side, and what both sides share; _PipeHandler and the constants are named here too.
from azure_eventhub.hub.receiver_child import (  # noqa: F401
    ACK_SECONDS,
    HANDED_OVER,
    OUTBOX_BYTES,
    PARENT_GONE_EXIT_CODE,
    LogFunction,
    ReceiveFailure,
    _PipeHandler,
    run_child,
    run_receiver,
)

# --- parent side ---------------------------------------------------------------------------------


class ReceiverProcess:
    """One child process running an EventHubReceiver; its calls go to ``router``."""

    def __init__(
        self,
        number: int,
        settings: ReceiverSettings,
        router: PartitionRouter,
        log: LogFunction,
        owner_directory: Path | None = None,
        owner_scope: str = "",
        body: Callable[..., None] | None = None,
    ) -> None:
        """``body`` is what the child runs once its process duties are done (run_receiver; tests
        give bodies of their own to exercise those duties with real processes)."""
        self.number = number
        self._body = body or run_receiver
        self._error_output: ErrorOutput | None = None
        self._settings = settings
        self._router = router
        self._log = log
        self._owner_directory = owner_directory
        self._owner_scope = owner_scope
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection = None
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._reports = ChildReports(number, router, log, self._send)

    def start(self) -> None:
        # spawn, not fork: the parent runs threads (a forked child could inherit a held lock).
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe(duplex=True)
        errors_read, errors_write = context.Pipe(duplex=False)
        self._process = context.Process(
            target=run_child,
            args=(
                os.getpid(), errors_write, self._body, self._settings, child_end, self._owner_directory, self._owner_scope
            ),
            name=f"eventhub-receiver-{self.number}",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        errors_write.close()  # the child holds the writing end: the pipe closes when it exits
        self._error_output = ErrorOutput(errors_read)
        self._reader = threading.Thread(target=self._read, name=f"eventhub-receiver-{self.number}", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode if self._process is not None else None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_report(self) -> str:
        """How the child ended and the last lines it wrote to its error output, for the log."""
        if self._process is not None and self._process.exitcode is None:
            self._process.join(1)  # the pipe closed an instant before the kernel reported the exit
        code = self.exitcode
        if code is None:
            ended = "is still running"
        elif code < 0:
            ended = f"was killed by signal {_signal_name(-code)}"
        else:
            ended = f"exited with code {code}"
        lines = self._error_output.last_lines() if self._error_output is not None else []
        said = " | ".join(lines) if lines else "nothing"
        return f"the receiver process {self.number} {ended}; its last error output: {said}"

    def stop(self) -> None:
        """Ask the child to close its partitions (each writes its checkpoint here first) and exit."""
        self._send(("stop",))

    def join(self, seconds: float) -> bool:
        """Wait for the child to exit; kill it past ``seconds``. True if it exited by itself."""
        if self._process is None:
            return True
        self._process.join(max(0.0, seconds))
        exited = self._process.exitcode is not None
        if not exited:
            self._process.kill()
            self._process.join(2)
        if self._reader is not None:
            self._reader.join(2)
        return exited

    def _send(self, item: tuple) -> None:
        try:
            with self._send_lock:
                self._connection.send(item)
        except (OSError, ValueError):  # the child is gone: the reader has seen it or will
            pass

    def _read(self) -> None:
        reports = self._reports
        try:
            while True:
                reports.replay(self._connection.recv())
        except (EOFError, OSError):
            pass  # the child exited (or was killed)
        except Exception as error:  # a pipeline bug: the child is stopped, its partitions start over
            self._log(f"Receiver process {self.number} stopped: {type(error).__name__}: {error}", "error")
            if self._process is not None:
                self._process.kill()
        finally:
            reports.ended()
            try:
                self._connection.close()
            except OSError:
                pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
