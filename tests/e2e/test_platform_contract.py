"""The platform's side of the contract: secrets reach the trigger only through the secrets URL, and a
wrong setting is reported once, as a critical line naming the form field and the fix, while the
process idles until the platform stops it."""

import json
import time
from pathlib import Path

import pytest

from tests.e2e.harness import INTAKE_KEY, SECRET_FIELDS, new_record
from tests.stack.module_process import PLACEHOLDER
from tests.stack.secrets_scan import find_secrets
from tests.stack.waiting import wait_until


def process_environment(module) -> dict[str, str]:
    """The environment the running process really got (not what the harness meant to give)."""
    raw = Path(f"/proc/{module.pid}/environ").read_bytes()
    return dict(entry.split("=", 1) for entry in raw.decode(errors="replace").split("\0") if "=" in entry)


def test_secrets_come_from_the_secrets_url_not_the_configuration(stack):
    module = stack.module(chunk_size=10)
    configuration = json.loads(process_environment(module)["TRIGGER_CONFIGURATION"])
    assert {name: configuration[name] for name in SECRET_FIELDS if name in configuration} == {
        "hub_connection_string": PLACEHOLDER,
        "storage_connection_string": PLACEHOLDER,
        "intake_key": PLACEHOLDER,
    }
    assert not find_secrets({"TRIGGER_CONFIGURATION": json.dumps(configuration)}, stack.secrets())

    # Records arriving prove the real values reached the trigger: the hub and the storage account
    # were opened, and the intake got the real key.
    ids = stack.send_records([new_record() for _ in range(5)])
    stack.wait_delivered(ids)
    assert {chunk["intake_key"] for chunk in stack.platform.chunks()} == {INTAKE_KEY}
    stack.stop(module)


def test_the_intake_key_and_server_are_sent_as_validated(stack):
    # Issue 14, path 5: pasted with stray whitespace (a new line after the key, a space after the
    # server), they reach the intake trimmed, as validate() returns them, not as the form holds them.
    module = stack.module(chunk_size=10, intake_key=INTAKE_KEY + "\n", intake_server=stack.platform.intake_url + " ")
    ids = stack.send_records([new_record() for _ in range(5)])
    stack.wait_delivered(ids, timeout=30)
    assert {(chunk["intake_key"], chunk["path"]) for chunk in stack.platform.chunks()} == {(INTAKE_KEY, "/batch")}
    stack.stop(module)


def _other_hub(stack) -> dict:
    connection_string = stack.emulator.connection_string(hub="e2e-some-other-hub", policy="listen-policy")
    stack.extra_secrets.append(connection_string)
    return {"hub_connection_string": connection_string}


def _proxy_with_password(stack) -> str:
    stack.extra_secrets.append("pr0xy-secret-e2e-41b7")  # scanned for: the refusal must not echo it
    return "http://collector:pr0xy-secret-e2e-41b7@127.0.0.1:3128"


WRONG_SETTINGS = {
    "chunk_size_0": (
        lambda stack: {"chunk_size": 0},
        "Chunk Size: got 0; enter a whole number of records between 1 and 10000",
    ),
    "entity_path_of_another_hub": (
        _other_hub,
        "Hub Name: the Hub Connection String is for the hub 'e2e-some-other-hub' (its EntityPath), not '{hub}'; "
        "set Hub Name to 'e2e-some-other-hub' or paste the connection string of a policy of '{hub}'",
    ),
    "container_name_with_capitals": (
        lambda stack: {"storage_container_name": "Bad_Name"},
        "Storage Container Name: got 'Bad_Name'; use 3 to 63 lowercase letters, digits and hyphens",
    ),
    "transport_amqp_with_proxy_url": (
        lambda stack: {"proxy_url": _proxy_with_password(stack)},
        "Transport: amqp cannot go through the Proxy URL (the Event Hubs client sends AMQP over WebSockets "
        "whenever a proxy is set); choose websocket, or clear Proxy URL",
    ),
    "intake_server_not_http": (
        lambda stack: {"intake_server": "ftp://x"},
        "Intake Server: got 'ftp://x'; enter an http(s) URL such as https://intake.sekoia.io",
    ),
}


def cpu_seconds(module) -> float:
    fields = Path(f"/proc/{module.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


@pytest.mark.parametrize("case", WRONG_SETTINGS, ids=list(WRONG_SETTINGS))
def test_a_wrong_setting_is_one_critical_line_and_the_process_idles_until_sigterm(stack, case):
    overrides, expected = WRONG_SETTINGS[case]
    expected = expected.format(hub=stack.hub)
    module = stack.module(**overrides(stack))
    wait_until(
        lambda: [line for line in stack.platform.logs() if line["level"] == "critical"],
        60,
        message="a critical log line",
    )

    # Keeps running, idle: observed for a few seconds (a crash or a restart loop would show here).
    cpu_before, observed_from = cpu_seconds(module), time.monotonic()
    wait_until(lambda: not module.running or time.monotonic() - observed_from > 3, 10, interval=0.2)
    assert module.running, module.output()[-3000:]
    cpu = (cpu_seconds(module) - cpu_before) / (time.monotonic() - observed_from)
    seconds = stack.stop(module)  # also flushes every log line still batched

    critical = [line["message"] for line in stack.platform.logs() if line["level"] == "critical"]
    print(f"\n[figures] {case}: {critical}; idle CPU {cpu:.0%}; exit {seconds:.1f} s after SIGTERM")
    assert len(critical) == 1 and critical[0].startswith(expected), critical
    assert not [line for line in stack.platform.logs() if line["level"] == "error"]
    assert cpu < 0.1
    assert seconds < 10
    assert not stack.platform.chunks()
