"""Every error the emulator answers, with the condition and wording Azure Event Hubs uses.

The texts follow what the real service sends (quoted in Azure SDK issues and Microsoft docs), so
code under test sees what it would see in production. The real service ends each description with
a tracking suffix; we add one of the same shape so text matching behaves the same.
Sources (as seen in public issue threads): Azure/azure-sdk-for-python#31084 (link stolen),
Azure/azure-event-hubs-java#328 (lower epoch), Azure/azure-sdk-for-net#33938 (5 readers),
Azure/azure-event-hubs-python#4 (Listen claim), Azure/azure-event-hubs-python#106 (message size),
microsoft/AzureMonitorAddonForSplunk#8 (entity not found).
"""

import datetime
import uuid
from typing import NamedTuple

NOT_FOUND = "amqp:not-found"
UNAUTHORIZED = "amqp:unauthorized-access"
LINK_STOLEN = "amqp:link:stolen"
RESOURCE_LIMIT = "amqp:resource-limit-exceeded"
MESSAGE_SIZE = "amqp:link:message-size-exceeded"
ARGUMENT_OUT_OF_RANGE = "com.microsoft:argument-out-of-range"
NOT_IMPLEMENTED = "amqp:not-implemented"
FORCED = "amqp:connection:forced"
FRAMING = "amqp:connection:framing-error"
DETACH_FORCED = "amqp:link:detach-forced"


class ServiceError(NamedTuple):
    condition: str
    description: str


def _tracking(system_tracker: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f" TrackingId:{uuid.uuid4()}_G0, SystemTracker:{system_tracker}, Timestamp:{now}"


def entity_not_found(resource: str, tracker: str) -> ServiceError:
    return ServiceError(
        NOT_FOUND,
        f"The messaging entity '{resource}' could not be found. To know more visit "
        f"https://aka.ms/sbResourceMgrExceptions. " + _tracking(tracker).lstrip(),
    )


def partition_out_of_range(partition: str, count: int, tracker: str) -> ServiceError:
    return ServiceError(
        ARGUMENT_OUT_OF_RANGE,
        f"The specified partition is invalid for an EventHub partition sender or receiver. "
        f"It should be between 0 and {count - 1}." + _tracking(tracker),
    )


def claim_required(claim: str, resource: str, tracker: str) -> ServiceError:
    return ServiceError(
        UNAUTHORIZED,
        f"Unauthorized access. '{claim}' claim(s) are required to perform this operation. "
        f"Resource: '{resource}'." + _tracking(tracker),
    )


def epoch_stolen(new_epoch: int, old_epoch, tracker: str) -> ServiceError:
    return ServiceError(
        LINK_STOLEN,
        f"New receiver 'nil' with higher epoch of '{new_epoch}' is created hence current receiver 'nil' "
        f"with epoch '{_epoch_text(old_epoch)}' is getting disconnected. If you are recreating the "
        f"receiver, make sure a higher epoch is used." + _tracking(tracker),
    )


def lower_epoch(existing: int, requested: int, tracker: str) -> ServiceError:
    return ServiceError(
        LINK_STOLEN,
        f"A receiver with a higher epoch '{existing}' already exists. A new receiver with epoch "
        f"{requested} cannot be created. Make sure you are creating receiver with increasing epoch "
        f"value to ensure connectivity, or ensure all old epoch receivers are closed or "
        f"disconnected." + _tracking(tracker),
    )


def non_epoch_refused(existing: int, tracker: str) -> ServiceError:
    return ServiceError(
        LINK_STOLEN,
        f"At least one receiver for the endpoint is created with epoch of '{existing}', and so non-epoch "
        f"receiver is not allowed. Either reconnect with a higher epoch, or make sure all epoch "
        f"receivers are closed or disconnected." + _tracking(tracker),
    )


def too_many_readers(count: int, tracker: str) -> ServiceError:
    names = ", ".join(["nil"] * count)
    return ServiceError(
        RESOURCE_LIMIT,
        f"Exceeded the maximum number of allowed receivers per partition in a consumer group which "
        f"is {count}. List of connected receivers - {names}." + _tracking(tracker),
    )


def message_too_large(delivery_id: int, size: int, limit: int, tracker: str) -> ServiceError:
    return ServiceError(
        MESSAGE_SIZE,
        f"The received message (delivery-id:{delivery_id}, size:{size} bytes) exceeds the limit "
        f"({limit} bytes) currently allowed on the link." + _tracking(tracker),
    )


def _epoch_text(epoch) -> str:
    return "nil" if epoch is None else str(epoch)


# CBS put-token answers: status code and status-description.
CBS_OK = (202, "Accepted")


def cbs_invalid_signature() -> tuple[int, str]:
    return 401, "InvalidSignature: The token has an invalid signature."


def cbs_expired(expiry_epoch_s: int) -> tuple[int, str]:
    when = datetime.datetime.fromtimestamp(expiry_epoch_s, datetime.timezone.utc).strftime("%m/%d/%Y %I:%M:%S %p")
    return 401, f"ExpiredToken: The token is expired. Expiration time: '{when}'"


def cbs_malformed() -> tuple[int, str]:
    return 401, "InvalidToken: The provided token is not a valid SharedAccessSignature."
