"""Entra ID sign-in end to end (issue 16): the module, configured through the form with an
application's client secret or certificate, collects from the hub and keeps its checkpoints in the
storage account, each side signing in or using its connection string independently. The secret
scan at teardown includes the client secret, the certificate's key and its password, and every
bearer token the authority issued."""

from __future__ import annotations

import pytest

# The production side of issue 16 (branch h7): until it is merged these tests have nothing to run.

from tests.e2e.entra_fixtures import entra_e2e_emulator, entra_hub_pool, make_entra_stack  # noqa: F401
from tests.stack.entra_fixtures import authority, azurite_oauth, test_ca  # noqa: F401
from tests.stack.waiting import wait_until

SET_UPS = [
    pytest.param("entra", "entra", "secret", id="client secret, hub and storage"),
    pytest.param("entra", "entra", "certificate", id="certificate, hub and storage"),
    pytest.param("entra", "key", "secret", id="hub by Entra ID, storage by connection string"),
    pytest.param("key", "entra", "certificate", id="hub by connection string, storage by Entra ID"),
]


@pytest.mark.parametrize("hub_auth, storage_auth, credential", SET_UPS)
def test_records_are_delivered_and_checkpointed(
    make_entra_stack, authority, hub_auth, storage_auth, credential
):  # noqa: F811
    stack = make_entra_stack(hub_auth=hub_auth, storage_auth=storage_auth, credential=credential)
    if hub_auth == "entra":
        stack.assign("Receiver")
    ids = stack.spread_records(40, 4)

    module = stack.module()

    stack.wait_delivered(ids, timeout=120)
    wait_until(
        lambda: stack.checkpoints() == {"0": 9, "1": 9, "2": 9, "3": 9},
        60,
        message=lambda: f"checkpoints {stack.checkpoints()}",
    )
    assert authority.tokens_issued(stack.app.client_id) >= 1
    requested = {r["scope"] for r in authority.requests() if r["client_id"] == stack.app.client_id}
    expected = set()
    if hub_auth == "entra":
        expected.add("https://eventhubs.azure.net//.default")
    if storage_auth == "entra":
        expected.add("https://storage.azure.com/.default")
    assert {scope for scope in requested if "/.default" in scope} >= expected
    assert not [line for line in stack.log_messages() if line.startswith("Self-check failed")]
    stack.stop(module)
    assert len(stack.delivered_ids()) >= len(ids)
