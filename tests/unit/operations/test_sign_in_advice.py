"""Sign-in failures (Microsoft Entra ID) name the field and the fix: one case per answer of the
authority or the service, with the exact line. The storage's missing role is checked on the error
azure-storage-blob raises for the answer as Azure sends it (a local HTTP server answers it)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.eventhub.exceptions import ConnectionLostError

from azure_eventhub.operations.advice import Target
from azure_eventhub.operations.hub_advice import classify_hub_error, describe_receive_error
from azure_eventhub.operations.service_advice import classify_storage_error
from azure_eventhub.hub.receiver_process import ReceiveFailure
from azure_eventhub.storage import container_client, probe_container

TARGET = Target(
    hub_namespace="contoso.servicebus.windows.net",
    hub_name="o365-event",
    consumer_group="sekoiaio",
    storage_endpoint="https://contosologs.blob.core.windows.net",
    container="eventhub-checkpoints",
    intake_server="https://intake.sekoia.io",
    hub_signs_in=True,
    storage_signs_in=True,
    authority_host="login.microsoftonline.com",
)
TRACE = " Trace ID: 0b3f4a1c-8d2e-4f5a-9b6c-7d8e9f0a1b2c Correlation ID: 5e6f7a8b Timestamp: 2026-12-05 01:02:03Z"
APP_PAGE = "Microsoft Entra ID > App registrations > your application"


def aadsts(code: str, text: str) -> ClientAuthenticationError:
    """As azure-identity raises it: the authority's error description in the message."""
    return ClientAuthenticationError(message=f"ClientSecretCredential.get_token failed: AADSTS{code}: {text}{TRACE}")


SIGN_IN = [
    pytest.param(
        aadsts("90002", "Tenant '72f988bf-0000-0000-0000-2d7cd011db47' not found."),
        "Self-check: Tenant ID: the authority login.microsoftonline.com does not know this tenant (AADSTS90002). Fix: "
        f"enter the Directory (tenant) ID of the application ({APP_PAGE} > Overview); for Azure China or Azure US "
        "Government, check Authority Host too",
        id="unknown-tenant",
    ),
    pytest.param(
        ClientAuthenticationError(
            message="Authentication failed: Unable to get authority configuration for "
            "https://login.microsoftonline.com/72f988bf-0000-0000-0000-2d7cd011db47. Authority would typically be in "
            "a format of https://login.microsoftonline.com/your_tenant"
        ),
        "Self-check: Tenant ID: the authority login.microsoftonline.com does not know this tenant (AADSTS90002). Fix: "
        f"enter the Directory (tenant) ID of the application ({APP_PAGE} > Overview); for Azure China or Azure US "
        "Government, check Authority Host too",
        id="unknown-tenant-as-msal-words-it",
    ),
    pytest.param(
        aadsts("700016", "Application with identifier '8a2b9c4d' was not found in the directory 'Contoso'."),
        "Self-check: Client ID: the tenant has no application with this client id (AADSTS700016). Fix: enter the "
        f"Application (client) ID of an application registered in this tenant ({APP_PAGE} > Overview), and check "
        "Tenant ID",
        id="unknown-application",
    ),
    pytest.param(
        aadsts(
            "7000215",
            "Invalid client secret provided. Ensure the secret being sent in the request is the client "
            "secret value, not the client secret ID",
        ),
        "Self-check: Client Secret: the authority refused the client secret (AADSTS7000215: invalid secret). Fix: "
        f"paste the secret's Value, not its Secret ID ({APP_PAGE} > Certificates & secrets), or create a new secret",
        id="wrong-secret",
    ),
    pytest.param(
        aadsts("7000222", "The provided client secret keys for app '8a2b9c4d' are expired."),
        "Self-check: Client Secret: the client secret has expired (AADSTS7000222). Fix: create a new client secret "
        f"({APP_PAGE} > Certificates & secrets) and paste its Value",
        id="expired-secret",
    ),
    pytest.param(
        aadsts("700027", "Client assertion failed signature validation. The key was not found."),
        "Self-check: Client Certificate: the authority does not accept this certificate for the application "
        "(AADSTS700027: not registered, or not valid now). Fix: upload the certificate's public part to "
        f"{APP_PAGE} > Certificates & secrets > Certificates, or paste the certificate registered there with its "
        "private key",
        id="certificate-not-registered",
    ),
    pytest.param(
        aadsts("700027", "Client assertion failed signature validation. The key used is expired."),
        "Self-check: Client Certificate: the application's certificate has expired (AADSTS700027). Fix: create a new "
        f"certificate, upload its public part ({APP_PAGE} > Certificates & secrets > Certificates) and paste the new "
        "PEM with its private key",
        id="certificate-expired",
    ),
    pytest.param(
        ClientAuthenticationError(
            message="Authentication failed: HTTPSConnectionPool(host='login.microsoftonline.com', port=443): Max "
            "retries exceeded with url: /72f988bf/oauth2/v2.0/token (Caused by NewConnectionError('Failed to "
            "establish a new connection: [Errno 111] Connection refused'))"
        ),
        "Self-check: Authority Host: cannot reach the authority login.microsoftonline.com to sign in: Authentication "
        "failed: HTTPSConnectionPool(host='login.microsoftonline.com', port=443): Max retries exceeded with url: "
        "/72f988bf/oauth2/v2.0/token. Fix: check Authority Host (login.microsoftonline.com; login.chinacloudapi.cn "
        "for Azure China; login.microsoftonline.us for Azure US Government) and that this network reaches it on port "
        "443 (through the Proxy URL if there is one)",
        id="authority-unreachable",
    ),
]


@pytest.mark.parametrize("error, line", SIGN_IN)
def test_hub_sign_in_failures_name_the_field(error, line):
    assert str(classify_hub_error(error, TARGET)) == line


@pytest.mark.parametrize("error, line", SIGN_IN)
def test_storage_sign_in_failures_name_the_field(error, line):
    assert str(classify_storage_error(error, TARGET)) == line


@pytest.mark.parametrize("error, line", SIGN_IN)
def test_a_sign_in_failure_in_a_receiver_process_names_the_field(error, line):
    # Receive errors cross the pipe as ReceiveFailure (text and class names).
    finding = describe_receive_error(ReceiveFailure.of(error), TARGET)
    assert finding.line("Event Hubs (partition 0)") == line.replace("Self-check", "Event Hubs (partition 0)")


def test_the_authority_error_is_quoted_once():
    # As the Event Hubs client passes it on (seen end to end): the credential's message twice.
    once = "Authentication failed: HTTPSConnection(host='localhost', port=9): Failed to establish a new connection"
    error = ClientAuthenticationError(message=f"{once} {once}: [Errno 111] Connection refused")
    assert (
        classify_hub_error(error, TARGET).text
        == f"cannot reach the authority login.microsoftonline.com to sign in: {once}"
    )


def test_a_proxy_refusing_the_authority_names_proxy_url():
    proxied = Target(**{**TARGET.__dict__, "proxy": True})
    error = ClientAuthenticationError(
        message="Authentication failed: ('Unable to connect to proxy', OSError('Tunnel connection failed: 403 Forbidden'))"
    )
    assert str(classify_hub_error(error, proxied)) == (
        "Self-check: Proxy URL: the proxy refused or failed the connection to the authority login.microsoftonline.com: "
        "Authentication failed: ('Unable to connect to proxy', OSError('Tunnel connection failed: 403 Forbidden')). "
        "Fix: check the proxy's address and credentials, and that it allows CONNECT to the authority's host on port 443"
    )


def test_sign_in_failures_are_not_read_into_connection_strings():
    by_key = Target(**{**TARGET.__dict__, "hub_signs_in": False, "storage_signs_in": False})
    assert classify_hub_error(SIGN_IN[2].values[0], by_key).field == "Hub Connection String"


def test_the_hub_without_a_data_role_says_which_role_to_assign():
    error = ConnectionLostError(
        "Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource: "
        "'sb://contoso.servicebus.windows.net/o365-event/$management'. TrackingId:631f_G0\nError condition: "
        "amqp:unauthorized-access"
    )
    assert str(classify_hub_error(error, TARGET)) == (
        "Self-check: Hub Namespace: the application may not read hub o365-event: it has no data role there (Event "
        "Hubs answered: Listen claim required). Fix: assign Azure Event Hubs Data Receiver to the application on the "
        "hub or the namespace (Event Hubs namespace > Access control (IAM) > Add role assignment); it applies within "
        "minutes"
    )


# The storage's answer, as Azure sends it ------------------------------------------------------------------

PERMISSION_MISMATCH = (
    b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code>'
    b"<Message>This request is not authorized to perform this operation using this permission.\n"
    b"RequestId:4c3d2e1f-701e-0042-2a1b-3c4d5e000000\nTime:2026-12-05T01:02:03.4567890Z</Message></Error>"
)


class _Forbidden(BaseHTTPRequestHandler):
    """Answers every request as Azure Storage answers a principal without a data role."""

    def _answer(self) -> None:
        self.send_response(403, "This request is not authorized to perform this operation using this permission.")
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(PERMISSION_MISMATCH)))
        self.send_header("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0")
        self.send_header("x-ms-request-id", "4c3d2e1f-701e-0042-2a1b-3c4d5e000000")
        self.send_header("x-ms-version", "2025-01-05")
        self.send_header("x-ms-error-code", "AuthorizationPermissionMismatch")
        self.end_headers()
        self.wfile.write(PERMISSION_MISMATCH)

    do_GET = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def forbidding_storage():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/devstoreaccount1"
    server.shutdown()
    server.server_close()


def test_storage_without_a_data_role_says_which_role_to_assign(forbidding_storage):
    connection_string = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        f"BlobEndpoint={forbidding_storage};"
    )
    with pytest.raises(Exception) as caught:
        probe_container(container_client(connection_string, "eventhub-checkpoints"))
    assert str(classify_storage_error(caught.value, TARGET)) == (
        "Self-check: Storage Account URL: the application may not list and write blobs in the container "
        "eventhub-checkpoints (403 AuthorizationPermissionMismatch: it has no data role there). Fix: assign Storage "
        "Blob Data Contributor on the container or the account to the application (Storage accounts > your account > "
        "Access control (IAM) > Add role assignment); it applies within minutes"
    )


def test_shared_keys_disabled_point_to_the_account_url():
    by_key = Target(**{**TARGET.__dict__, "storage_signs_in": False})

    class KeyRefused(Exception):
        status_code = 403
        error_code = "KeyBasedAuthenticationNotPermitted"

    assert str(
        classify_storage_error(
            KeyRefused("Key based authentication is not permitted on this storage account."), by_key
        )
    ) == (
        "Self-check: Storage Connection String: the storage account https://contosologs.blob.core.windows.net does "
        "not allow shared keys (403 KeyBasedAuthenticationNotPermitted). Fix: clear Storage Connection String and "
        "enter Storage Account URL, to sign in with the application (Tenant ID, Client ID, Client Secret or Client "
        "Certificate)"
    )
