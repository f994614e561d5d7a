"""The configuration model and trigger_consume_eventhub_messages.json declare the same arguments:
names (in form order), titles, types, required, defaults, bounds, enums and secrets."""

import json
from pathlib import Path

import pytest

from triggers.configuration import SECRET_FIELDS, ConsumeEventhubConfiguration, load_configuration

TRIGGER = json.loads((Path(__file__).resolve().parents[3] / "trigger_consume_eventhub_messages.json").read_text())
ARGUMENTS = TRIGGER["arguments"]
MODEL = ConsumeEventhubConfiguration.model_json_schema()


def model_property(name: str) -> dict:
    """The model's JSON schema of a field, with `X | None` read as an optional X."""
    schema = dict(MODEL["properties"][name])
    variants = [variant for variant in schema.pop("anyOf", []) if variant != {"type": "null"}]
    if variants:
        (variant,) = variants
        schema.update(variant)
    if "const" in schema:  # a one-value Literal
        schema["enum"] = [schema.pop("const")]
    return schema


def test_same_names_in_the_same_order():
    assert list(ARGUMENTS["properties"]) == list(MODEL["properties"])


def test_same_required():
    assert sorted(ARGUMENTS["required"]) == sorted(MODEL["required"])
    # Each side takes its connection string or signs in with the application (issue 16): validate()
    # says which field to fill.
    assert ARGUMENTS["required"] == ["hub_name", "storage_container_name", "intake_key"]


def test_same_secrets():
    assert ARGUMENTS["secrets"] == list(SECRET_FIELDS)
    assert set(SECRET_FIELDS) <= set(ARGUMENTS["properties"])


def test_the_sign_in_arguments_are_the_ones_the_issue_names():
    names = list(ARGUMENTS["properties"])
    for name in ("hub_namespace", "storage_account_url", "tenant_id", "client_id", "client_secret",
                 "client_certificate", "client_certificate_password", "authority_host"):
        assert name in names and name not in ARGUMENTS["required"]
    assert {"client_secret", "client_certificate", "client_certificate_password"} <= set(ARGUMENTS["secrets"])


def test_the_file_is_formatted_as_json_dumps_writes_it():
    path = Path(__file__).resolve().parents[3] / "trigger_consume_eventhub_messages.json"
    assert path.read_text() == json.dumps(TRIGGER, indent=2)


@pytest.mark.parametrize("name", list(ConsumeEventhubConfiguration.model_fields))
@pytest.mark.parametrize("key", ["title", "type", "default", "enum", "minimum", "maximum", "items"])
def test_same_property_keyword(name, key):
    assert ARGUMENTS["properties"][name].get(key) == model_property(name).get(key)


@pytest.mark.parametrize("name", list(ConsumeEventhubConfiguration.model_fields))
def test_every_argument_is_explained(name):
    argument = ARGUMENTS["properties"][name]
    assert argument["title"].strip()
    assert len(argument["description"]) > 20


def test_enums_and_defaults_are_the_ones_asked_for():
    properties = ARGUMENTS["properties"]
    assert properties["starting_position"]["enum"] == ["earliest", "latest"]
    assert properties["starting_position"]["default"] == "earliest"
    assert properties["transport"]["enum"] == ["amqp", "websocket"]
    assert properties["transport"]["default"] == "amqp"
    assert properties["hub_consumer_group"]["default"] == "sekoiaio"
    assert properties["intake_server"]["default"] == "https://intake.sekoia.io"
    assert properties["chunk_size"]["default"] == 1000
    assert properties["categories"]["default"] == []


def test_json_defaults_load_to_the_model_defaults():
    required_only = {
        "hub_connection_string": "<secret>",
        "hub_name": "o365-event",
        "storage_connection_string": "<secret>",
        "storage_container_name": "checkpoints",
        "intake_key": "<secret>",
    }
    with_json_defaults = {
        **required_only,
        **{name: argument["default"] for name, argument in ARGUMENTS["properties"].items() if "default" in argument},
    }
    assert load_configuration(with_json_defaults) == load_configuration(required_only)


def test_the_sdk_sees_the_model_as_the_configuration_type():
    # The model mirrors the connector's DefaultConnectorConfiguration fields the SDK reads.
    fields = ConsumeEventhubConfiguration.model_fields
    assert fields["intake_key"].annotation is str
    assert fields["intake_server"].annotation is str
