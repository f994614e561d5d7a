"""validate(): the trigger's arguments checked once the secrets are applied (see configuration.py,
which re-exports it: import it from there). Raises ConfigurationError on the first problem, in form
order: one line naming the form field and the fix, never a secret."""

import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

from azure_eventhub.core.redaction import with_encodings
from azure_eventhub.core.sign_in import AppCredentials
from triggers.certificate import CertificateProblem, load_certificate
from triggers.configuration import (
    HUB_CONNECTION_STRING_SOURCE,
    STORAGE_CONNECTION_STRING_SOURCE,
    ConfigurationError,
    ConsumeEventhubConfiguration,
    _field_error,
    _shown,
    label,
    load_configuration,
)
from triggers.connection_strings import (
    cloud_of,
    parse_hub_connection_string,
    parse_storage_connection_string,
)
from triggers.sign_in_settings import (
    APPLICATION,
    FieldProblem,
    Notice,
    check_client_id,
    check_one_credential,
    check_tenant_id,
    default_authority,
    normalise_hub_namespace,
    parse_authority_host,
    parse_storage_account_url,
    unused_notice,
)
from triggers.field_checks import _check_consumer_group, _check_hub_name, _parsed
from triggers.validated_settings import ProxySettings, ValidatedSettings

# Names and URLs ------------------------------------------------------------------------------------

_CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")


def _url_parts(value: str, schemes: tuple[str, ...]):
    """urlsplit() of an absolute URL with one of these schemes and a host, else None."""
    parts = urlsplit(value)
    try:
        parts.port
    except ValueError:
        return None
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        return None
    return parts


def parse_proxy_url(value: str) -> ProxySettings:
    parts = _url_parts(value, ("http", "https"))
    if parts is None:
        raise _field_error("proxy_url", None, "not an http:// or https:// URL")
    if parts.path not in ("", "/"):
        raise _field_error("proxy_url", None, "has a path")
    if parts.port is None:
        raise _field_error("proxy_url", None, "has no port")
    return ProxySettings(
        url=value.rstrip("/"),
        host=parts.hostname,
        port=parts.port,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


# Validation ----------------------------------------------------------------------------------------


def validate(configuration: ConsumeEventhubConfiguration | dict) -> ValidatedSettings:
    """Check the arguments once the secrets are applied; raise ConfigurationError on the first problem,
    in form order."""
    # Load again: the SDK overlaid the secrets with setattr, which the model does not check.
    config = load_configuration(
        configuration.raw_values() if isinstance(configuration, ConsumeEventhubConfiguration) else configuration
    )
    try:
        return _validate(config)
    except (FieldProblem, CertificateProblem) as problem:
        # Raised outside the except block: no exception context carries the input on.
        name, fix = problem.args[0] if isinstance(problem, FieldProblem) else problem.field, _fix_of(problem)
    raise ConfigurationError(label(name), fix)


def _fix_of(problem: FieldProblem | CertificateProblem) -> str:
    if isinstance(problem, FieldProblem):
        return problem.fix
    if problem.field == "client_certificate_password":
        return f"{problem.problem}; enter the password the private key of Client Certificate was encrypted with"
    return f"{problem.problem}; paste the PEM holding the certificate and its private key"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_way(connection_string: str, signed_in: str, name: str, other: str, source: str) -> None:
    """A side takes its connection string or its namespace/URL signed in: exactly one."""
    if connection_string and signed_in:
        raise ConfigurationError(
            label(name),
            f"set together with {label(other)}; keep one: clear {label(other)} to use the connection string, or "
            f"clear {label(name)} to sign in with {APPLICATION}",
        )
    if not connection_string and not signed_in:
        raise ConfigurationError(
            label(name), f"missing; paste {source}, or enter {label(other)} to sign in with {APPLICATION}"
        )


def _validate(config: ConsumeEventhubConfiguration) -> ValidatedSettings:
    hub_text, namespace_text = _text(config.hub_connection_string), _text(config.hub_namespace)
    _one_way(hub_text, namespace_text, "hub_connection_string", "hub_namespace", HUB_CONNECTION_STRING_SOURCE)
    if hub_text:
        hub = _parsed(parse_hub_connection_string, "hub_connection_string", hub_text)
        namespace, entity_path, emulator = hub.namespace, hub.entity_path, hub.uses_emulator
    else:
        hub = None
        namespace, entity_path, emulator = normalise_hub_namespace(namespace_text), None, False
    hub_name = _check_hub_name(config.hub_name.strip(), entity_path)
    consumer_group = _check_consumer_group(config.hub_consumer_group.strip())

    storage_text, account_url_text = _text(config.storage_connection_string), _text(config.storage_account_url)
    _one_way(
        storage_text,
        account_url_text,
        "storage_connection_string",
        "storage_account_url",
        STORAGE_CONNECTION_STRING_SOURCE,
    )
    if storage_text:
        storage = _parsed(parse_storage_connection_string, "storage_connection_string", storage_text)
        account_url, account_name, blob_endpoint = None, storage.account_name, storage.blob_endpoint
    else:
        storage = None
        parsed_url = parse_storage_account_url(account_url_text)
        account_url, account_name, blob_endpoint = parsed_url.url, parsed_url.account_name, parsed_url.url
    container = config.storage_container_name.strip()
    if not _CONTAINER_NAME.match(container):
        raise ConfigurationError(
            label("storage_container_name"),
            f"got {_shown(container)}; use 3 to 63 lowercase letters, digits and hyphens, starting and ending "
            "with a letter or digit, with no two hyphens in a row",
        )

    sides = [
        label(name)
        for name, text in (("hub_namespace", namespace_text), ("storage_account_url", account_url_text))
        if text
    ]
    signing_host = namespace if namespace_text else urlsplit(blob_endpoint).hostname
    application, notices, key_lines = _application(config, sides, signing_host, bool(namespace_text))

    if not config.intake_key.strip():
        raise _field_error("intake_key", None, "missing")
    intake_server = config.intake_server.strip()
    intake = _url_parts(intake_server, ("http", "https"))
    if intake is None or intake.username is not None:
        raise _field_error("intake_server", intake_server)
    categories = tuple(category.strip() for category in config.categories)
    if not all(categories):
        raise ConfigurationError(label("categories"), "has an empty category name; remove it")
    custom_endpoint = None
    if config.custom_endpoint_address:
        address = config.custom_endpoint_address.strip()
        parts = _url_parts(address, ("sb", "amqps", "https", "wss"))
        if parts is None or parts.path not in ("", "/") or parts.username is not None:
            raise _field_error("custom_endpoint_address", address)
        custom_endpoint = f"{parts.scheme}://{parts.netloc}"
    proxy = parse_proxy_url(config.proxy_url.strip()) if config.proxy_url else None
    if proxy is not None and config.transport == "amqp":
        # azure-eventhub switches to WebSockets whenever it has a proxy: refused rather than run on a
        # transport the form does not show (and a port the firewall may not open).
        raise ConfigurationError(
            label("transport"),
            f"amqp cannot go through the {label('proxy_url')} (the Event Hubs client sends AMQP over WebSockets "
            f"whenever a proxy is set); choose websocket, or clear {label('proxy_url')}",
        )
    if application is not None and proxy is not None:
        application = replace(application, proxy_url=proxy.url)  # token requests go through it too

    cloud_mismatch_host = urlsplit(f"//{namespace}").hostname
    return ValidatedSettings(
        hub_connection_string=hub_text or None,
        hub_name=hub_name,
        hub_consumer_group=consumer_group,
        hub_namespace=namespace,
        hub_entity_path=entity_path,
        hub_uses_emulator=emulator,
        hub_cloud=cloud_of(cloud_mismatch_host),
        storage_connection_string=storage_text or None,
        storage_container_name=container,
        storage_account_name=account_name,
        storage_blob_endpoint=blob_endpoint,
        storage_cloud=cloud_of(urlsplit(blob_endpoint).hostname),
        intake_key=config.intake_key.strip(),
        intake_server=intake_server.rstrip("/"),
        chunk_size=config.chunk_size,
        categories=categories,
        starting_position=config.starting_position,
        transport=config.transport,
        receiver_processes=config.receiver_processes,
        custom_endpoint_address=custom_endpoint,
        proxy=proxy,
        storage_account_url=account_url,
        sign_in=application,
        notices=notices,
        secrets=with_encodings(
            [
                config.hub_connection_string,
                config.storage_connection_string,
                config.intake_key,
                config.proxy_url,
                config.client_secret,
                config.client_certificate,
                config.client_certificate_password,
                *(hub.secret_parts if hub else ()),
                *(storage.secret_parts if storage else ()),
                proxy.password if proxy else None,
                *(application.secret_values() if application else ()),
                *key_lines,
            ]
        ),
    )


_APPLICATION_FIELDS = (
    "tenant_id",
    "client_id",
    "client_secret",
    "client_certificate",
    "client_certificate_password",
    "authority_host",
)


def _application(
    config: ConsumeEventhubConfiguration, sides: list[str], host: str | None, hub_signs_in: bool
) -> tuple[AppCredentials | None, tuple[Notice, ...], tuple[str, ...]]:
    """The application's credentials when a side signs in (else the notice of those set for nothing),
    the notices, and the certificate key's base64 lines (secrets to redact)."""
    if not sides:
        unused = unused_notice([label(name) for name in _APPLICATION_FIELDS if _text(getattr(config, name))])
        return None, (unused,) if unused else (), ()
    tenant_id = check_tenant_id(_text(config.tenant_id), sides)
    client_id = check_client_id(_text(config.client_id), sides)
    secret, pem, password = (
        _text(config.client_secret),
        _text(config.client_certificate),
        _text(config.client_certificate_password),
    )
    check_one_credential(secret, pem, sides)
    notices: list[Notice] = []
    certificate = load_certificate(pem, password or None) if pem else None
    if password and (certificate is None or certificate.password_unused):
        why = (
            "Client Secret signs in"
            if certificate is None
            else "the private key of Client Certificate is not encrypted"
        )
        notices.append(Notice(label("client_certificate_password"), f"is set, but {why}: it is not used", "clear it"))
    if _text(config.authority_host):
        authority = parse_authority_host(_text(config.authority_host))
    else:
        what = "the hub's namespace" if hub_signs_in else "the storage account"
        authority, notice = default_authority(host or "", what)
        if notice is not None:
            notices.append(notice)
    application = AppCredentials(
        tenant_id=tenant_id,
        client_id=client_id,
        authority=authority,
        client_secret=secret or None,
        certificate_pem=certificate.pem if certificate else None,
        certificate_password=certificate.password if certificate else None,
    )
    return application, tuple(notices), certificate.key_lines if certificate else ()
