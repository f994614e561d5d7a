"""No secret in what third-party code writes (issue 14, path 6).

azure-core, azure-storage, urllib3 and the checkpoint store log request URLs and exception texts: with
a storage connection string holding a SAS, every URL carries its signature (`sig=`). The trigger's
process also turns log lines into Sentry breadcrumbs and events, and settings refused at validation
were echoed as typed. Each test runs the module as the platform does, with a Sentry DSN pointing at a
local endpoint that records what would be sent, and scans stdout and stderr (both processes), the logs
URL, the metrics and the Sentry envelopes.

What leaked on main (both tests failed there): the Sentry envelopes (sentry_sdk's HTTP breadcrumbs
keep each storage request's query, so the SAS), and a refused Intake Server or Custom Endpoint
Address, echoed with its password on stdout, on the logs URL and to Sentry. With the pinned
azure-core (urllib3 retries off), a connection error names host and port, not the URL; the receiver
process's lines are checked all the same (they are the ones a newer library would leak first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

from tests.e2e.faults import storage_stack  # noqa: F401 (a fixture)
from tests.e2e.harness import INTAKE_KEY, new_record
from tests.stack.azurite import ACCOUNT_KEY, ACCOUNT_NAME
from tests.stack.secrets_scan import find_secrets
from tests.stack.sentry_fake import SentryFake
from tests.stack.waiting import wait_until

URL_USER = "sekoia-user"
URL_PASSWORD = "url-pa55word-7c1e9d"  # long enough for the scan (8+), unlike any other text


@pytest.fixture
def sentry() -> Iterator[SentryFake]:
    with SentryFake() as fake:
        yield fake


def account_sas_connection_string(blob_endpoint: str) -> str:
    """A connection string with an account SAS (no key), as Azure's portal generates it."""
    signature = generate_account_sas(
        ACCOUNT_NAME,
        ACCOUNT_KEY,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"BlobEndpoint={blob_endpoint};SharedAccessSignature={signature}"


def metric(module, name: str, labels: str = "") -> float:
    pattern = re.compile(rf"^{re.escape(name)}\{{[^}}]*{re.escape(labels)}[^}}]*\}} (\S+)$", re.M)
    return sum(float(value) for value in pattern.findall(module.metrics()))


def scan(stack, sentry: SentryFake) -> list[str]:
    """Every place a secret was found: outputs, logs URL, metrics (the intake key is their label), Sentry."""
    for module in stack.modules:
        if module.running:
            stack.stop(module)
    texts = {f"{module.name} output": module.output() for module in stack.modules}
    texts["logs URL"] = "\n".join(stack.log_messages())
    texts["Sentry"] = sentry.text()
    leaks = find_secrets(texts, stack.secrets())
    metrics = {f"{module.name} metrics": getattr(module, "last_metrics", "") for module in stack.modules}
    return leaks + find_secrets(metrics, [secret for secret in stack.secrets() if secret != INTAKE_KEY])


def critical_line(stack, start: str) -> str:
    def found() -> str:
        return next((line for line in stack.log_messages() if line.startswith(start)), "")

    return wait_until(found, 60, message=lambda: f"no line starting {start!r}: {stack.log_messages()[-5:]}")


def test_settings_with_credentials_and_unreachable_sas_storage_leak_nothing(stack, sentry):
    env = {"SENTRY_DSN": sentry.dsn}
    stack.extra_secrets += [URL_PASSWORD]
    # Each module fetches its secrets at start: the next one is set up once the previous one has them.
    stack.module(
        "intake-server", extra_env=env, intake_server=f"https://{URL_USER}:{URL_PASSWORD}@intake.example.com/"
    )
    critical_line(stack, "Intake Server:")
    stack.module(
        "endpoint", extra_env=env, custom_endpoint_address=f"sb://{URL_USER}:{URL_PASSWORD}@gateway.example.com:443"
    )
    critical_line(stack, "Custom Endpoint Address:")
    # Storage that cannot be reached: every attempt fails with a connection error naming the URL.
    sas = account_sas_connection_string("http://127.0.0.1:9/devstoreaccount1")
    stack.extra_secrets.append(sas)
    stack.module("sas-unreachable", extra_env=env, storage_connection_string=sas)
    critical_line(stack, "Self-check: Storage Connection String: cannot connect")
    wait_until(lambda: "Self-check failed" in sentry.text(), 30, message="nothing reached the Sentry endpoint")

    leaks = scan(stack, sentry)

    assert not leaks, f"secrets leaked: {leaks}"


def test_a_sas_storage_outage_leaks_nothing_from_either_process(storage_stack, sentry):  # noqa: F811
    stack = storage_stack
    sas = account_sas_connection_string(stack.azurite.blob_endpoint)
    stack.extra_secrets.append(sas)
    ids = stack.send_records([new_record() for _ in range(20)])
    module = stack.module(extra_env={"SENTRY_DSN": sentry.dsn}, storage_connection_string=sas)
    stack.wait_delivered(ids)  # the SAS works: ownership, checkpoints and the container through it

    stack.azurite.stop()
    # The trigger's process fails its checkpoint writes; the receiver process its ownership renewals.
    wait_until(
        lambda: metric(module, "azure_eventhub_checkpoint_writes_total", 'result="failed"') >= 1
        and metric(module, "azure_eventhub_receive_errors_total") >= 1,
        90,
        interval=1,
        message="storage errors not seen in both processes",
    )
    stack.send_records([new_record() for _ in range(5)])
    wait_until(lambda: sentry.bodies(), 30, message="nothing reached the Sentry endpoint")

    leaks = scan(stack, sentry)

    assert not leaks, f"secrets leaked: {leaks}"
    # Not clean by silence: the receiver process's own lines (its redacting handler) are there, and
    # the storage requests Sentry recorded as breadcrumbs kept their query, signature masked.
    assert re.search(r"receiver process \d+ - azure\.eventhub\S* - WARNING - ", module.output())
    queries = re.findall(r'"http\.query":\s*"([^"]*)"', sentry.text())
    assert any(query.endswith("&***") or "sig=***" in query for query in queries), queries
