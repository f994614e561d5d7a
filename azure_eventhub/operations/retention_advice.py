"""Records lost to the hub's retention while nobody read: each checkpoint against what the hub still
retains. Pure.
"""

from __future__ import annotations

from azure_eventhub.operations.advice import Finding, Target, warning


def retention_findings(
    checkpoints: dict[str, int], ranges: dict[str, tuple[int, int]], target: Target
) -> list[Finding]:
    """Compare each partition's checkpoint (sequence number) with what the hub retains:
    ``ranges[partition] = (beginning sequence number, last enqueued sequence number)``."""
    findings = []
    for partition_id in sorted(checkpoints, key=partition_order):
        if partition_id not in ranges:
            continue
        checkpoint = checkpoints[partition_id]
        beginning, last = ranges[partition_id]
        if checkpoint + 1 < beginning:
            lost = beginning - checkpoint - 1
            findings.append(
                warning(
                    None,
                    f"partition {partition_id} of hub {target.hub_name}: its checkpoint "
                    f"(sequence number {checkpoint}) "
                    f"is older than the oldest event the hub still retains (sequence number {beginning}): {lost} "
                    f"events were deleted by the hub's retention before this consumer group read them",
                    "they cannot be read again; collection resumes at the oldest retained event. Keep the trigger "
                    "running, or raise the hub's retention (Event Hubs namespace > Event Hubs > your hub > "
                    "Configuration)",
                )
            )
        elif last >= 0 and checkpoint > last:
            findings.append(
                warning(
                    None,
                    f"partition {partition_id} of hub {target.hub_name}: its checkpoint "
                    f"(sequence number {checkpoint}) "
                    f"is beyond the last event of the partition (sequence number {last}): the hub was probably "
                    "deleted and created again",
                    f"delete the checkpoint blobs of this hub in the container {target.container} (their names start "
                    f"with {target.hub_namespace}/{target.hub_name.lower()}/"
                    f"{target.consumer_group.lower()}/checkpoint/)",
                )
            )
    return findings


def partition_order(partition_id: str) -> tuple[int, str]:
    return (int(partition_id), "") if partition_id.isdigit() else (1 << 30, partition_id)
