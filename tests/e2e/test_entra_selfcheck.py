"""Each Entra ID sign-in failure, produced for real against the local authority and emulator,
gives its one self-check line naming the field to fix (issue 16); the lines are printed as the
user reads them (the playbook log, through the logs URL)."""

from __future__ import annotations

import uuid

import pytest

# The production side of issue 16 (branch h7): until it is merged these tests have nothing to run.

from tests.e2e.entra_fixtures import entra_e2e_emulator, entra_hub_pool, make_entra_stack  # noqa: F401
from tests.stack.entra_fixtures import authority, azurite_oauth, test_ca  # noqa: F401
from tests.stack.waiting import wait_until


def _first_round(stack) -> list[str]:
    """The self-check lines logged before the first 'Self-check failed' line."""

    def lines() -> list[str]:
        messages = stack.log_messages()
        end = next((i for i, line in enumerate(messages) if line.startswith("Self-check failed")), None)
        return [line for line in messages[:end] if line.startswith("Self-check:")] if end is not None else []

    return wait_until(lines, 90, message=lambda: f"no failed self-check: {stack.log_messages()[-8:]}")


def _expired_secret(stack, authority):  # noqa: F811
    app = authority.register(tenant_id=stack.app.tenant_id, secret="expired-secret-value-9", secret_expires_at=1)
    return {"client_id": app.client_id, "client_secret": "expired-secret-value-9"}


def _unregistered_certificate(stack, authority):  # noqa: F811
    stack.certificate = stack.ca.client_certificate("never-registered")
    return {}


def _expired_certificate(stack, authority):  # noqa: F811
    old = stack.ca.client_certificate("expired", expired=True)
    app = authority.register(tenant_id=stack.app.tenant_id, certificate=old)
    stack.certificate = old
    return {"client_id": app.client_id}


FAILURES = [
    pytest.param("secret", lambda s, a: {"tenant_id": str(uuid.uuid4())}, "Tenant ID", id="unknown tenant"),
    pytest.param("secret", lambda s, a: {"client_id": str(uuid.uuid4())}, "Client ID", id="unknown application"),
    pytest.param("secret", lambda s, a: {"client_secret": "wrong-secret-value-4"}, "Client Secret", id="wrong secret"),
    pytest.param("secret", _expired_secret, "Client Secret", id="expired secret"),
    pytest.param("certificate", _unregistered_certificate, "Client Certificate", id="certificate not registered"),
    pytest.param("certificate", _expired_certificate, "Client Certificate", id="certificate expired"),
    pytest.param("secret", lambda s, a: {"authority_host": "https://localhost:9"}, "Authority Host", id="unreachable"),
]


@pytest.mark.parametrize("credential, arrange, field", FAILURES)
def test_a_sign_in_failure_gives_one_line_naming_its_field(
    make_entra_stack, authority, credential, arrange, field
):  # noqa: F811
    stack = make_entra_stack(hub_auth="entra", storage_auth="key", credential=credential)
    stack.assign("Receiver")
    overrides = arrange(stack, authority)
    stack.extra_secrets += [value for key, value in overrides.items() if key == "client_secret"]

    stack.module(**overrides)

    lines = _first_round(stack)
    print(f"\n[self-check] {field}: {lines}")
    naming = [line for line in lines if line.startswith(f"Self-check: {field}:")]
    assert len(naming) == 1, lines
    assert "Fix:" in naming[0]


def test_without_the_data_receiver_role_the_line_says_which_role_to_assign(make_entra_stack):  # noqa: F811
    stack = make_entra_stack(hub_auth="entra", storage_auth="key", credential="secret")

    stack.module()

    lines = _first_round(stack)
    print(f"\n[self-check] no role: {lines}")
    naming = [line for line in lines if "Azure Event Hubs Data Receiver" in line]
    assert len(naming) == 1, lines
