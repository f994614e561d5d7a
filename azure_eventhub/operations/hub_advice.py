"""What an Event Hubs error means for the operator: at the self-check, the receiver probe and while
receiving. Pure, tested on literal errors (advice.py says how).
"""

from __future__ import annotations

from azure_eventhub.operations import sign_in_advice
from azure_eventhub.operations.advice import (
    error_finding,
    Finding,
    _first_line,
    HUB_CONNECTION_STRING,
    HUB_CONSUMER_GROUP,
    HUB_NAME,
    HUB_NAMESPACE,
    _names,
    _NETWORK_FIX,
    passed,
    _POLICY_PAGE,
    PROXY_URL,
    Target,
    warning,
)


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
