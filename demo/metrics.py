"""The module's own figures, read from its Prometheus metrics port (azure_eventhub_* metrics, named in
azure_eventhub/core/metrics.py and fed by the library and triggers/intake_sender.py)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

# The intake's refusals of a chunk's content (ChunkRejected): the chunk is split, its bad records
# dead-lettered. Every other outcome but "accepted" (429, 5xx, 401/403/404, "unreachable") is a
# request retried. A 400 from a proxy, retried whole, is counted as refused too: the metric keeps
# only the status.
REFUSED_OUTCOMES = frozenset({"400", "413", "422"})


@dataclass(frozen=True)
class ModuleFigures:
    messages_received: float = 0
    records_forwarded: float = 0
    partitions_owned: float = 0
    lag_events: float = 0  # summed over the partitions
    lag_seconds: float = 0  # the worst partition
    chunks_refused: float = 0  # intake requests refused for their content
    chunks_retried: float = 0  # intake requests that failed and are sent again
    records_dead_lettered: float = 0
    receive_errors: float = 0  # Event Hubs errors after which the client reconnects
    failed_writes: float = 0  # checkpoint and dead-letter writes that failed (both retried)
    pipeline_failures: float = 0  # unexpected errors; the partition is read again from its checkpoint
    answered: bool = False  # False: the metrics port did not answer (yet)

    @property
    def errors(self) -> int:
        return int(
            self.chunks_refused + self.chunks_retried + self.records_dead_lettered + self.receive_errors
            + self.failed_writes + self.pipeline_failures
        )  # fmt: skip

    def errors_text(self) -> str:
        """ "0 errors: 0 refused, 0 retried, 0 dead-lettered", plus the rarer kinds when they occur."""
        text = (
            f"{self.errors} errors: {self.chunks_refused:.0f} chunks refused, {self.chunks_retried:.0f} retried, "
            f"{self.records_dead_lettered:.0f} records dead-lettered"
        )
        rarer = [
            (self.receive_errors, "Event Hubs receive errors"),
            (self.failed_writes, "failed storage writes"),
            (self.pipeline_failures, "pipeline failures"),
        ]
        return text + "".join(f", {count:.0f} {name}" for count, name in rarer if count)


def read_figures(text: str) -> ModuleFigures:
    """Sums the samples of each metric; the labels (the intake key among them) are never kept."""
    if not text:
        return ModuleFigures()
    sums: dict[str, float] = {}
    worst_lag = refused = retried = failed_checkpoints = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
            if sample.name == "azure_eventhub_lag_seconds":
                worst_lag = max(worst_lag, sample.value)
            elif sample.name == "azure_eventhub_chunks_total":
                outcome = sample.labels.get("outcome")
                if outcome in REFUSED_OUTCOMES:
                    refused += sample.value
                elif outcome != "accepted":
                    retried += sample.value
            elif sample.name == "azure_eventhub_checkpoint_writes_total" and sample.labels.get("result") == "failed":
                failed_checkpoints += sample.value
    return ModuleFigures(
        messages_received=sums.get("azure_eventhub_messages_received_total", 0),
        records_forwarded=sums.get("azure_eventhub_records_forwarded_total", 0),
        partitions_owned=sums.get("azure_eventhub_partitions_owned", 0),
        lag_events=sums.get("azure_eventhub_lag_events", 0),
        lag_seconds=worst_lag,
        chunks_refused=refused,
        chunks_retried=retried,
        records_dead_lettered=sums.get("azure_eventhub_records_dead_lettered_total", 0),
        receive_errors=sums.get("azure_eventhub_receive_errors_total", 0),
        failed_writes=failed_checkpoints + sums.get("azure_eventhub_dead_letter_failures_total", 0),
        pipeline_failures=sums.get("azure_eventhub_pipeline_failures_total", 0),
        answered=True,
    )
