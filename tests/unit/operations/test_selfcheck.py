"""The self-check's checks, its retry loop and the ownership-churn warning, with recording fakes; the
storage probe against Azurite."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.eventhub.exceptions import AuthenticationError, ConnectionLostError
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from azure_eventhub.operations.advice import Target
from azure_eventhub.operations.service_advice import classify_storage_error
from azure_eventhub.operations.selfcheck import (
    OwnershipChurn,
    Report,
    bounded,
    check_retention,
    check_until_passed,
    run_checks,
)
from azure_eventhub.storage import PROBE_BLOB, container_client, probe_container
from tests.stack.azurite import ACCOUNT_KEY, ACCOUNT_NAME

TARGET = Target(
    "localhost:5680",
    "hub",
    "sekoiaio",
    "http://127.0.0.1:10000/devstoreaccount1",
    "checkpoints",
    "https://intake.sekoia.io",
)


class FakeHub:
    def __init__(self, partitions=("0", "1"), listing_error=None, receiver_error=None, hang=None):
        self.partitions = list(partitions)
        self.listing_error = listing_error
        self.receiver_error = receiver_error
        self.hang = hang  # an Event: calls block until it is set
        self.opened = []

    def partition_ids(self):
        if self.hang is not None:
            self.hang.wait()
        if self.listing_error:
            raise self.listing_error
        return self.partitions

    def open_receiver(self, partition_id, seconds):
        self.opened.append(partition_id)
        return self.receiver_error


def lines(report):
    return [(finding.level, str(finding)) for finding in report.findings]


def test_every_check_passing_gives_one_info_line_each():
    hub = FakeHub()
    report = run_checks(hub, lambda: True, lambda: None, TARGET)
    assert not report.fatal and report.partition_ids == ["0", "1"] and report.container_created
    assert lines(report) == [
        (
            "info",
            "Self-check: passed: namespace localhost:5680 accepted the key (AMQP); hub hub has 2 partitions (0, 1).",
        ),
        ("info", "Self-check: passed: consumer group sekoiaio of hub hub can be read (partition 0)."),
        (
            "info",
            "Self-check: passed: container checkpoints (created now) of http://127.0.0.1:10000/devstoreaccount1 "
            "can be written.",
        ),
        ("info", "Self-check: passed: intake server https://intake.sekoia.io answers."),
    ]
    assert hub.opened == ["0"]


def test_each_failing_check_is_reported_and_the_others_still_run():
    def storage():
        raise TimeoutError("no answer within 30 s")

    def intake():
        raise ConnectionRefusedError("refused")

    hub = FakeHub(listing_error=AuthenticationError("CBS Token authentication failed.\nStatus code: 401"))
    report = run_checks(hub, storage, intake, TARGET, warnings=["The hub is in Azure China but ..."])
    assert report.fatal and hub.opened == []  # no consumer-group probe without a hub
    assert [(level, finding.field) for (level, _), finding in zip(lines(report), report.findings)] == [
        ("error", "Hub Connection String"),
        ("error", "Storage Connection String"),
        ("warning", "Intake Server"),
        ("warning", None),
    ]


def test_a_missing_consumer_group_is_fatal():
    hub = FakeHub(
        receiver_error=ConnectionLostError(
            "The messaging entity 'sb://x/hub/consumergroups/sekoiaio' "
            "could not be found.\nError condition: amqp:not-found"
        )
    )
    report = run_checks(hub, lambda: False, lambda: None, TARGET)
    assert report.fatal and report.findings[1].field == "Hub Consumer Group"


def test_a_namespace_that_never_answers_is_reported_after_the_deadline():
    release = threading.Event()
    try:
        report = run_checks(FakeHub(hang=release), lambda: False, lambda: None, TARGET, seconds=0.2)
    finally:
        release.set()
    assert report.findings[0].field == "Hub Connection String"
    assert "did not answer (no answer within 0 s)" in report.findings[0].text


def test_bounded_hands_over_the_result_or_the_error():
    assert bounded(lambda: 42, 1) == 42
    with pytest.raises(ValueError, match="bad"):
        bounded(lambda: (_ for _ in ()).throw(ValueError("bad")), 1)


def test_a_fatal_self_check_runs_again_slowly_until_it_passes():
    outcomes = iter([True, True, True, False])  # fatal three times, then fixed in Azure
    logged, waits, alive = [], [], []

    def run():
        report = Report()
        if next(outcomes):
            report.findings.append(classify_storage_error(TimeoutError("no answer"), TARGET))
        return report

    report = check_until_passed(
        run, lambda text, level: logged.append(level), lambda s: waits.append(s) and False, lambda: alive.append(1)
    )
    assert report is not None and not report.fatal
    assert waits == [10.0, 20.0, 40.0]
    assert logged.count("error") == 6  # each failure, and the "checking again" line
    assert len(alive) >= 4  # liveness stays green while waiting for a fix


def test_stopping_while_waiting_for_a_fix_ends_the_self_check():
    def run():
        return Report([classify_storage_error(TimeoutError("x"), TARGET)])

    assert check_until_passed(run, lambda *_: None, lambda seconds: True) is None


def test_the_retention_check_reads_only_checkpointed_partitions_and_skips_failures():
    calls = []

    def partition_range(partition_id):
        calls.append(partition_id)
        if partition_id == "1":
            raise ConnectionError("down")
        return (100, 200)

    findings = check_retention({"0": 10, "1": 5}, partition_range, TARGET, seconds=1)
    assert sorted(calls) == ["0", "1"]
    assert len(findings) == 1 and "89 events were deleted" in findings[0].text


def test_partitions_taken_again_and_again_warn_once_per_window():
    churn = OwnershipChurn("sekoiaio", window=600, threshold=3)
    assert churn.lost("0", now=0) is None
    assert churn.lost("1", now=5) is None  # replicas sharing partitions: one move each
    assert churn.lost("0", now=10) is None
    warning = churn.lost("0", now=20)
    assert warning is not None and warning.level == "warning" and warning.field == "Hub Consumer Group"
    assert "losses in the last 10 minutes, per partition: 0: 3, 1: 1" in warning.text
    assert "another application may be reading with the same consumer group sekoiaio" in warning.text
    assert churn.lost("0", now=30) is None  # once per window
    assert [churn.lost("2", now=t) is None for t in (640, 650, 660)] == [True, True, False]  # a new window


def test_losses_older_than_the_window_are_forgotten():
    churn = OwnershipChurn("cg", window=60, threshold=3)
    assert [churn.lost("0", now=t) for t in (0, 61, 122)] == [None, None, None]


# --- the storage probe, against Azurite -------------------------------------------------------------


def new_container(azurite, connection_string=None):
    name = f"selfcheck-{uuid.uuid4().hex[:10]}"
    return name, container_client(connection_string or azurite.connection_string, name)


def container_sas(azurite, name, **permissions):
    signature = generate_container_sas(
        ACCOUNT_NAME,
        name,
        account_key=ACCOUNT_KEY,
        permission=ContainerSasPermissions(**permissions),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"BlobEndpoint={azurite.blob_endpoint};SharedAccessSignature={signature}"


def test_the_storage_probe_creates_the_container_writes_and_cleans_up(azurite):
    name, client = new_container(azurite)
    assert probe_container(client) is True
    assert probe_container(client) is False  # exists already
    assert not [blob.name for blob in client.list_blobs(name_starts_with=PROBE_BLOB)]


def test_the_storage_probe_fails_as_the_classification_expects(azurite):
    name, client = new_container(azurite)
    client.create_container()
    read_only = container_client(container_sas(azurite, name, read=True, list=True), name)
    with pytest.raises(Exception) as caught:
        probe_container(read_only)
    assert classify_storage_error(caught.value, TARGET).text.startswith("these credentials may not list and write")

    missing = f"selfcheck-{uuid.uuid4().hex[:10]}"
    scoped = container_client(container_sas(azurite, missing, read=True, write=True, list=True, create=True), missing)
    with pytest.raises(Exception) as caught:
        probe_container(scoped)
    assert classify_storage_error(caught.value, TARGET).field == "Storage Container Name"


def test_a_container_sas_without_delete_is_enough(azurite):
    name, client = new_container(azurite)
    client.create_container()
    without_delete = container_client(
        container_sas(azurite, name, read=True, write=True, list=True, add=True, create=True), name
    )
    assert probe_container(without_delete) is False
