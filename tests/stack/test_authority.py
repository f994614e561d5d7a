"""The local authority, through the real azure-identity credentials (MSAL underneath)."""

import json
import ssl
import time
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential

from tests.stack import jws
from tests.stack.entra_fixtures import authority, test_ca, trust_test_ca  # noqa: F401

EVENTHUBS = "https://eventhubs.azure.net//.default"  # the scope azure-eventhub asks for
STORAGE = "https://storage.azure.com/.default"


def _secret_credential(authority, tenant, client, secret):  # noqa: F811
    return ClientSecretCredential(
        tenant, client, secret, authority=authority.authority_host, disable_instance_discovery=True
    )


def _certificate_credential(authority, app, pem, password=None):  # noqa: F811
    return CertificateCredential(
        app.tenant_id,
        app.client_id,
        certificate_data=pem,
        password=password,
        authority=authority.authority_host,
        disable_instance_discovery=True,
    )


def _claims(token: str, authority) -> dict:  # noqa: F811
    header, claims = jws.verify(token, authority.directory.signing_key.public_key())
    assert header["kid"] == authority.jwks()["keys"][0]["kid"]
    return claims


def test_a_client_secret_gets_a_signed_token_for_the_requested_audience(authority, trust_test_ca):  # noqa: F811
    app = authority.register(secret="secret-value-1")
    before = authority.tokens_issued(app.client_id)
    token = _secret_credential(authority, app.tenant_id, app.client_id, "secret-value-1").get_token(EVENTHUBS)
    claims = _claims(token.token, authority)
    assert claims["aud"] == "https://eventhubs.azure.net/"
    assert claims["iss"] == f"https://sts.windows.net/{app.tenant_id}/"
    assert (claims["tid"], claims["oid"], claims["appid"]) == (app.tenant_id, app.object_id, app.client_id)
    assert abs(claims["exp"] - time.time() - authority.token_lifetime) < 5
    assert abs(token.expires_on - claims["exp"]) <= 1
    assert authority.tokens_issued(app.client_id) == before + 1


@pytest.mark.parametrize("password", [None, b"pem-password"], ids=["plain key", "encrypted key"])
def test_a_certificate_assertion_gets_a_token(authority, test_ca, trust_test_ca, password):  # noqa: F811
    certificate = test_ca.client_certificate("app-cert")
    app = authority.register(certificate=certificate)
    credential = _certificate_credential(authority, app, certificate.combined_pem(password), password)
    claims = _claims(credential.get_token(STORAGE).token, authority)
    assert claims["aud"] == "https://storage.azure.com"
    assert claims["oid"] == app.object_id


def test_the_configured_lifetime_is_the_tokens_lifetime(authority, trust_test_ca):  # noqa: F811
    app = authority.register(secret="short")
    authority.token_lifetime = 60
    try:
        token = _secret_credential(authority, app.tenant_id, app.client_id, "short").get_token(STORAGE)
    finally:
        authority.token_lifetime = 3600
    claims = _claims(token.token, authority)
    assert claims["exp"] - claims["iat"] == 60


def _failure(credential, scope=EVENTHUBS) -> str:
    with pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(scope)
    return str(caught.value)


def test_sign_in_failures_carry_the_services_aadsts_codes(authority, test_ca, trust_test_ca):  # noqa: F811
    app = authority.register(secret="right")
    expired = authority.register(secret="old", secret_expires_at=time.time() - 60)
    assert "AADSTS7000215: Invalid client secret provided" in _failure(
        _secret_credential(authority, app.tenant_id, app.client_id, "wrong")
    )
    assert "AADSTS7000222: The provided client secret keys for app" in _failure(
        _secret_credential(authority, expired.tenant_id, expired.client_id, "old")
    )
    unknown_client = _failure(
        _secret_credential(authority, app.tenant_id, "00000000-0000-0000-0000-000000000001", "x")
    )
    assert "AADSTS700016: Application with identifier '00000000-0000-0000-0000-000000000001' was not found" in (
        unknown_client
    )


def test_certificate_failures_not_registered_and_expired(authority, test_ca, trust_test_ca):  # noqa: F811
    registered = test_ca.client_certificate("registered")
    stranger = test_ca.client_certificate("not-registered")
    app = authority.register(certificate=registered)
    text = _failure(_certificate_credential(authority, app, stranger.combined_pem()))
    assert "AADSTS700027" in text and "The key was not found." in text
    old = test_ca.client_certificate("expired", expired=True)
    expired_app = authority.register(certificate=old)
    text = _failure(_certificate_credential(authority, expired_app, old.combined_pem()))
    assert "AADSTS700027" in text and "The key used is expired." in text


def test_an_unknown_tenant_is_aadsts90002_at_openid_discovery(authority, test_ca, trust_test_ca):  # noqa: F811
    # MSAL reads the tenant's OpenID configuration first and replaces the service's answer with its
    # own message; the service's answer (400, AADSTS90002) is what a raw request sees.
    text = _failure(_secret_credential(authority, "11111111-2222-3333-4444-555555555555", "c", "s"))
    assert "Unable to get authority configuration" in text
    context = ssl.create_default_context(cafile=str(test_ca.bundle_path))
    url = f"{authority.authority_host}/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, context=context, timeout=10)
    body = json.loads(caught.value.read())
    assert caught.value.code == 400
    assert body["error"] == "invalid_request" and body["error_codes"] == [90002]
    assert body["error_description"].startswith(
        "AADSTS90002: Tenant '11111111-2222-3333-4444-555555555555' not found."
    )


@pytest.mark.parametrize("code", ["AADSTS90002", "AADSTS700016", "AADSTS7000215", "AADSTS7000222", "AADSTS700027"])
def test_a_forced_failure_answers_once_then_tokens_flow_again(authority, trust_test_ca, code):  # noqa: F811
    app = authority.register(secret="forced")
    credential = _secret_credential(authority, app.tenant_id, app.client_id, "forced")
    authority.fail(code)
    assert f"{code}:" in _failure(credential)
    # A new credential: MSAL replays an HTTP 400 answer to the same token request for 60 s
    # (msal/throttled_http_client.py) without asking the authority again.
    assert _secret_credential(authority, app.tenant_id, app.client_id, "forced").get_token(EVENTHUBS).token
    assert [r["outcome"] for r in authority.requests() if r["client_id"] == app.client_id] == [code, "issued"]


def test_instance_discovery_and_jwks_are_served(authority, test_ca):  # noqa: F811
    context = ssl.create_default_context(cafile=str(test_ca.bundle_path))
    query = f"authorization_endpoint={authority.authority_host}/tenant-x/oauth2/v2.0/authorize&api-version=1.1"
    with urllib.request.urlopen(
        f"{authority.authority_host}/common/discovery/instance?{query}", context=context, timeout=10
    ) as answer:
        discovery = json.loads(answer.read())
    assert discovery["tenant_discovery_endpoint"].endswith("/tenant-x/v2.0/.well-known/openid-configuration")
    with urllib.request.urlopen(f"{authority.authority_host}/common/discovery/keys", context=context) as answer:
        assert json.loads(answer.read()) == authority.jwks()


def test_a_ps256_assertion_with_a_sha256_thumbprint_is_accepted_too(authority, test_ca, trust_test_ca):  # noqa: F811
    # azure-identity sends a SHA-1 thumbprint (RS256, x5t); MSAL without one signs PS256 with x5t#S256.
    import msal  # noqa: PLC0415 - only this test talks to MSAL directly

    certificate = test_ca.client_certificate("ps256")
    app = authority.register(certificate=certificate)
    client = msal.ConfidentialClientApplication(
        app.client_id,
        authority=f"{authority.authority_host}/{app.tenant_id}",
        client_credential={
            "private_key": certificate.key_pem().decode(),
            "public_certificate": certificate.cert_pem.decode(),
        },
        instance_discovery=False,
    )
    result = client.acquire_token_for_client(scopes=[EVENTHUBS])
    assert "access_token" in result, result
    assert _claims(result["access_token"], authority)["oid"] == app.object_id


def test_token_requests_go_through_an_http_proxy(authority, trust_test_ca, connect_proxy):  # noqa: F811
    # What Proxy URL must do for sign-in too: the TLS session to the authority is tunnelled (CONNECT).
    app = authority.register(secret="through-proxy")
    credential = ClientSecretCredential(
        app.tenant_id,
        app.client_id,
        "through-proxy",
        authority=authority.authority_host,
        disable_instance_discovery=True,
        proxies={"https": connect_proxy.url},
    )
    assert credential.get_token(EVENTHUBS).token
    assert f"localhost:{authority.port}" in connect_proxy.targets
