"""What errors mean for the operator: each classified on the exception the SDK raises, with the text
the service (or the local emulator, which uses the service's wording) answers."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.eventhub.exceptions import AuthenticationError, ConnectError, ConnectionLostError, EventHubError

from azure_eventhub.operations.advice import Target
from azure_eventhub.operations.hub_advice import classify_hub_error, describe_receive_error, receiver_probe_finding
from azure_eventhub.operations.retention_advice import retention_findings
from azure_eventhub.operations.service_advice import classify_intake_error, classify_storage_error

TARGET = Target(
    hub_namespace="contoso.servicebus.windows.net",
    hub_name="o365-event",
    consumer_group="sekoiaio",
    storage_endpoint="https://contosologs.blob.core.windows.net",
    container="eventhub-checkpoints",
    intake_server="https://intake.sekoia.io",
)
PROXIED = Target(**{**TARGET.__dict__, "proxy": True, "transport": "websocket"})

CBS_401 = (
    "CBS Token authentication failed.\nStatus code: 401\nDescription: InvalidSignature: The token has an invalid "
    "signature.\nError: client-error"
)
HUB_404 = (
    'Management connection failed. Status code: 404, Description: "The messaging entity '
    "'sb://contoso.servicebus.windows.net/o365-evnt' could not be found. To know more visit "
    "https://aka.ms/sbResourceMgrExceptions. TrackingId:4b9d_G0, SystemTracker:contoso:eventhub:o365-evnt, "
    'Timestamp:2026-11-25T15:42:35"\nError condition: ErrorCondition.NotFound'
)
GROUP_404 = (
    "The messaging entity 'sb://contoso.servicebus.windows.net/o365-event/consumergroups/sekoiaio' could not be "
    "found. To know more visit https://aka.ms/sbResourceMgrExceptions. TrackingId:4516_G0\nError condition: "
    "amqp:not-found"
)
NO_LISTEN = (
    "Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource: "
    "'sb://contoso.servicebus.windows.net/o365-event/consumergroups/sekoiaio/partitions/0'. TrackingId:631f_G0"
    "\nError condition: amqp:unauthorized-access"
)
STOLEN = (
    "New receiver 'nil' with higher epoch of '0' is created hence current receiver 'nil' with epoch '0' is getting "
    "disconnected. If you are recreating the receiver, make sure a higher epoch is used. TrackingId:4009_G0"
)
NON_EPOCH = (
    "At least one receiver for the endpoint is created with epoch of '0', and so non-epoch receiver is not "
    "allowed. Either reconnect with a higher epoch, or make sure all epoch receivers are closed or disconnected."
)
FIVE_READERS = (
    "Exceeded the maximum number of allowed receivers per partition in a consumer group which is 5. List of "
    "connected receivers - nil, nil, nil, nil, nil.\nError condition: amqp:resource-limit-exceeded"
)


@pytest.mark.parametrize(
    "error, field, words",
    [
        (AuthenticationError(CBS_401), "Hub Connection String", "refused the key (HTTP 401 InvalidSignature)"),
        (
            AuthenticationError(
                "CBS Token authentication failed.\nStatus code: 401\nDescription: ExpiredToken: The "
                "token is expired. Expiration time: '11/25/2026 10:00:00 AM'"
            ),
            "Hub Connection String",
            "refused the SharedAccessSignature: it has expired",
        ),
        (ConnectionLostError(NO_LISTEN), "Hub Connection String", "it lacks the Listen right"),
        (ConnectError(HUB_404), "Hub Name", "the namespace contoso.servicebus.windows.net has no event hub named"),
        (ConnectionLostError(GROUP_404), "Hub Consumer Group", "the consumer group sekoiaio does not exist in hub"),
        (
            ConnectError(
                "Failed to initiate the connection due to exception: [Errno -2] Name or service not known\n"
                "Error condition: ErrorCondition.SocketError"
            ),
            "Hub Connection String",
            "the namespace host in the Endpoint (contoso.servicebus.windows.net) does not resolve",
        ),
        (
            ConnectError("Failed to initiate the connection due to exception: [Errno 111] Connection refused"),
            "Hub Connection String",
            "cannot connect to the namespace contoso.servicebus.windows.net: Failed to initiate the connection",
        ),
        (TimeoutError("no answer within 30 s"), "Hub Connection String", "did not answer (no answer within 30 s)"),
    ],
    ids=["wrong-key", "expired-signature", "no-listen", "no-hub", "no-consumer-group", "dns", "refused", "timeout"],
)
def test_event_hubs_errors_name_the_field_to_fix(error, field, words):
    finding = classify_hub_error(error, TARGET)
    assert finding.fatal and finding.field == field
    assert words in finding.text
    line = str(finding)
    assert line.startswith(f"Self-check: {field}: ") and " Fix: " in line and "\n" not in line


def test_a_proxy_that_refuses_the_tunnel_is_the_proxy_url_to_fix():
    error = ConnectError(
        "Failed to initiate the connection due to exception: Tunnel connection failed: 407 Proxy "
        "Authentication Required"
    )
    assert classify_hub_error(error, PROXIED).field == "Proxy URL"
    assert classify_hub_error(error, TARGET).field == "Hub Connection String"  # no proxy configured


def test_an_unknown_event_hubs_error_is_shown_shortened_without_tracking_ids():
    finding = classify_hub_error(EventHubError("Something new. TrackingId:abc_G0, SystemTracker:x"), TARGET)
    assert finding.text == "Event Hubs answered EventHubError: Something new."


@pytest.mark.parametrize("text", [STOLEN, NON_EPOCH])
def test_a_partition_held_by_another_reader_proves_the_consumer_group_exists(text):
    finding = receiver_probe_finding(ConnectionLostError(text), TARGET, "0")
    assert finding.level == "info" and "consumer group sekoiaio of hub o365-event exists" in finding.text


def test_the_probe_outcomes_of_the_consumer_group():
    assert (
        receiver_probe_finding(None, TARGET, "0").text
        == "passed: consumer group sekoiaio of hub o365-event can be read (partition 0)"
    )
    assert receiver_probe_finding(ConnectionLostError(GROUP_404), TARGET, "0").field == "Hub Consumer Group"
    five = receiver_probe_finding(ConnectionLostError(FIVE_READERS), TARGET, "0")
    assert five.level == "warning" and "another application uses it" in five.text
    unknown = receiver_probe_finding(EventHubError("odd"), TARGET, "0")
    assert unknown.level == "warning"  # unknown: reported, but collection is not blocked on it


def test_receive_errors_while_consuming_are_explained_only_when_a_setting_must_change():
    assert describe_receive_error(AuthenticationError(CBS_401), TARGET).field == "Hub Connection String"
    assert describe_receive_error(ConnectionLostError(GROUP_404), TARGET).field == "Hub Consumer Group"
    takeover = describe_receive_error(ConnectionLostError(STOLEN), TARGET)
    assert (
        takeover.level == "info" and takeover.text == "taken over by another reader with the consumer group sekoiaio"
    )
    assert (
        describe_receive_error(ConnectError("Failed to initiate the connection: Connection refused"), TARGET) is None
    )
    assert describe_receive_error(EventHubError("transient"), TARGET) is None


def storage_error(status, code, message="", cls=HttpResponseError):
    error = cls(message=message or f"{code}\nErrorCode:{code}")
    error.status_code, error.error_code = status, code
    return error


@pytest.mark.parametrize(
    "error, field, words",
    [
        (
            storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value "
                "of Authorization header is formed correctly including the signature.",
            ),
            "Storage Connection String",
            "refused the key or signature (403 AuthenticationFailed)",
        ),
        (
            storage_error(403, "AuthorizationFailure", "This request is not authorized to perform this operation."),
            "Storage Connection String",
            "its firewall may not allow this address",
        ),
        (
            storage_error(403, "AuthorizationPermissionMismatch"),
            "Storage Connection String",
            "may not list and write blobs in the container eventhub-checkpoints",
        ),
        (
            storage_error(404, "ContainerNotFound", cls=ResourceNotFoundError),
            "Storage Container Name",
            "the container eventhub-checkpoints does not exist and these credentials may not create it",
        ),
        (
            ServiceRequestError(
                "<urllib3.connection.HTTPSConnection>: Failed to resolve 'contosologs.blob.core."
                "windows.net' ([Errno -2] Name or service not known)"
            ),
            "Storage Connection String",
            "does not resolve",
        ),
        (
            ServiceRequestError(
                "HTTPConnection(host='10.0.0.4', port=443): Failed to establish a new connection: "
                "[Errno 111] Connection refused"
            ),
            "Storage Connection String",
            "cannot connect to the storage account https://contosologs.blob.core.windows.net",
        ),
        (TimeoutError("no answer within 30 s"), "Storage Connection String", "did not answer"),
    ],
    ids=["wrong-key", "firewall", "read-only", "no-container", "dns", "refused", "timeout"],
)
def test_storage_errors_name_the_field_to_fix(error, field, words):
    finding = classify_storage_error(error, TARGET)
    assert finding.fatal and finding.field == field and words in finding.text


def test_the_error_codes_azurite_spells_as_enums_are_read_too():
    # azure-storage-blob hands some codes over as StorageErrorCode members.
    error = storage_error(403, "StorageErrorCode.AUTHORIZATION_FAILURE", "Server failed to authenticate the request.")
    assert "refused the key or signature" in classify_storage_error(error, TARGET).text


def test_an_unreachable_intake_only_warns():
    import requests

    finding = classify_intake_error(requests.ConnectionError("refused"), TARGET)
    assert finding.level == "warning" and finding.field == "Intake Server"
    proxied = classify_intake_error(requests.exceptions.ProxyError("407"), PROXIED)
    assert proxied.field == "Proxy URL"


def test_retention_losses_and_re_created_hubs_are_counted_per_partition():
    findings = retention_findings(
        {"0": 9, "1": 99, "2": 500, "3": 4}, {"0": (15, 40), "1": (0, 120), "2": (0, 30)}, TARGET
    )
    assert [str(finding) for finding in findings] == [
        "Self-check: partition 0 of hub o365-event: its checkpoint (sequence number 9) is older than the oldest "
        "event the hub still retains (sequence number 15): 5 events were deleted by the hub's retention before "
        "this consumer group read them. Fix: they cannot be read again; collection resumes at the oldest retained "
        "event. Keep the trigger running, or raise the hub's retention (Event Hubs namespace > Event Hubs > your hub "
        "> Configuration)",
        "Self-check: partition 2 of hub o365-event: its checkpoint (sequence number 500) is beyond the last event "
        "of the partition (sequence number 30): the hub was probably deleted and created again. Fix: delete the "
        "checkpoint blobs of this hub in the container eventhub-checkpoints (their names start with "
        "contoso.servicebus.windows.net/o365-event/sekoiaio/checkpoint/)",
    ]


def test_a_checkpoint_just_before_the_oldest_retained_event_lost_nothing():
    assert retention_findings({"0": 14}, {"0": (15, 40)}, TARGET) == []
