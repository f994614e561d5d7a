"""The demo of the README's Quick start, run as a user runs it (a subprocess), on the local stack."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from azure_eventhub.decoding.message import decode_message
from demo.payloads import BodyMaker, fresh_time
from demo.stack import HUB, LocalStack
from demo.stream import Stream
from demo.tally import category_of
from tests.stack.paths import REPO_ROOT
from tests.stack.ports import free_port
from tests.stack.secrets_scan import find_secrets
from tests.stack.waiting import wait_until

O365_AND_AZURE_CATEGORIES = {
    "Office 365 Exchange",
    "Office 365 SharePoint",
    "Office 365 AzureActiveDirectory",
    "Office 365 MicrosoftTeams",
    "SignInLogs",
    "AuditLogs",
    "Administrative",
}


class Demo:
    """`python -m demo ...` in a session of its own, its output in a file (never a full pipe)."""

    def __init__(self, tmp_path: Path, *arguments: str) -> None:
        self.output_path = tmp_path / "demo.out"
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "demo", *arguments],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """What the demo says it started ("Started: emulator pid N ..., module pid N")."""
        started = next((line for line in self.output().splitlines() if line.startswith("Started:")), "")
        return {name: int(pid) for name, pid in re.findall(r"(\w+) pid (\d+)", started)}

    def delivered_rates(self) -> list[float]:
        """The rates of the progress lines (the output is a file, not a terminal)."""
        return [
            float(rate)
            for rate in re.findall(r"^\[\d\d:\d\d\] delivered \d+ records \(([\d.]+)/s\)", self.output(), re.M)
        ]

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the demo did not exit within {timeout} s:\n{self.output()[-4000:]}") from None

    def kill(self) -> None:
        """After a failure: SIGKILL the demo's group and the sessions of what it started."""
        for pid in {self.process.pid, *self.pids().values()}:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait(10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_all_gone(pids: dict[str, int]) -> None:
    assert set(pids) >= {"emulator", "azurite", "module"}, pids
    # The demo waited for its children, so their pids are free (no zombie to tell apart).
    assert [name for name, pid in pids.items() if alive(pid)] == []


def summary(output: str) -> dict[str, int]:
    match = re.search(r"^Summary: produced (\d+) records .* delivered (\d+) records", output, re.M)
    assert match, output[-3000:]
    return {"produced": int(match.group(1)), "delivered": int(match.group(2))}


def delivered_by_category(output: str) -> dict[str, int]:
    match = re.search(r"^Delivered by category: (\{.*\})$", output, re.M)
    assert match, output[-3000:]
    return json.loads(match.group(1))


def test_the_stream_s_messages_decode_into_new_records_of_every_source():
    maker = BodyMaker(seed=7)
    messages = [maker.message() for _ in range(300)]
    records = []
    for body, count in messages:
        decoded = decode_message(body.encode())
        assert len(decoded.records) == count and decoded.dead_letter is None
        records += [json.loads(record.text) for record in decoded.records]
    assert O365_AND_AZURE_CATEGORIES <= {category_of(json.dumps(record)) for record in records}
    ids = [
        record.get("Id") or (record.get("properties") or {}).get("id") or record["correlationId"] for record in records
    ]
    assert len(set(ids)) == len(ids)  # fresh ids: the intake sees every record as new
    assert all(not record.get("time", "9").startswith("2024") for record in records)
    assert decode_message(maker.heartbeat().encode()).outcomes == {"heartbeat": 1}


@pytest.mark.parametrize(
    "template, expected",
    [
        ("2024-05-02T08:14:33", "2026-11-25T15:45:41"),
        ("2024-05-02T07:59:58.1234567Z", "2026-11-25T15:45:41.1234560Z"),
        ("2024-05-02T07:59:58.12Z", "2026-11-25T15:45:41.12Z"),
        ("not a time", "not a time"),
    ],
)
def test_fresh_times_keep_the_template_s_format(template, expected):
    now = datetime(2026, 11, 25, 15, 45, 41, 123456, tzinfo=timezone.utc)
    assert fresh_time(template, now) == expected


def test_the_demo_streams_logs_through_the_trigger_and_stops_everything_it_started(tmp_path):
    demo = Demo(tmp_path, "--duration", "25")
    try:
        returncode = demo.wait(timeout=240)
    finally:
        if demo.process.poll() is None:
            demo.kill()
    output = demo.output()
    assert returncode == 0, output[-4000:]
    rates = demo.delivered_rates()
    assert max(rates) > 0, output[-4000:]
    # Not a terminal: a progress line every 5 s, no screen redrawn, and a healthy run says so.
    assert 3 <= len(rates) <= 5 and "\x1b[" not in output, output[-4000:]
    assert "; 0 errors: 0 chunks refused, 0 retried, 0 records dead-lettered" in output, output[-4000:]
    assert O365_AND_AZURE_CATEGORIES <= set(delivered_by_category(output))
    assert_all_gone(demo.pids())
    figures = summary(output)
    print(f"\n[figures] demo --duration 25: {figures}, peak {max(rates):.0f} records/s, progress lines {len(rates)}")
    assert figures["delivered"] > 0


@pytest.mark.slow
def test_ctrl_c_stops_the_module_then_the_stack_and_prints_a_summary(tmp_path):
    demo = Demo(tmp_path)
    try:
        wait_until(lambda: any(rate > 0 for rate in demo.delivered_rates()), 120, 0.5, "no record delivered")
        # What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        began = time.monotonic()
        os.killpg(demo.process.pid, signal.SIGINT)
        returncode = demo.wait(timeout=90)
    finally:
        if demo.process.poll() is None:
            demo.kill()
    output = demo.output()
    assert returncode == 0, output[-4000:]
    assert_all_gone(demo.pids())
    figures = summary(output)
    print(f"\n[figures] Ctrl-C: stopped in {time.monotonic() - began:.1f} s, {figures}")


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "cannot read it"),
        ("{hub_name: o365-event", "not valid JSON"),
        ('["hub_connection_string"]', "expected a JSON object"),
        ('{"hub_name": "o365-event", "intake_keys": "x"}', "unknown argument(s) intake_keys"),
        ("MISSING_INTAKE_KEY", "Intake Key: missing"),
    ],
    ids=["missing-file", "not-json", "not-an-object", "misspelt-argument", "missing-intake-key"],
)
def test_the_config_file_mode_refuses_a_bad_file_naming_the_problem(tmp_path, content, expected):
    secret = (
        "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0LWtleQ=="
    )
    path = tmp_path / "my-config.json"
    if content == "MISSING_INTAKE_KEY":
        content = json.dumps(
            {
                "hub_connection_string": secret,
                "hub_name": "o365-event",
                "storage_connection_string": "AccountName=contoso;AccountKey=c3RvcmFnZS1rZXk=",
                "storage_container_name": "eventhub-checkpoints",
            }
        )
    if content is not None:
        path.write_text(content)
    completed = subprocess.run(
        [sys.executable, "-m", "demo", str(path), "--duration", "5"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stderr.startswith(f"demo: {path}: ") and expected in completed.stderr, completed.stderr
    assert "Started:" not in completed.stdout
    assert not find_secrets({"demo output": completed.stdout + completed.stderr}, [secret, "c3RvcmFnZS1rZXk="])


def test_the_config_file_mode_stops_with_the_advice_in_full_after_the_first_failed_self_check(tmp_path):
    """The trigger checks again and again until its services answer; the demo, a command, stops."""
    closed_port = free_port()  # nothing listens there: every connection is refused at once
    hub_key, storage_key = "c2VjcmV0LWtleQ==", "c3RvcmFnZS1rZXk="
    configuration = {
        "hub_connection_string": f"Endpoint=sb://127.0.0.1:{closed_port}/;SharedAccessKeyName=listen;"
        f"SharedAccessKey={hub_key}",
        "hub_name": "o365-event",
        "storage_connection_string": f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={storage_key};BlobEndpoint=http://127.0.0.1:{closed_port}/devstoreaccount1;",
        "storage_container_name": "eventhub-checkpoints",
        "intake_key": "an-intake-key",
        "intake_server": f"http://127.0.0.1:{closed_port}",
    }
    (tmp_path / "my-config.json").write_text(json.dumps(configuration))
    demo = Demo(tmp_path, str(tmp_path / "my-config.json"), "--duration", "300")
    try:
        returncode = demo.wait(timeout=120)
    finally:
        if demo.process.poll() is None:
            demo.kill()
    output = demo.output()
    assert returncode == 1, output[-4000:]
    assert re.search(r"^Problem: the self-check failed \(above\)\.", output, re.M), output[-4000:]
    # The findings in full, on one line each (not a terminal): the field, what failed, the fix.
    findings = output[output.index("The self-check's findings:") :]
    hub = re.search(r"^  \S+ ERROR +Self-check: Hub Connection String: cannot connect .* Fix: .*\S$", findings, re.M)
    assert hub and "Networking" in hub.group(0), findings
    assert not alive(demo.pids()["module"])
    assert not find_secrets({"demo output": output}, [hub_key, storage_key, "an-intake-key"])


@pytest.mark.slow
def test_the_config_file_mode_runs_the_trigger_and_shows_its_figures_without_a_secret(tmp_path):
    """A hub, storage and intake that are not the demo's own: the local stack started here."""
    stack = LocalStack(tmp_path / "stack").start()
    stream = None
    try:
        stream = Stream(stack.producer_connection_string, HUB, 4, rate=100).start()
        configuration = {
            "hub_connection_string": stack.emulator.connection_string(policy="listen-policy"),
            "hub_name": HUB,
            "storage_connection_string": stack.azurite.connection_string,
            "storage_container_name": "remote-demo",
            "intake_key": stack.intake_key,
            "intake_server": stack.platform_fake.url,
        }
        (tmp_path / "my-config.json").write_text(json.dumps(configuration))
        demo = Demo(tmp_path, str(tmp_path / "my-config.json"), "--duration", "15")
        try:
            returncode = demo.wait(timeout=120)
        finally:
            if demo.process.poll() is None:
                demo.kill()
    finally:
        if stream is not None:
            stream.stop()
        stack.stop()
    output = demo.output()
    assert returncode == 0, output[-4000:]
    forwarded = re.search(r"^Summary: the module forwarded at least (\d+) records", output, re.M)
    assert forwarded and int(forwarded.group(1)) > 0, output[-4000:]
    assert re.search(r"^\[\d\d:\d\d\] forwarded \d+ records .*; 4 partitions owned, ", output, re.M), output[-4000:]
    assert not alive(demo.pids()["module"])
    secrets = [value for name, value in configuration.items() if name.endswith(("connection_string", "key"))]
    assert not find_secrets({"demo output": output}, secrets)
    print(f"\n[figures] config-file mode: forwarded {forwarded.group(1)} records in 15 s")
