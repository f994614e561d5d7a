"""The module's own figures, read from its Prometheus metrics port (azure_eventhub_* metrics)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class ModuleFigures:
    messages_received: float = 0
    records_forwarded: float = 0
    partitions_owned: float = 0
    lag_events: float = 0  # summed over the partitions
    lag_seconds: float = 0  # the worst partition
    answered: bool = False  # False: the metrics port did not answer (yet)


def read_figures(text: str) -> ModuleFigures:
    """Sums the samples of each metric; the labels (the intake key among them) are never kept."""
    if not text:
        return ModuleFigures()
    sums: dict[str, float] = {}
    worst_lag = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
            if sample.name == "azure_eventhub_lag_seconds":
                worst_lag = max(worst_lag, sample.value)
    return ModuleFigures(
        messages_received=sums.get("azure_eventhub_messages_received_total", 0),
        records_forwarded=sums.get("azure_eventhub_records_forwarded_total", 0),
        partitions_owned=sums.get("azure_eventhub_partitions_owned", 0),
        lag_events=sums.get("azure_eventhub_lag_events", 0),
        lag_seconds=worst_lag,
        answered=True,
    )
