"""The two request/response nodes: $cbs (put-token) and $management (READ hub / partition).

Replies go out on the session's link whose source is the same node, matched by the client on
correlation-id = request message-id. Management replies carry both `status-description` and
`statusDescription`: the SDK reads the camelCase one for management, the other for CBS.
"""

import logging

from . import auth, errors, frames, messages
from .codec import Timestamp

log = logging.getLogger(__name__)


def cbs_request(link, delivery_id, message_format, body):
    request = messages.parse_request(body)
    connection = link.connection
    props = request.application_properties
    if props.get("operation") != "put-token":
        status, description = 400, f"The operation '{props.get('operation')}' is not supported by $cbs."
    else:
        token = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        status, description, grant = auth.check_token(
            connection.server.namespace.config,
            props.get("name", ""),
            token,
            str(props.get("type", "")),
            connection.hostname,
        )
        if grant is not None:
            connection.grants.append(grant)
        log.info(
            "put-token %s %s for %s: %s, valid until %s",
            props.get("type"),
            status,
            props.get("name"),
            description,
            grant.expires_at if grant else None,
        )
        counted = f"{props.get('type', '')} {status}"
        connection.server.put_tokens[counted] = connection.server.put_tokens.get(counted, 0) + 1
    _reply(link, "$cbs", request, status, description, None)
    return frames.ACCEPTED_STATE


def management_request(link, delivery_id, message_format, body):
    request = messages.parse_request(body)
    props = request.application_properties
    connection = link.connection
    namespace = connection.server.namespace
    host = connection.hostname
    name = str(props.get("name", ""))
    hub = namespace.hub(name)
    resource = f"sb://{host}/{name}"
    if props.get("operation") != "READ":
        return _done(link, request, 400, f"The operation '{props.get('operation')}' is not supported.", None)
    if hub is None:
        return _done(
            link, request, 404, errors.entity_not_found(resource.lower(), f"{host}:eventhub:{name}").description, None
        )
    if namespace.config.auth_enabled and not auth.has_any_right(connection.grants, resource, namespace.config):
        return _done(
            link,
            request,
            401,
            errors.claim_required("Manage,EntityRead", resource, f"{host}:eventhub:{name}").description,
            None,
        )
    kind = props.get("type")
    if kind == "com.microsoft:eventhub":
        value = {
            "name": hub.name,
            "created_at": Timestamp(hub.created_at_ms),
            "partition_count": len(hub.partitions),
            "partition_ids": [p.id for p in hub.partitions],
        }
        return _done(link, request, 200, "OK", value)
    if kind == "com.microsoft:partition":
        pid = str(props.get("partition", ""))
        partition = hub.partition(pid)
        if partition is None:
            err = errors.partition_out_of_range(pid, len(hub.partitions), f"{host}:eventhub:{name}")
            return _done(link, request, 400, err.description, None)
        return _done(link, request, 200, "OK", partition_properties(hub, partition))
    return _done(link, request, 400, f"The type '{kind}' is not supported.", None)


def partition_properties(hub, partition) -> dict:
    last_seq, last_offset, last_time = -1, "-1", 0
    if partition.end:
        last_seq, last_offset, last_time = partition.end - 1, str(partition.offsets[-1]), partition.times[-1]
    return {
        "name": hub.name,
        "partition": partition.id,
        "begin_sequence_number": partition.begin,
        "last_enqueued_sequence_number": last_seq,
        "last_enqueued_offset": last_offset,
        "last_enqueued_time_utc": Timestamp(last_time),
        "is_partition_empty": partition.begin >= partition.end,
    }


def _done(link, request, status, description, value):
    _reply(link, "$management", request, status, description, value)
    return frames.ACCEPTED_STATE


def _reply(link, node, request, status, description, value):
    properties = {
        "status-code": status,
        "status-description": description,
        "statusCode": status,
        "statusDescription": description,
    }
    reply_link = getattr(link.session, "reply_links", {}).get(node)
    if reply_link is not None:
        reply_link.reply(messages.reply_message(request.message_id, properties, value))
