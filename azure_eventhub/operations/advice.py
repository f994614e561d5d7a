"""What an error or a state means for the operator: which form field to change, and how.

Pure: exceptions of the Azure SDKs (and TimeoutError from the self-check's deadlines) are classified
by their class names and the services' own texts (the conditions and descriptions Event Hubs and
Blob Storage answer), so this module never imports azure.* and is tested on literal errors. Each
outcome is a ``Finding``: one log line naming the field and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

HUB_CONNECTION_STRING = "Hub Connection String"
HUB_NAMESPACE = "Hub Namespace"
STORAGE_ACCOUNT_URL = "Storage Account URL"
HUB_NAME = "Hub Name"
HUB_CONSUMER_GROUP = "Hub Consumer Group"
STORAGE_CONNECTION_STRING = "Storage Connection String"
STORAGE_CONTAINER_NAME = "Storage Container Name"
INTAKE_SERVER = "Intake Server"
PROXY_URL = "Proxy URL"

_POLICY_PAGE = "Event Hubs namespace > Event Hubs > your hub > Shared access policies"
_NETWORK_FIX = (
    "check that this network reaches the namespace on port 5671 (AMQP), or on port 443 with Transport "
    "set to websocket (through the Proxy URL if there is one), and that the namespace's Networking page "
    "allows this address"
)


@dataclass(frozen=True)
class Target:
    """What the checks are about, for the messages (no secret here)."""

    hub_namespace: str
    hub_name: str
    consumer_group: str
    storage_endpoint: str
    container: str
    intake_server: str
    transport: str = "amqp"
    proxy: bool = False
    hub_signs_in: bool = False  # Hub Namespace and the application, not a connection string
    storage_signs_in: bool = False  # Storage Account URL and the application
    authority_host: str | None = None  # where the application signs in (host[:port])


@dataclass(frozen=True)
class Finding:
    """One line of the self-check: a check passed (info), a warning, or an error (fatal)."""

    level: str  # "info", "warning" or "error"
    text: str
    field: str | None = None  # the form field to change
    fix: str | None = None

    @property
    def fatal(self) -> bool:
        return self.level == "error"

    def line(self, prefix: str) -> str:
        """One log line: ``<prefix>: <field>: <what>. Fix: <how>``."""
        where = f"{self.field}: " if self.field else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return " ".join(f"{prefix}: {where}{self.text}.{fix}".split())

    def __str__(self) -> str:
        return self.line("Self-check")


def passed(text: str) -> Finding:
    return Finding("info", f"passed: {text}")


def error_finding(field_name: str, text: str, fix: str) -> Finding:
    return Finding("error", text, field_name, fix)


def warning(field_name: str | None, text: str, fix: str | None = None) -> Finding:
    return Finding("warning", text, field_name, fix)


# --- classification -------------------------------------------------------------------------------


def _names(error: BaseException) -> set[str]:
    carried = getattr(error, "class_names", None)  # receiver_process.ReceiveFailure: the original's
    if carried:
        return set(carried)
    return {cls.__name__ for cls in type(error).__mro__}


def _first_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    for marker in (" TrackingId:", " To know more visit", " Error condition:", "\n"):
        text = text.split(marker)[0]
    return text[:limit]


def classify_hub_error(error: BaseException, target: Target) -> Finding:
    """What an Event Hubs error (from the SDK, or TimeoutError from a deadline) means for the operator."""
    text = str(error)
    lowered = text.lower()
    names = _names(error)
    hub, namespace, group = target.hub_name, target.hub_namespace, target.consumer_group
    if target.hub_signs_in:
        signing_in = sign_in_advice.classify_sign_in_error(error, target)
        if signing_in is not None:
            return signing_in
    hub_field = HUB_NAMESPACE if target.hub_signs_in else HUB_CONNECTION_STRING
    if "TimeoutError" in names and "EventHubError" not in names:
        return error_finding(
            hub_field,
            f"the namespace {namespace} did not answer ({error})",
            _NETWORK_FIX,
        )
    if "expiredtoken" in lowered:
        return error_finding(
            HUB_CONNECTION_STRING,
            f"the namespace {namespace} refused the SharedAccessSignature: it has expired",
            f"paste a new signature, or the Connection string–primary key of a policy with Listen ({_POLICY_PAGE})",
        )
    if target.hub_signs_in and (
        "'listen' claim" in lowered or "unauthorized-access" in lowered or "unauthorizedaccess" in lowered
    ):
        return error_finding(
            HUB_NAMESPACE,
            f"the application may not read hub {hub}: it has no data role there (Event Hubs answered: Listen claim "
            "required)",
            "assign Azure Event Hubs Data Receiver to the application on the hub or the namespace (Event Hubs "
            "namespace > Access control (IAM) > Add role assignment); it applies within minutes",
        )
    if target.hub_signs_in and ("AuthenticationError" in names or "401" in text or "invalidtoken" in lowered):
        return error_finding(
            HUB_NAMESPACE,
            f"the namespace {namespace} refused the application's token: {_first_line(error)}",
            "check Tenant ID (the application must belong to the namespace's tenant) and Authority Host (the "
            "namespace's cloud)",
        )
    if (
        "invalidsignature" in lowered
        or "invalidtoken" in lowered
        or ("AuthenticationError" in names and "401" in text)
    ):
        return error_finding(
            HUB_CONNECTION_STRING,
            f"the namespace {namespace} refused the key (HTTP 401 InvalidSignature): the SharedAccessKeyName "
            "does not exist on this hub or namespace, or its key is wrong or was regenerated",
            f"paste the current Connection string–primary key of a policy with Listen ({_POLICY_PAGE})",
        )
    if "'listen' claim" in lowered or "unauthorized-access" in lowered or "unauthorizedaccess" in lowered:
        return error_finding(
            HUB_CONNECTION_STRING,
            f"the policy of this connection string may not read hub {hub}: it lacks the Listen right",
            f"paste the connection string of a policy with Listen ({_POLICY_PAGE}), or add Listen to this policy",
        )
    if "could not be found" in lowered or "amqp:not-found" in lowered or "status code: 404" in lowered:
        if "/consumergroups/" in lowered:
            return error_finding(
                HUB_CONSUMER_GROUP,
                f"the consumer group {group} does not exist in hub {hub}",
                "create it (Event Hubs namespace > Event Hubs > your hub > Consumer groups) or enter an existing one; "
                "use a consumer group that no other application reads with",
            )
        return error_finding(
            HUB_NAME,
            f"the namespace {namespace} has no event hub named {hub}",
            "enter the name of an existing hub (Event Hubs namespace > Event Hubs), or paste a connection string "
            "of the namespace that holds it",
        )
    if target.proxy and ("407" in text or "proxy" in lowered or "tunnel" in lowered):
        return error_finding(
            PROXY_URL,
            f"the proxy refused or failed the connection to {namespace}: {_first_line(error)}",
            "check the proxy's address and credentials, and that it allows CONNECT to the namespace on port 443",
        )
    if target.hub_signs_in and (
        "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered
    ):
        return error_finding(
            HUB_NAMESPACE,
            f"the namespace host ({namespace}) does not resolve",
            "check Hub Namespace: <namespace>.servicebus.windows.net (<namespace>.servicebus.chinacloudapi.cn for "
            "Azure China); or check this network's DNS",
        )
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return error_finding(
            HUB_CONNECTION_STRING,
            f"the namespace host in the Endpoint ({namespace}) does not resolve",
            "check the Endpoint: sb://<namespace>.servicebus.windows.net/ "
            "(sb://<namespace>.servicebus.chinacloudapi.cn/ "
            "for Azure China); or check this network's DNS",
        )
    if "ConnectError" in names or "socket" in lowered or "connection refused" in lowered or "timed out" in lowered:
        return error_finding(
            hub_field, f"cannot connect to the namespace {namespace}: {_first_line(error)}", _NETWORK_FIX
        )
    return error_finding(
        hub_field,
        f"Event Hubs answered {type(error).__name__}: {_first_line(error)}",
        "check the hub settings; the self-check runs again",
    )


def receiver_probe_finding(error: BaseException | None, target: Target, partition_id: str) -> Finding:
    """The outcome of opening a receiver on one partition (the consumer group's existence)."""
    group, hub = target.consumer_group, target.hub_name
    if error is None:
        return passed(f"consumer group {group} of hub {hub} can be read (partition {partition_id})")
    lowered = str(error).lower()
    if "link:stolen" in lowered or "epoch" in lowered:
        # Refused because a reader with an owner level (a replica of ours, or another processor)
        # holds the partition: the consumer group exists, and the key may Listen.
        return passed(f"consumer group {group} of hub {hub} exists (partition {partition_id} is being read)")
    if "resource-limit-exceeded" in lowered or "maximum number of allowed receivers" in lowered:
        return warning(
            HUB_CONSUMER_GROUP,
            f"5 readers already read partition {partition_id} of hub {hub} with the consumer group {group} "
            "(the most Event Hubs allows): another application uses it",
            "give this trigger a consumer group of its own",
        )
    finding = classify_hub_error(error, target)
    if finding.field in (HUB_CONNECTION_STRING, HUB_NAMESPACE) and finding.text.startswith("Event Hubs answered"):
        # Unknown: do not block on it; the event processor will meet it again and report it.
        return warning(HUB_CONSUMER_GROUP, f"could not check the consumer group {group}: {_first_line(error)}")
    return finding


def describe_receive_error(error: BaseException, target: Target) -> Finding | None:
    """A receive or load-balancing error met while consuming, when it means something the operator
    must fix (error), or a partition taken over by another reader (info: normal when replicas share
    the hub; OwnershipChurn warns when it keeps happening); None for the transient ones (the SDK
    reconnects by itself)."""
    lowered = str(error).lower()
    if "link:stolen" in lowered or "epoch" in lowered:
        return Finding(
            "info",
            f"taken over by another reader with the consumer group {target.consumer_group}",
        )
    finding = classify_hub_error(error, target)
    if finding.text.startswith("Event Hubs answered") or finding.text.startswith("cannot connect"):
        return None
    if "did not answer" in finding.text:
        return None
    return finding


def classify_storage_error(error: BaseException, target: Target) -> Finding:
    """What a storage error (azure-core / azure-storage-blob, or TimeoutError) means for the operator."""
    names = _names(error)
    status = getattr(error, "status_code", None)
    code = str(getattr(error, "error_code", "") or "")
    code = code.rsplit(".", 1)[-1].replace("_", "").lower()  # "StorageErrorCode.AUTHORIZATION_FAILURE" too
    text = str(error)
    lowered = text.lower()
    endpoint, container = target.storage_endpoint, target.container
    if target.storage_signs_in:
        signing_in = sign_in_advice.classify_sign_in_error(error, target)
        if signing_in is not None:
            return signing_in
        if status == 403 and code == "authorizationpermissionmismatch":
            return error_finding(
                STORAGE_ACCOUNT_URL,
                f"the application may not list and write blobs in the container {container} (403 "
                "AuthorizationPermissionMismatch: it has no data role there)",
                "assign Storage Blob Data Contributor on the container or the account to the application (Storage "
                "accounts > your account > Access control (IAM) > Add role assignment); it applies within minutes",
            )
        if status in (401, 403) and (code in ("authenticationfailed", "invalidauthenticationinfo")):
            return error_finding(
                STORAGE_ACCOUNT_URL,
                f"the storage account {endpoint} refused the application's token ({status} {code})",
                "check Tenant ID (the application must belong to the account's tenant) and Authority Host (the "
                "account's cloud)",
            )
    if code == "keybasedauthenticationnotpermitted":
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} does not allow shared keys (403 KeyBasedAuthenticationNotPermitted)",
            "clear Storage Connection String and enter Storage Account URL, to sign in with the application (Tenant "
            "ID, Client ID, Client Secret or Client Certificate)",
        )
    storage_field = STORAGE_ACCOUNT_URL if target.storage_signs_in else STORAGE_CONNECTION_STRING
    if "TimeoutError" in names and "AzureError" not in names:
        return error_finding(
            storage_field,
            f"the storage account {endpoint} did not answer ({error})",
            "check that this network reaches it on port 443 (through the Proxy URL if there is one), and the "
            "storage account's Networking settings",
        )
    if "failed to resolve" in lowered or "name or service not known" in lowered or "getaddrinfo" in lowered:
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account's host ({endpoint}) does not resolve",
            "check AccountName and EndpointSuffix (core.chinacloudapi.cn for Azure China) or BlobEndpoint; "
            "paste the connection string from Storage accounts > your account > Access keys",
        )
    if target.proxy and ("ProxyError" in names or "407" in text or "proxy" in lowered):
        return error_finding(
            PROXY_URL,
            f"the proxy refused or failed the connection to {endpoint}: {_first_line(error)}",
            "check the proxy's address and credentials, and that it allows the storage account's host",
        )
    if "ServiceRequestError" in names or "ServiceResponseError" in names:
        return error_finding(
            storage_field,
            f"cannot connect to the storage account {endpoint}: {_first_line(error)}",
            "check that this network reaches it on port 443, and the storage account's Networking settings",
        )
    if status == 403 and (code == "authenticationfailed" or "failed to authenticate" in lowered):
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} refused the key or signature (403 AuthenticationFailed): the key "
            "was regenerated, or the SharedAccessSignature expired",
            "paste the current connection string (Storage accounts > your account > Security + networking > "
            "Access keys), or a new SAS",
        )
    if status == 403 and code in ("authorizationpermissionmismatch", "authorizationresourcetypemismatch"):
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"these credentials may not list and write blobs in the container {container} ({code})",
            "paste the account's connection string (Access keys), or a SAS with Read, Write, List, Add and Create "
            "on the container (and on containers and objects for an account SAS)",
        )
    if status == 403:
        return error_finding(
            storage_field,
            f"the storage account {endpoint} refused the request (403 {code or 'Forbidden'}): its firewall may "
            "not allow this address",
            "allow this network in the storage account's Networking page (or use a private endpoint), or paste "
            "valid credentials",
        )
    if status == 404 and code == "containernotfound":
        return error_finding(
            STORAGE_CONTAINER_NAME,
            f"the container {container} does not exist and these credentials may not create it",
            "create the container (Storage accounts > your account > Containers), or paste the account's "
            "connection string so that the trigger creates it",
        )
    if status == 409 and code == "containerbeingdeleted":
        return error_finding(
            STORAGE_CONTAINER_NAME,
            f"the container {container} is being deleted",
            "wait a minute, or enter another name",
        )
    if status == 404:
        return error_finding(
            STORAGE_CONNECTION_STRING,
            f"the storage account {endpoint} was not found ({code or 404})",
            "check AccountName and BlobEndpoint: paste the connection string from Storage accounts > your account > "
            "Access keys",
        )
    return error_finding(
        storage_field,
        f"the storage account {endpoint} answered {type(error).__name__}: {_first_line(error)}",
        "check the storage settings; the self-check runs again",
    )


def classify_intake_error(error: BaseException, target: Target) -> Finding:
    """The intake server did not answer. A warning: chunks are retried until it does."""
    names = _names(error)
    if target.proxy and "ProxyError" in names:
        return warning(
            PROXY_URL,
            f"the proxy refused or failed the connection to the intake server {target.intake_server}: "
            f"{_first_line(error)}",
            "check the proxy's address and credentials, and that it allows the intake's host; records wait in the hub "
            "and are sent once it works",
        )
    return warning(
        INTAKE_SERVER,
        f"the intake server {target.intake_server} cannot be reached ({type(error).__name__})",
        "enter your region's intake address (https://intake.sekoia.io by default) and check that this network "
        "reaches it; records wait in the hub and are sent once it answers",
    )


# --- retention ------------------------------------------------------------------------------------


def retention_findings(
    checkpoints: dict[str, int], ranges: dict[str, tuple[int, int]], target: Target
) -> list[Finding]:
    """Compare each partition's checkpoint (sequence number) with what the hub retains:
    ``ranges[partition] = (beginning sequence number, last enqueued sequence number)``."""
    findings = []
    for partition_id in sorted(checkpoints, key=partition_order):
        if partition_id not in ranges:
            continue
        checkpoint = checkpoints[partition_id]
        beginning, last = ranges[partition_id]
        if checkpoint + 1 < beginning:
            lost = beginning - checkpoint - 1
            findings.append(
                warning(
                    None,
                    f"partition {partition_id} of hub {target.hub_name}: its checkpoint "
                    f"(sequence number {checkpoint}) "
                    f"is older than the oldest event the hub still retains (sequence number {beginning}): {lost} "
                    f"events were deleted by the hub's retention before this consumer group read them",
                    "they cannot be read again; collection resumes at the oldest retained event. Keep the trigger "
                    "running, or raise the hub's retention (Event Hubs namespace > Event Hubs > your hub > "
                    "Configuration)",
                )
            )
        elif last >= 0 and checkpoint > last:
            findings.append(
                warning(
                    None,
                    f"partition {partition_id} of hub {target.hub_name}: its checkpoint "
                    f"(sequence number {checkpoint}) "
                    f"is beyond the last event of the partition (sequence number {last}): the hub was probably "
                    "deleted and created again",
                    f"delete the checkpoint blobs of this hub in the container {target.container} (their names start "
                    f"with {target.hub_namespace}/{target.hub_name.lower()}/"
                    f"{target.consumer_group.lower()}/checkpoint/)",
                )
            )
    return findings


def partition_order(partition_id: str) -> tuple[int, str]:
    return (int(partition_id), "") if partition_id.isdigit() else (1 << 30, partition_id)


# Last: it builds on Finding and Target above (a module import, so either may be imported first).
import azure_eventhub.operations.sign_in_advice as sign_in_advice  # noqa: E402
