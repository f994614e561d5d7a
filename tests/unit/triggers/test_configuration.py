"""triggers/configuration.py: loading with placeholders, one named case per validation rule with the
exact message, parsed values, and that no secret ever shows in a message, a repr or a log line."""

import pickle
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sekoia_automation.exceptions import TriggerConfigurationError

from triggers.configuration import (
    SECRET_FIELDS,
    ConfigurationError,
    ConsumeEventhubConfiguration,
    cloud_of,
    load_configuration,
    redact_text,
    validate,
)

HUB_KEY = "HUBKEY+secret/value="
STORAGE_KEY = "STORAGEKEY+secret/value=="
INTAKE_KEY = "INTAKE-KEY-SECRET"
PROXY_PASSWORD = "PROXY-PASS/SECRET"
HUB_SIGNATURE_SIG = "HUBSIG%2Bsecret"
STORAGE_SIGNATURE_SIG = "STSIG%2Bsecret"
SECRET_MARKERS = ("HUBKEY", "STORAGEKEY", "INTAKE-KEY", "PROXY-PASS", "HUBSIG", "STSIG")

HUB = (
    "Endpoint=sb://my-namespace.servicebus.windows.net/;SharedAccessKeyName=listen;"
    f"SharedAccessKey={HUB_KEY};EntityPath=o365-event"
)
HUB_SAS = (
    "Endpoint=sb://my-namespace.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature "
    f"sr=my-namespace.servicebus.windows.net%2Fo365-event&sig={HUB_SIGNATURE_SIG}&se=1900000000&skn=listen"
)
STORAGE = (
    "DefaultEndpointsProtocol=https;AccountName=myaccount;" f"AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net"
)
STORAGE_SAS = (
    "BlobEndpoint=https://myaccount.blob.core.windows.net/;"
    f"SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rwlc&sig={STORAGE_SIGNATURE_SIG}"
)
PROXY = f"http://squid:{quote(PROXY_PASSWORD, safe='')}@proxy.example.com:3128"
EMULATOR_HUB = (
    "Endpoint=sb://localhost:5672;SharedAccessKeyName=RootManageSharedAccessKey;"
    f"SharedAccessKey={HUB_KEY};UseDevelopmentEmulator=true;"
)
AZURITE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    f"AccountKey={STORAGE_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
)

VALID = {
    "hub_connection_string": HUB,
    "hub_name": "o365-event",
    "storage_connection_string": STORAGE,
    "storage_container_name": "eventhub-checkpoints",
    "intake_key": INTAKE_KEY,
}

HUB_SOURCE = (
    "paste the Connection string–primary key of a policy with Listen "
    "(Event Hubs namespace > Event Hubs > your hub > Shared access policies)"
)
STORAGE_SOURCE = (
    "paste the connection string of the storage account "
    "(Storage accounts > your account > Security + networking > Access keys > Connection string)"
)


def settings(**overrides):
    return validate(load_configuration({**VALID, **overrides}))


def error(**overrides) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        settings(**overrides)
    return caught.value


RULES = [
    pytest.param(
        {"chunk_size": 0},
        "Chunk Size: got 0; enter a whole number of records between 1 and 10000",
        id="chunk_size-below-1",
    ),
    pytest.param(
        {"chunk_size": 10001},
        "Chunk Size: got 10001; enter a whole number of records between 1 and 10000",
        id="chunk_size-above-10000",
    ),
    pytest.param(
        {"chunk_size": "many"},
        "Chunk Size: got 'many'; enter a whole number of records between 1 and 10000",
        id="chunk_size-not-a-number",
    ),
    pytest.param(
        {"chunk_size": True},
        "Chunk Size: got True; enter a whole number of records between 1 and 10000",
        id="chunk_size-bool",
    ),
    pytest.param(
        {"hub_connection_string": HUB_KEY},
        f"Hub Connection String: not a connection string (Key=value pairs separated by ;); {HUB_SOURCE}",
        id="hub-connection-string-not-key-value-pairs",
    ),
    pytest.param(
        {"hub_connection_string": f"SharedAccessKeyName=listen;SharedAccessKey={HUB_KEY}"},
        f"Hub Connection String: no Endpoint=sb://<namespace>.servicebus.windows.net/; {HUB_SOURCE}",
        id="hub-connection-string-without-endpoint",
    ),
    pytest.param(
        {"hub_connection_string": HUB.replace("sb://", "https://")},
        "Hub Connection String: its Endpoint is not an sb://<namespace>.servicebus.windows.net/ address; "
        f"{HUB_SOURCE}",
        id="hub-connection-string-endpoint-not-sb",
    ),
    pytest.param(
        {"hub_connection_string": "Endpoint=sb://my-namespace.servicebus.windows.net/;SharedAccessKeyName=listen"},
        "Hub Connection String: needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature; "
        f"{HUB_SOURCE}",
        id="hub-connection-string-without-key",
    ),
    pytest.param(
        {"hub_connection_string": f"Endpoint=sb://my-namespace.servicebus.windows.net/;SharedAccessKey={HUB_KEY}"},
        "Hub Connection String: needs SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature; "
        f"{HUB_SOURCE}",
        id="hub-connection-string-key-without-key-name",
    ),
    pytest.param(
        {"hub_connection_string": HUB.replace("SharedAccessKey=", "sharedaccesskey=")},
        "Hub Connection String: key names are case-sensitive: write SharedAccessKey, not sharedaccesskey; "
        f"{HUB_SOURCE}",
        id="hub-connection-string-keys-are-case-sensitive",
    ),
    pytest.param(
        {"hub_connection_string": HUB + ";" + HUB_SAS.split(";", 1)[1]},
        "Hub Connection String: has both SharedAccessKey and SharedAccessSignature, keep only one; " f"{HUB_SOURCE}",
        id="hub-connection-string-key-and-signature",
    ),
    pytest.param(
        {"hub_name": "other-hub"},
        "Hub Name: the Hub Connection String is for the hub 'o365-event' (its EntityPath), not 'other-hub'; "
        "set Hub Name to 'o365-event' or paste the connection string of a policy of 'other-hub'",
        id="hub-name-differs-from-entity-path",
    ),
    pytest.param(
        {"hub_name": "  "},
        "Hub Name: empty; enter the name of the event hub (Event Hubs namespace > Event Hubs), e.g. o365-event",
        id="hub-name-empty",
    ),
    pytest.param(
        {"hub_name": "o365 event", "hub_connection_string": HUB.replace(";EntityPath=o365-event", "")},
        "Hub Name: got 'o365 event'; use 1 to 256 letters, digits, periods, hyphens and underscores, "
        "starting and ending with a letter or digit",
        id="hub-name-invalid",
    ),
    pytest.param(
        {"hub_name": None},
        "Hub Name: required; enter the name of the event hub (Event Hubs namespace > Event Hubs), e.g. o365-event",
        id="hub-name-missing",
    ),
    pytest.param(
        {"hub_consumer_group": ""},
        "Hub Consumer Group: empty; enter a consumer group of the hub "
        "(Event Hubs namespace > Event Hubs > your hub > Consumer groups), e.g. sekoiaio",
        id="consumer-group-empty",
    ),
    pytest.param(
        {"hub_consumer_group": "-sekoiaio"},
        "Hub Consumer Group: got '-sekoiaio'; use $Default or 1 to 50 letters, digits, periods, hyphens and "
        "underscores, starting and ending with a letter or digit",
        id="consumer-group-invalid",
    ),
    pytest.param(
        {"storage_connection_string": "STORAGEKEY+secret"},
        f"Storage Connection String: not a connection string (Key=value pairs separated by ;); {STORAGE_SOURCE}",
        id="storage-connection-string-not-key-value-pairs",
    ),
    pytest.param(
        {"storage_connection_string": "UseDevelopmentStorage=true"},
        "Storage Connection String: the UseDevelopmentStorage=true shortcut is not supported; for Azurite paste "
        "its full connection string, with AccountName, AccountKey and BlobEndpoint "
        "(e.g. http://127.0.0.1:10000/devstoreaccount1)",
        id="storage-connection-string-development-shortcut",
    ),
    pytest.param(
        {"storage_connection_string": "DefaultEndpointsProtocol=https;AccountName=myaccount"},
        f"Storage Connection String: needs AccountName and AccountKey, or SharedAccessSignature; {STORAGE_SOURCE}",
        id="storage-connection-string-without-credential",
    ),
    pytest.param(
        {"storage_connection_string": f"AccountKey={STORAGE_KEY}"},
        f"Storage Connection String: needs AccountName and AccountKey, or SharedAccessSignature; {STORAGE_SOURCE}",
        id="storage-connection-string-key-without-account-name",
    ),
    pytest.param(
        {"storage_connection_string": f"SharedAccessSignature=sv=2022-11-02&sig={STORAGE_SIGNATURE_SIG}"},
        "Storage Connection String: has a SharedAccessSignature but neither BlobEndpoint nor AccountName; "
        f"{STORAGE_SOURCE}",
        id="storage-connection-string-signature-without-endpoint",
    ),
    pytest.param(
        {"storage_connection_string": STORAGE_SAS.replace("https://", "ftp://")},
        f"Storage Connection String: its BlobEndpoint is not an https:// URL; {STORAGE_SOURCE}",
        id="storage-connection-string-blob-endpoint-not-http",
    ),
    pytest.param(
        {"storage_container_name": "Checkpoints"},
        "Storage Container Name: got 'Checkpoints'; use 3 to 63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit, with no two hyphens in a row",
        id="container-name-uppercase",
    ),
    pytest.param(
        {"storage_container_name": "event--hub"},
        "Storage Container Name: got 'event--hub'; use 3 to 63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit, with no two hyphens in a row",
        id="container-name-consecutive-hyphens",
    ),
    pytest.param(
        {"storage_container_name": "ab"},
        "Storage Container Name: got 'ab'; use 3 to 63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit, with no two hyphens in a row",
        id="container-name-too-short",
    ),
    pytest.param(
        {"storage_container_name": "checkpoints-"},
        "Storage Container Name: got 'checkpoints-'; use 3 to 63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit, with no two hyphens in a row",
        id="container-name-ends-with-hyphen",
    ),
    pytest.param(
        {"intake_server": "intake.sekoia.io"},
        "Intake Server: got 'intake.sekoia.io'; enter an http(s) URL such as https://intake.sekoia.io",
        id="intake-server-not-a-url",
    ),
    pytest.param(
        {"intake_server": "ftp://intake.sekoia.io"},
        "Intake Server: got 'ftp://intake.sekoia.io'; enter an http(s) URL such as https://intake.sekoia.io",
        id="intake-server-not-http",
    ),
    pytest.param(
        # Regression (issue 14): the value was echoed as typed, credentials included.
        {"intake_server": "https://me:s3cret-pw@intake.example.com/"},
        "Intake Server: got 'https://me:***@intake.example.com/'; enter an http(s) URL such as https://intake.sekoia.io",
        id="intake-server-with-credentials",
    ),
    pytest.param(
        # Regression (issue 14): cut at 80 characters first, the rest of a long password showed.
        {"intake_server": f"https://me:{'long-pa55word-' * 6}@intake.example.com/"},
        "Intake Server: got 'https://me:***@intake.example.com/'; enter an http(s) URL such as https://intake.sekoia.io",
        id="intake-server-with-a-long-password",
    ),
    pytest.param(
        {"categories": ["SignInLogs", " "]},
        "Categories: has an empty category name; remove it",
        id="categories-empty-name",
    ),
    pytest.param(
        {"categories": "SignInLogs"},
        "Categories: got 'SignInLogs'; enter a list of category names, or leave it empty to forward every record",
        id="categories-not-a-list",
    ),
    pytest.param(
        {"categories": ["SignInLogs", 5]},
        "Categories: item 2 is 5, not text; enter a list of category names, or leave it empty to forward "
        "every record",
        id="categories-item-not-text",
    ),
    pytest.param(
        {"starting_position": "oldest"},
        "Starting Position: got 'oldest'; choose earliest or latest",
        id="starting-position-not-in-enum",
    ),
    pytest.param(
        {"transport": "https"},
        "Transport: got 'https'; choose amqp or websocket",
        id="transport-not-in-enum",
    ),
    pytest.param(
        {"custom_endpoint_address": "my-gateway.example.com"},
        "Custom Endpoint Address: got 'my-gateway.example.com'; enter a URL with the scheme sb://, amqps://, "
        "https:// or wss:// and no path, e.g. sb://my-gateway.example.com:443",
        id="custom-endpoint-without-scheme",
    ),
    pytest.param(
        {"custom_endpoint_address": "sb://my-gateway.example.com:443/eventhub"},
        "Custom Endpoint Address: got 'sb://my-gateway.example.com:443/eventhub'; enter a URL with the scheme "
        "sb://, amqps://, https:// or wss:// and no path, e.g. sb://my-gateway.example.com:443",
        id="custom-endpoint-with-path",
    ),
    pytest.param(
        {"custom_endpoint_address": "sb://me:s3cret-pw@my-gateway.example.com:443"},
        "Custom Endpoint Address: got 'sb://me:***@my-gateway.example.com:443'; enter a URL with the scheme "
        "sb://, amqps://, https:// or wss:// and no path, e.g. sb://my-gateway.example.com:443",
        id="custom-endpoint-with-credentials",
    ),
    pytest.param(
        {"proxy_url": f"squid:{PROXY_PASSWORD}@proxy.example.com:3128"},
        "Proxy URL: not an http:// or https:// URL; enter http://[user:password@]host:port",
        id="proxy-url-not-http",
    ),
    pytest.param(
        {"proxy_url": f"http://squid:{quote(PROXY_PASSWORD, safe='')}@proxy.example.com"},
        "Proxy URL: has no port; enter http://[user:password@]host:port",
        id="proxy-url-without-port",
    ),
    pytest.param(
        {"proxy_url": "http://proxy.example.com:3128/path"},
        "Proxy URL: has a path; enter http://[user:password@]host:port",
        id="proxy-url-with-path",
    ),
    pytest.param(
        {"proxy_url": PROXY},
        "Transport: amqp cannot go through the Proxy URL (the Event Hubs client sends AMQP over WebSockets "
        "whenever a proxy is set); choose websocket, or clear Proxy URL",
        id="transport-amqp-with-proxy-url",
    ),
    pytest.param(
        {"proxy_url": PROXY, "transport": "amqp", "custom_endpoint_address": "sb://gw.example.com:5671"},
        "Transport: amqp cannot go through the Proxy URL (the Event Hubs client sends AMQP over WebSockets "
        "whenever a proxy is set); choose websocket, or clear Proxy URL",
        id="transport-amqp-with-proxy-url-and-custom-endpoint",
    ),
    pytest.param(
        {"intake_key": None},
        "Intake Key: missing; paste the intake key of the Sekoia.io intake the records go to",
        id="intake-key-missing",
    ),
    pytest.param(
        {"storage_connection_string": "   "},
        f"Storage Connection String: missing; {STORAGE_SOURCE}, or enter Storage Account URL to sign in with the "
        "application (Tenant ID, Client ID, Client Secret or Client Certificate)",
        id="storage-connection-string-blank",
    ),
    pytest.param(
        {"intake_key": 12345},
        "Intake Key: must be text; paste the intake key of the Sekoia.io intake the records go to",
        id="secret-not-text",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), RULES)
def test_each_rule_names_the_field_and_the_fix(overrides, message):
    assert str(error(**overrides)) == message


@pytest.mark.parametrize(("overrides", "message"), RULES)
def test_no_message_contains_a_secret(overrides, message):
    raised = error(**overrides)
    for text in (str(raised), repr(raised), raised.field, raised.fix, *map(str, raised.args)):
        assert not any(marker in text for marker in SECRET_MARKERS), text
        assert "\n" not in text


@pytest.mark.parametrize(("overrides", "message"), RULES)
def test_errors_carry_no_exception_chain(overrides, message):
    raised = error(**overrides)
    assert raised.__cause__ is None
    assert raised.__context__ is None


def test_field_is_the_form_label_and_fix_the_rest():
    raised = error(chunk_size=0)
    assert raised.field == "Chunk Size"
    assert raised.fix == "got 0; enter a whole number of records between 1 and 10000"


def test_configuration_error_is_critical_for_the_sdk():
    assert issubclass(ConfigurationError, TriggerConfigurationError)


def test_configuration_error_survives_pickling():
    raised = pickle.loads(pickle.dumps(error(chunk_size=0)))
    assert (raised.field, str(raised)) == ("Chunk Size", str(error(chunk_size=0)))


def test_defaults():
    result = settings()
    assert result.hub_consumer_group == "sekoiaio"
    assert result.intake_server == "https://intake.sekoia.io"
    assert result.chunk_size == 1000
    assert result.categories == ()
    assert result.starting_position == "earliest"
    assert result.starting_position == "earliest"
    assert result.transport == "amqp"
    assert result.custom_endpoint_address is None
    assert result.proxy is None


def test_nulls_and_blank_optionals_take_the_defaults():
    result = settings(chunk_size=None, categories=None, transport=None, custom_endpoint_address=" ", proxy_url="")
    assert (result.chunk_size, result.categories, result.transport) == (1000, (), "amqp")
    assert result.custom_endpoint_address is None
    assert result.proxy is None


def test_values_are_trimmed_and_normalised():
    result = settings(
        hub_name=" o365-event ",
        intake_server="https://intake.example.com/",
        categories=[" SignInLogs "],
        custom_endpoint_address="wss://gw.example.com:8443/",
        starting_position="latest",
    )
    assert result.hub_name == "o365-event"
    assert result.intake_server == "https://intake.example.com"
    assert result.categories == ("SignInLogs",)
    assert result.custom_endpoint_address == "wss://gw.example.com:8443"
    assert result.starting_position == "latest"


def test_chunk_size_bounds_are_accepted():
    assert settings(chunk_size=1).chunk_size == 1
    assert settings(chunk_size="10000").chunk_size == 10000


def test_default_consumer_group_and_entity_path_case():
    assert settings(hub_consumer_group="$Default").hub_consumer_group == "$Default"
    assert settings(hub_name="O365-Event").hub_name == "O365-Event"


def test_namespace_level_policy_has_no_entity_path():
    result = settings(hub_connection_string=HUB.replace(";EntityPath=o365-event", ""), hub_name="any-hub")
    assert result.hub_entity_path is None


def test_shared_access_signature_hub_string_is_accepted():
    result = settings(hub_connection_string=HUB_SAS)
    assert result.hub_namespace == "my-namespace.servicebus.windows.net"
    assert result.hub_entity_path is None


def test_parsed_public_cloud_values():
    result = settings()
    assert result.hub_namespace == "my-namespace.servicebus.windows.net"
    assert result.hub_entity_path == "o365-event"
    assert result.hub_uses_emulator is False
    assert result.hub_cloud == "public"
    assert result.storage_account_name == "myaccount"
    assert result.storage_blob_endpoint == "https://myaccount.blob.core.windows.net"
    assert result.storage_cloud == "public"
    assert result.cloud_mismatch_warning() is None


def test_parsed_emulator_values():
    result = settings(hub_connection_string=EMULATOR_HUB, storage_connection_string=AZURITE)
    assert result.hub_namespace == "localhost:5672"
    assert result.hub_uses_emulator is True
    assert result.hub_cloud == "local"
    assert result.storage_account_name == "devstoreaccount1"
    assert result.storage_blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1"
    assert result.storage_cloud == "local"
    assert result.cloud_mismatch_warning() is None


def test_storage_sas_connection_string():
    result = settings(storage_connection_string=STORAGE_SAS)
    assert result.storage_account_name is None
    assert result.storage_blob_endpoint == "https://myaccount.blob.core.windows.net"


def test_china_storage_endpoint_from_suffix():
    result = settings(storage_connection_string=STORAGE.replace("core.windows.net", "core.chinacloudapi.cn"))
    assert result.storage_blob_endpoint == "https://myaccount.blob.core.chinacloudapi.cn"
    assert result.storage_cloud == "china"


def test_cloud_mismatch_warning():
    result = settings(hub_connection_string=HUB.replace("servicebus.windows.net", "servicebus.chinacloudapi.cn"))
    assert result.hub_cloud == "china"
    assert result.cloud_mismatch_warning() == (
        "The hub is in Azure China (21Vianet) but the storage account is in the public Azure cloud: "
        "check that both connection strings come from the same cloud"
    )


@pytest.mark.parametrize(
    ("host", "cloud"),
    [
        ("ns.servicebus.windows.net", "public"),
        ("acct.blob.core.windows.net", "public"),
        ("ns.servicebus.chinacloudapi.cn", "china"),
        ("acct.blob.core.chinacloudapi.cn", "china"),
        ("ns.servicebus.usgovcloudapi.net", "usgov"),
        ("localhost", "local"),
        ("127.0.0.1", "local"),
        ("gateway.example.com", "other"),
        (None, "other"),
    ],
)
def test_cloud_of(host, cloud):
    assert cloud_of(host) == cloud


def test_unknown_clouds_give_no_warning():
    result = settings(hub_connection_string=HUB.replace("servicebus.windows.net", "hub.example.com"))
    assert result.hub_cloud == "other"
    assert result.cloud_mismatch_warning() is None


def test_proxy_is_parsed_with_websockets():
    result = settings(proxy_url=PROXY, transport="websocket")
    assert result.proxy.host == "proxy.example.com"
    assert result.proxy.port == 3128
    assert result.proxy.username == "squid"
    assert result.proxy.password == PROXY_PASSWORD
    assert result.proxy.requests_proxies() == {"http": PROXY, "https": PROXY}
    assert result.proxy.eventhub_http_proxy() == {
        "proxy_hostname": "proxy.example.com",
        "proxy_port": 3128,
        "username": "squid",
        "password": PROXY_PASSWORD,
    }
    assert result.transport == "websocket"


# Secrets: placeholders at load, real values overlaid by the SDK, never shown --------------------------


def test_placeholders_load_and_the_sdk_overlay_validates():
    placeholders = {name: "<secret>" for name in SECRET_FIELDS}
    configuration = load_configuration({**VALID, **placeholders, "transport": "websocket"})
    for name, value in {**VALID, "proxy_url": PROXY}.items():
        if name in SECRET_FIELDS:
            setattr(configuration, name, value)  # as Trigger._apply_node_secrets does
    result = validate(configuration)
    assert result.intake_key == INTAKE_KEY
    assert result.proxy.password == PROXY_PASSWORD


def test_secrets_may_be_absent_at_load():
    configuration = load_configuration({"hub_name": "o365-event", "storage_container_name": "checkpoints"})
    assert configuration.hub_connection_string is None  # optional since issue 16: Hub Namespace may replace it
    with pytest.raises(ConfigurationError, match=r"^Hub Connection String: missing; "):
        validate(configuration)


def test_reprs_and_dumps_hide_secrets():
    configuration = load_configuration({**VALID, "proxy_url": PROXY, "transport": "websocket"})
    result = validate(configuration)
    for text in (repr(configuration), str(configuration), repr(result), repr(result.proxy)):
        assert not any(marker in text for marker in SECRET_MARKERS), text
    dump = configuration.redacted_dump()
    assert {dump[name] for name in SECRET_FIELDS if name != "proxy_url" and not name.startswith("client_")} == {"***"}
    assert dump["proxy_url"] == "***" and dump["client_secret"] is None  # an optional secret left empty
    assert dump["hub_name"] == "o365-event"


def test_pydantic_errors_hide_inputs_even_outside_load_configuration():
    # The SDK's own configuration setter puts str(ValidationError) in the playbook log.
    with pytest.raises(ValidationError) as caught:
        ConsumeEventhubConfiguration.model_validate({**VALID, "hub_connection_string": [HUB], "proxy_url": [PROXY]})
    assert not any(marker in str(caught.value) for marker in SECRET_MARKERS)


def test_redact_replaces_every_secret_and_its_parts():
    result = settings(proxy_url=PROXY, transport="websocket", storage_connection_string=STORAGE_SAS)
    text = " | ".join(
        [
            HUB,
            STORAGE_SAS,
            INTAKE_KEY,
            PROXY,
            HUB_KEY,
            quote(HUB_KEY, safe=""),
            STORAGE_SIGNATURE_SIG,
            PROXY_PASSWORD,
            f"headers={{'User-Agent': 'sekoiaio-connector-{INTAKE_KEY}'}}",
            "amqps://my-namespace.servicebus.windows.net:5671",
        ]
    )
    redacted = result.redact(text)
    assert not any(marker in redacted for marker in SECRET_MARKERS), redacted
    assert "my-namespace.servicebus.windows.net" in redacted  # not a secret: still readable


def test_redact_masks_keys_and_signatures_it_was_not_given():
    text = (
        "Endpoint=sb://x/;SharedAccessKeyName=p;SharedAccessKey=abc123== AccountKey=def456;"
        " https://a.blob.core.windows.net/c?sv=1&sig=ghi789&se=2 http://user:pw0rd@proxy:3128"
    )
    assert redact_text(text) == (
        "Endpoint=sb://x/;SharedAccessKeyName=p;SharedAccessKey=*** AccountKey=***;"
        " https://a.blob.core.windows.net/c?sv=1&sig=***&se=2 http://user:***@proxy:3128"
    )


BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@given(st.text(alphabet=BASE64, min_size=8, max_size=60), st.sampled_from(["", "=", "=="]))
def test_redact_never_lets_a_hub_key_through(body, padding):
    key = body + padding
    result = validate(load_configuration({**VALID, "hub_connection_string": HUB.replace(HUB_KEY, key)}))
    redacted = result.redact(f"connect failed: key {key} rejected ({quote(key, safe='')})")
    assert key not in redacted
    assert quote(key, safe="") not in redacted


# Agreement with azure-eventhub's own parser --------------------------------------------------------


@pytest.mark.parametrize(
    "connection_string",
    [
        HUB,
        HUB_SAS,
        EMULATOR_HUB,
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen",
        f"SharedAccessKeyName=listen;SharedAccessKey={HUB_KEY}",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=;SharedAccessKey=x",
        "Endpoint=sb://ns.servicebus.windows.net/;;SharedAccessKeyName=listen;SharedAccessKey=x",
        HUB + ";" + HUB_SAS.split(";", 1)[1],
        HUB_KEY,
    ],
    ids=[
        "key",
        "signature",
        "emulator",
        "no-key",
        "no-endpoint",
        "empty-value",
        "empty-part",
        "key-and-signature",
        "not-pairs",
    ],
)
def test_accepts_what_azure_eventhub_accepts(connection_string):
    from azure.eventhub import parse_connection_string

    try:
        properties = parse_connection_string(connection_string)
    except ValueError:
        properties = None
    try:
        result = settings(hub_connection_string=connection_string, hub_name="o365-event")
    except ConfigurationError:
        result = None
    assert (result is None) == (properties is None)
    if result is not None:
        assert result.hub_namespace == properties.fully_qualified_namespace
