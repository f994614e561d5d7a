"""validate() with the sign-in arguments (issue 16): each side (hub, storage) by its connection
string or signed in with the application, one named case per rule with the exact message, the
normalised values, the default authority per cloud, and secrets that never show."""

import pytest

from tests.certificates import PASSWORD, combined_pem, key_base64_lines, one_line
from tests.unit.triggers.test_configuration import HUB, STORAGE, STORAGE_SAS, INTAKE_KEY
from triggers.configuration import ConfigurationError, load_configuration, validate

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "8a2b9c4d-1e3f-4a5b-9c6d-7e8f9a0b1c2d"
CLIENT_SECRET = "CLIENT~SECRET.value-1234"
NAMESPACE = "contoso-logs.servicebus.windows.net"
ACCOUNT_URL = "https://contosologsckpt.blob.core.windows.net"

BASE = {"hub_name": "o365-event", "storage_container_name": "eventhub-checkpoints", "intake_key": INTAKE_KEY}
APP = {"tenant_id": TENANT, "client_id": CLIENT, "client_secret": CLIENT_SECRET}
SIGNED_IN = {**BASE, **APP, "hub_namespace": NAMESPACE, "storage_account_url": ACCOUNT_URL}
APPLICATION = "the application (Tenant ID, Client ID, Client Secret or Client Certificate)"
HUB_SOURCE = (
    "paste the Connection string–primary key of a policy with Listen "
    "(Event Hubs namespace > Event Hubs > your hub > Shared access policies)"
)
ACCOUNT_EXAMPLE = (
    "e.g. https://contosologsckpt.blob.core.windows.net (Storage accounts > your account > Endpoints > Blob service)"
)
AUTHORITY_FIX = (
    "enter a host such as login.microsoftonline.com, or an https:// URL such as https://login.microsoftonline.com"
)
NAMESPACE_FIX = (
    "enter the namespace's host name, e.g. contoso-logs.servicebus.windows.net (Event Hubs namespace > "
    "Overview > Host name), or its name alone"
)


def settings(**values):
    return validate(load_configuration({**SIGNED_IN, **values}))


def error(**values) -> str:
    with pytest.raises(ConfigurationError) as caught:
        settings(**values)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    return str(caught.value)


RULES = [
    pytest.param(
        {"hub_namespace": None},
        f"Hub Connection String: missing; {HUB_SOURCE}, or enter Hub Namespace to sign in with {APPLICATION}",
        id="hub-neither-way",
    ),
    pytest.param(
        {"hub_connection_string": HUB},
        "Hub Connection String: set together with Hub Namespace; keep one: clear Hub Namespace to use the "
        f"connection string, or clear Hub Connection String to sign in with {APPLICATION}",
        id="hub-both-ways",
    ),
    pytest.param(
        {"storage_connection_string": STORAGE},
        "Storage Connection String: set together with Storage Account URL; keep one: clear Storage Account URL to "
        f"use the connection string, or clear Storage Connection String to sign in with {APPLICATION}",
        id="storage-both-ways",
    ),
    pytest.param(
        {"hub_namespace": "contoso logs"},
        f"Hub Namespace: got 'contoso logs'; {NAMESPACE_FIX}",
        id="hub-namespace-invalid",
    ),
    pytest.param(
        {"hub_namespace": "https://contoso-logs.servicebus.windows.net/o365-event"},
        f"Hub Namespace: got 'https://contoso-logs.servicebus.windows.net/o365-event'; {NAMESPACE_FIX}",
        id="hub-namespace-url-with-path",
    ),
    pytest.param(
        {"hub_namespace": "contoso-logs.servicebus.windows.net:5671"},
        "Hub Namespace: got 'contoso-logs.servicebus.windows.net:5671'; enter the host name without a port (to "
        "connect to another address or port, use Custom Endpoint Address), e.g. contoso-logs.servicebus.windows.net",
        id="hub-namespace-with-port",
    ),
    pytest.param(
        {"storage_account_url": f"{ACCOUNT_URL}/?sv=2022-11-02&ss=b&sp=rwlc&sig=STSIG%2Bsecret"},
        "Storage Account URL: carries a shared access signature (?...&sig=...); paste it in Storage Connection "
        "String instead (BlobEndpoint=<the URL before ?>;SharedAccessSignature=<the part after ?>), or remove it "
        "to sign in with the application",
        id="storage-account-url-with-sas",
    ),
    pytest.param(
        {"storage_account_url": f"{ACCOUNT_URL}?restype=container"},
        f"Storage Account URL: has a query (?...); enter the account's blob endpoint only, {ACCOUNT_EXAMPLE}",
        id="storage-account-url-with-query",
    ),
    pytest.param(
        {"storage_account_url": "http://contosologsckpt.blob.core.windows.net"},
        "Storage Account URL: got 'http://contosologsckpt.blob.core.windows.net'; signing in needs https://: enter "
        f"the account's blob endpoint, {ACCOUNT_EXAMPLE}",
        id="storage-account-url-http",
    ),
    pytest.param(
        {"storage_account_url": "contosologsckpt"},
        f"Storage Account URL: got 'contosologsckpt'; enter the account's blob endpoint, {ACCOUNT_EXAMPLE}",
        id="storage-account-url-not-a-url",
    ),
    pytest.param(
        {"storage_account_url": f"{ACCOUNT_URL}/eventhub-checkpoints"},
        "Storage Account URL: got 'https://contosologsckpt.blob.core.windows.net/eventhub-checkpoints'; enter the "
        f"account URL without the container (the container goes in Storage Container Name), {ACCOUNT_EXAMPLE}",
        id="storage-account-url-with-container",
    ),
    pytest.param(
        {"tenant_id": None},
        "Tenant ID: missing; Hub Namespace and Storage Account URL sign in with the application: enter its "
        "Directory (tenant) ID (Microsoft Entra ID > App registrations > your application > Overview)",
        id="tenant-id-missing",
    ),
    pytest.param(
        {"tenant_id": "", "storage_account_url": None, "storage_connection_string": STORAGE},
        "Tenant ID: missing; Hub Namespace signs in with the application: enter its Directory (tenant) ID "
        "(Microsoft Entra ID > App registrations > your application > Overview)",
        id="tenant-id-missing-hub-only",
    ),
    pytest.param(
        {"tenant_id": "contoso tenant"},
        "Tenant ID: got 'contoso tenant'; enter the Directory (tenant) ID of the application, a GUID (Microsoft "
        "Entra ID > App registrations > your application > Overview), or the tenant's domain such as "
        "contoso.onmicrosoft.com",
        id="tenant-id-invalid",
    ),
    pytest.param(
        {"client_id": "  "},
        "Client ID: missing; Hub Namespace and Storage Account URL sign in with the application: enter its "
        "Application (client) ID (Microsoft Entra ID > App registrations > your application > Overview)",
        id="client-id-missing",
    ),
    pytest.param(
        {"client_id": "my-app"},
        "Client ID: got 'my-app'; enter the Application (client) ID of the application, a GUID (Microsoft Entra "
        "ID > App registrations > your application > Overview)",
        id="client-id-not-a-guid",
    ),
    pytest.param(
        {"client_secret": None},
        "Client Secret: missing; Hub Namespace and Storage Account URL sign in with the application: paste the "
        "Value of one of its client secrets (Microsoft Entra ID > App registrations > your application > "
        "Certificates & secrets), or its certificate and private key in Client Certificate (safer)",
        id="neither-secret-nor-certificate",
    ),
    pytest.param(
        {"client_certificate": "CERTIFICATE-PLACEHOLDER"},
        "Client Secret: set together with Client Certificate; keep one: clear Client Secret to sign in with the "
        "certificate (safer), or clear Client Certificate",
        id="secret-and-certificate",
    ),
    pytest.param(
        {"client_secret": None, "client_certificate": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"},
        "Client Certificate: no certificate found (-----BEGIN CERTIFICATE-----); paste the PEM holding the "
        "certificate and its private key",
        id="certificate-not-pem",
    ),
    pytest.param(
        {"client_secret": None, "client_certificate": "CERTIFICATE-ONLY"},
        "Client Certificate: no private key found (-----BEGIN PRIVATE KEY-----); paste the PEM holding the "
        "certificate and its private key",
        id="certificate-without-key",
    ),
    pytest.param(
        {"client_secret": None, "client_certificate": "KEY-OF-ANOTHER"},
        "Client Certificate: its private key does not belong to its certificate; paste the PEM holding the "
        "certificate and its private key",
        id="certificate-with-another-key",
    ),
    pytest.param(
        {"client_secret": None, "client_certificate": "ENCRYPTED"},
        "Client Certificate Password: missing; the private key is encrypted; enter the password the private key "
        "of Client Certificate was encrypted with",
        id="certificate-encrypted-without-password",
    ),
    pytest.param(
        {"client_secret": None, "client_certificate": "ENCRYPTED", "client_certificate_password": "wrong-pa55"},
        "Client Certificate Password: does not decrypt the private key; enter the password the private key of "
        "Client Certificate was encrypted with",
        id="certificate-wrong-password",
    ),
    pytest.param(
        {"authority_host": "http://login.microsoftonline.com"},
        f"Authority Host: got 'http://login.microsoftonline.com'; token requests need https://: {AUTHORITY_FIX}",
        id="authority-host-http",
    ),
    pytest.param(
        {"authority_host": "https://login.microsoftonline.com/contoso.onmicrosoft.com"},
        "Authority Host: got 'https://login.microsoftonline.com/contoso.onmicrosoft.com'; enter the host only (the "
        f"tenant goes in Tenant ID): {AUTHORITY_FIX}",
        id="authority-host-with-tenant-path",
    ),
    pytest.param(
        {"authority_host": "login microsoftonline com"},
        f"Authority Host: got 'login microsoftonline com'; {AUTHORITY_FIX}",
        id="authority-host-invalid",
    ),
]


def _resolve(values: dict) -> dict:
    """Placeholders of the certificate cases -> real PEM text."""
    pems = {
        "CERTIFICATE-PLACEHOLDER": combined_pem(),
        "CERTIFICATE-ONLY": combined_pem().split("-----BEGIN PRIVATE KEY-----")[0],
        "KEY-OF-ANOTHER": combined_pem().split("-----BEGIN PRIVATE KEY-----")[0]
        + "-----BEGIN PRIVATE KEY-----"
        + combined_pem("other").split("-----BEGIN PRIVATE KEY-----")[1],
        "ENCRYPTED": combined_pem(password=PASSWORD),
    }
    return {key: pems.get(value, value) if isinstance(value, str) else value for key, value in values.items()}


@pytest.mark.parametrize(("values", "message"), RULES)
def test_each_sign_in_rule_names_the_field_and_the_fix(values, message):
    assert error(**_resolve(values)) == message


@pytest.mark.parametrize(("values", "message"), RULES)
def test_no_sign_in_message_holds_a_secret(values, message):
    text = error(**_resolve(values))
    for secret in (CLIENT_SECRET, PASSWORD, "STSIG", "wrong-pa55", *key_base64_lines(combined_pem())):
        assert secret not in text


# Each side, either way ------------------------------------------------------------------------------


def test_both_sides_signed_in():
    result = settings()
    assert (result.hub_connection_string, result.storage_connection_string) == (None, None)
    assert result.hub_signs_in and result.storage_signs_in
    assert result.hub_namespace == NAMESPACE
    assert result.storage_account_url == ACCOUNT_URL == result.storage_blob_endpoint
    assert result.storage_account_name == "contosologsckpt"
    app = result.sign_in
    assert (app.tenant_id, app.client_id, app.client_secret, app.certificate_pem) == (
        TENANT,
        CLIENT,
        CLIENT_SECRET,
        None,
    )
    assert app.authority == "https://login.microsoftonline.com"
    assert result.notices == ()


def test_hub_signed_in_storage_by_connection_string():
    result = settings(storage_account_url=None, storage_connection_string=STORAGE)
    assert result.hub_signs_in and not result.storage_signs_in
    assert result.storage_account_url is None
    assert result.storage_blob_endpoint == "https://myaccount.blob.core.windows.net"


def test_hub_by_connection_string_storage_signed_in():
    result = settings(hub_namespace=None, hub_connection_string=HUB)
    assert not result.hub_signs_in and result.storage_signs_in
    assert result.hub_namespace == "my-namespace.servicebus.windows.net"
    assert result.sign_in.client_secret == CLIENT_SECRET


@pytest.mark.parametrize("empty", ["absent", "", None, "   "])
def test_optional_secrets_left_empty_work_whatever_the_platform_sends(empty):
    values = {**BASE, "hub_connection_string": HUB, "storage_connection_string": STORAGE, "proxy_url": empty}
    for name in ("client_secret", "client_certificate", "client_certificate_password", "hub_namespace"):
        values[name] = empty
    if empty == "absent":
        values = {key: value for key, value in values.items() if value != "absent"}
    result = validate(load_configuration(values))
    assert result.sign_in is None and result.notices == () and result.proxy is None


def test_secrets_overlaid_by_the_sdk_after_loading():
    configuration = load_configuration({**SIGNED_IN, "client_secret": "<placeholder>"})
    configuration.client_secret = CLIENT_SECRET  # as Trigger._apply_node_secrets does
    assert validate(configuration).sign_in.client_secret == CLIENT_SECRET


def test_existing_configurations_are_unchanged():
    result = validate(load_configuration({**BASE, "hub_connection_string": HUB, "storage_connection_string": STORAGE}))
    assert result.sign_in is None and result.notices == ()
    assert result.hub_namespace == "my-namespace.servicebus.windows.net"  # checkpoint blob names as before
    assert result.storage_account_url is None


# Hub Namespace: the form checkpoint blob names use -----------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "contoso-logs.servicebus.windows.net",
        "Contoso-Logs.servicebus.windows.net",
        "contoso-logs",
        "sb://contoso-logs.servicebus.windows.net/",
        "sb://contoso-logs.servicebus.windows.net",
        " contoso-logs.servicebus.windows.net/ ",
    ],
)
def test_hub_namespace_is_normalised(written):
    assert settings(hub_namespace=written).hub_namespace == NAMESPACE


def test_hub_namespace_of_another_cloud_is_kept():
    result = settings(hub_namespace="sb://contoso-logs.servicebus.chinacloudapi.cn/")
    assert result.hub_namespace == "contoso-logs.servicebus.chinacloudapi.cn"
    assert result.hub_cloud == "china"


def test_same_checkpoint_namespace_as_the_connection_string():
    # Switching from the connection string to Entra ID keeps the checkpoints (same blob names).
    by_key = validate(load_configuration({**BASE, "hub_connection_string": HUB, "storage_connection_string": STORAGE}))
    assert settings(hub_namespace="my-namespace").hub_namespace == by_key.hub_namespace


# Storage Account URL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "url", "account"),
    [
        (f"{ACCOUNT_URL}/", ACCOUNT_URL, "contosologsckpt"),
        ("https://127.0.0.1:10000/devstoreaccount1", "https://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1"),
        (
            "https://storage.contoso.local/contosologsckpt/",
            "https://storage.contoso.local/contosologsckpt",
            "contosologsckpt",
        ),
        (
            "https://contosologsckpt.blob.core.chinacloudapi.cn",
            "https://contosologsckpt.blob.core.chinacloudapi.cn",
            "contosologsckpt",
        ),
    ],
    ids=["trailing-slash", "emulator-path-style", "private-endpoint-path-style", "china"],
)
def test_storage_account_url_forms(written, url, account):
    result = settings(storage_account_url=written)
    assert (result.storage_account_url, result.storage_account_name) == (url, account)


# Authority Host ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "login.microsoftonline.com",
        "https://login.microsoftonline.com",
        "https://login.microsoftonline.com/",
        "LOGIN.microsoftonline.com/",
    ],
)
def test_authority_host_forms(written):
    assert settings(authority_host=written).sign_in.authority == "https://login.microsoftonline.com"


def test_authority_host_with_a_port():
    assert settings(authority_host="localhost:8443").sign_in.authority == "https://localhost:8443"


@pytest.mark.parametrize(
    ("values", "authority"),
    [
        ({}, "https://login.microsoftonline.com"),
        ({"hub_namespace": "contoso.servicebus.chinacloudapi.cn"}, "https://login.chinacloudapi.cn"),
        ({"hub_namespace": "contoso.servicebus.usgovcloudapi.net"}, "https://login.microsoftonline.us"),
        (
            {
                "hub_namespace": None,
                "hub_connection_string": HUB,
                "storage_account_url": "https://contosologsckpt.blob.core.chinacloudapi.cn",
            },
            "https://login.chinacloudapi.cn",
        ),
        (
            {"storage_account_url": "https://contosologsckpt.blob.core.chinacloudapi.cn"},
            "https://login.microsoftonline.com",
        ),
    ],
    ids=["public", "china-hub", "usgov-hub", "storage-only-china", "the-hub-decides"],
)
def test_default_authority_by_cloud(values, authority):
    result = settings(**values)
    assert result.sign_in.authority == authority
    assert result.notices == ()


def test_unknown_cloud_takes_the_public_authority_with_a_warning():
    result = settings(hub_namespace="eventhubs.contoso.local")
    assert result.sign_in.authority == "https://login.microsoftonline.com"
    ((notice),) = result.notices
    assert (notice.field, notice.text, notice.fix) == (
        "Authority Host",
        "the hub's namespace eventhubs.contoso.local is in no known Azure cloud, so the application signs in at "
        "login.microsoftonline.com (the public cloud)",
        "if the application belongs to another cloud, enter its Authority Host (login.chinacloudapi.cn for Azure "
        "China, login.microsoftonline.us for Azure US Government)",
    )


# Notices --------------------------------------------------------------------------------------------------


def test_credentials_no_side_uses_are_warned_without_their_values():
    result = validate(
        load_configuration({**BASE, **APP, "hub_connection_string": HUB, "storage_connection_string": STORAGE_SAS})
    )
    assert result.sign_in is None
    ((notice),) = result.notices
    assert (notice.field, notice.text, notice.fix) == (
        "Tenant ID, Client ID, Client Secret",
        "are set, but nothing signs in with the application (the hub and the storage account use their connection "
        "strings)",
        "clear them, or enter Hub Namespace or Storage Account URL instead of a connection string to sign in with "
        "the application",
    )
    assert CLIENT_SECRET not in repr(result)


def test_a_certificate_password_with_a_secret_is_warned():
    ((notice),) = settings(client_certificate_password=PASSWORD).notices
    assert (notice.field, notice.text) == (
        "Client Certificate Password",
        "is set, but Client Secret signs in: it is not used",
    )


def test_a_password_for_a_key_that_is_not_encrypted_is_dropped_and_warned():
    result = settings(client_secret=None, client_certificate=combined_pem(), client_certificate_password=PASSWORD)
    assert result.sign_in.certificate_password is None  # azure-identity would refuse it
    ((notice),) = result.notices
    assert notice.text == "is set, but the private key of Client Certificate is not encrypted: it is not used"


# The certificate ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "separator", ["\n", " ", "", "\\n", "\r\n"], ids=["as-is", "spaces", "nothing", "escaped", "crlf"]
)
@pytest.mark.parametrize("password", [None, PASSWORD], ids=["plain", "encrypted"])
@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8", "traditional"])
def test_a_certificate_loads_whatever_became_of_its_line_breaks(separator, password, traditional):
    pem = combined_pem(password=password, traditional=traditional)
    result = settings(
        client_secret=None, client_certificate=one_line(pem, separator), client_certificate_password=password
    )
    assert result.sign_in.certificate_pem.decode() == pem.replace("\r", "")
    assert result.sign_in.certificate_password == password
    assert result.notices == ()


def test_the_certificate_key_and_its_lines_are_redacted():
    pem = combined_pem(password=PASSWORD)
    result = settings(client_secret=None, client_certificate=one_line(pem), client_certificate_password=PASSWORD)
    text = f"{pem} | {one_line(pem)} | {' '.join(key_base64_lines(pem))} | {PASSWORD}"
    redacted = result.redact(text)
    for line in key_base64_lines(pem):
        assert line not in redacted
    assert PASSWORD not in redacted
    for text in (repr(result), repr(result.sign_in)):
        assert "PRIVATE KEY" not in text and PASSWORD not in text and CLIENT_SECRET not in text


def test_client_secret_is_redacted():
    result = settings()
    assert CLIENT_SECRET not in result.redact(f"client_secret={CLIENT_SECRET}&x=client_secret%3D{CLIENT_SECRET}")
