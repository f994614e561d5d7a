"""Attach: decide what a new link is ($cbs, $management, producer, consumer) and whether it may exist.

A refused link is attached and then detached at once with the service's error: the SDK needs
non-null source and target in the answering attach, then reads the condition from the detach.
"""

from . import addresses, auth, errors, frames, publish, services
from .codec import Described, Symbol
from .links import ConsumerLink, InboundLink, ReplyLink

EPOCH = Symbol("com.microsoft:epoch")
RUNTIME_METRIC = Symbol("com.microsoft:enable-receiver-runtime-metric")
SELECTOR = Symbol("apache.org:selector-filter:string")

SND_UNSETTLED, SND_SETTLED = 0, 1
RCV_FIRST = 0

NODES = ("$cbs", "$management")


def on_attach(session, fields) -> None:
    name = frames.field(fields, 0)
    remote_handle = frames.field(fields, 1)
    client_is_receiver = bool(frames.field(fields, 2, False))
    source = _address_of(frames.field(fields, 5))
    target = _address_of(frames.field(fields, 6))
    filters = _filter_of(frames.field(fields, 5))
    properties = frames.field(fields, 13, {}) or {}
    handle = session.allocate_handle()
    args = (session, name, remote_handle, handle, source, target, properties)
    if client_is_receiver:
        _attach_outbound(session, fields, args, filters)
    else:
        _attach_inbound(session, fields, args)


def _attach_inbound(session, fields, args) -> None:
    """The client will send: $cbs / $management requests or events."""
    target = args[5]
    connection = session.connection
    initial = frames.field(fields, 9, 0)
    if target in NODES:
        handler = services.cbs_request if target == "$cbs" else services.management_request
        link = InboundLink(*args, handler=handler, initial_delivery_count=initial)
        _answer(session, fields, link)
        link.grant()
        return
    address = addresses.parse_address(target or "")
    hub = connection.server.namespace.hub(address.hub) if address else None
    tracker = _tracker(connection, address)
    refusal = None
    if address is None or hub is None:
        refusal = errors.entity_not_found(address.resource() if address else str(target), tracker)
    elif address.partition is not None and hub.partition(address.partition) is None:
        refusal = errors.partition_out_of_range(address.partition, len(hub.partitions), tracker)
    elif not _authorized(connection, address, "Send"):
        refusal = errors.claim_required("Send", address.resource(), tracker)
    max_size = hub.config.max_message_size if hub else None
    link = InboundLink(
        *args, handler=publish.on_event_delivery, initial_delivery_count=initial, max_message_size=max_size
    )
    link.hub = hub
    link.address = address
    _answer(session, fields, link, max_message_size=max_size)
    if refusal:
        link.detach(frames.error(*refusal))
    else:
        link.grant()


def _attach_outbound(session, fields, args, filters) -> None:
    """The client will receive: $cbs / $management replies or a partition's events."""
    source = args[4]
    connection = session.connection
    if source in NODES:
        link = ReplyLink(*args)
        session.reply_links = getattr(session, "reply_links", {})
        session.reply_links[source] = link
        _answer(session, fields, link, initial_delivery_count=0)
        return
    namespace = connection.server.namespace
    address = addresses.parse_address(source or "")
    tracker = _tracker(connection, address)
    properties = args[6]
    epoch = properties.get(EPOCH)
    desired = frames.field(fields, 12) or []
    desired = [desired] if isinstance(desired, str) else desired
    hub = namespace.hub(address.hub) if address else None
    partition = None
    refusal = None
    if address is None or address.consumer_group is None or address.partition is None:
        refusal = errors.entity_not_found(address.resource() if address else str(source), tracker)
    elif hub is None:
        refusal = errors.entity_not_found(address._replace(consumer_group=None, partition=None).resource(), tracker)
    elif not hub.config.has_consumer_group(address.consumer_group):
        refusal = errors.entity_not_found(address._replace(partition=None).resource(), tracker)
    else:
        partition = hub.partition(address.partition)
        if partition is None:
            refusal = errors.partition_out_of_range(address.partition, len(hub.partitions), tracker)
        elif not _authorized(connection, address, "Listen"):
            refusal = errors.claim_required("Listen", address.resource(), tracker)
    start = 0
    if refusal is None:
        try:
            position = addresses.parse_selector(filters)
            start = partition.position(*position)
        except ValueError as exc:
            refusal = errors.ServiceError(errors.NOT_IMPLEMENTED, str(exc))
    presettle = frames.field(fields, 4, RCV_FIRST) == RCV_FIRST
    key = (hub.name, address.consumer_group.lower(), partition.id) if refusal is None else None
    link = ConsumerLink(
        *args,
        partition=partition,
        start=start,
        key=key,
        epoch=epoch,
        metrics=RUNTIME_METRIC in desired,
        presettle=presettle,
    )
    stolen = []
    if refusal is None:
        refusal, stolen = namespace.admit(key, link, epoch, tracker)
    _answer(session, fields, link, initial_delivery_count=0, snd_settle=SND_SETTLED if presettle else SND_UNSETTLED)
    if refusal:
        link.detached = True  # never registered: nothing to release
        connection.send(frames.detach_frame(session.channel, link.handle, True, frames.error(*refusal)))
        return
    for old in stolen:
        old.detach(frames.error(*errors.epoch_stolen(epoch, old.epoch, tracker)))


def _answer(session, fields, link, initial_delivery_count=None, max_message_size=None, snd_settle=None):
    session.links[link.remote_handle] = link
    session.by_name[link.name] = link
    source = frames.field(fields, 5)
    session.connection.send(
        frames.attach_frame(
            session.channel,
            link.name,
            link.handle,
            not bool(frames.field(fields, 2, False)),
            frames.field(fields, 3, 0) if snd_settle is None else snd_settle,
            frames.field(fields, 4, 0),
            frames.described_list(
                frames.SOURCE, link.source, None, None, None, None, None, None, _echo_filter(source)
            ),
            frames.described_list(frames.TARGET, link.target),
            initial_delivery_count=initial_delivery_count,
            max_message_size=max_message_size,
        )
    )


def _address_of(terminus):
    if isinstance(terminus, Described) and isinstance(terminus.value, list) and terminus.value:
        return terminus.value[0]
    return None


def _filter_of(source):
    """The selector expression, if the source carries one."""
    if not isinstance(source, Described) or len(source.value) < 8 or not source.value[7]:
        return None
    for key, value in source.value[7].items():
        if key == SELECTOR:
            return value.value if isinstance(value, Described) else value
    return None


def _echo_filter(source):
    if isinstance(source, Described) and len(source.value) > 7 and isinstance(source.value[7], dict):
        return source.value[7]
    return None


def _authorized(connection, address, claim) -> bool:
    config = connection.server.namespace.config
    if not config.auth_enabled:
        return True
    return auth.has_claim(connection.grants, address.resource(), claim, config)


def _tracker(connection, address) -> str:
    if address is None:
        return "NoSystemTracker"
    group = f"|{address.consumer_group}" if address.consumer_group else ""
    return f"{address.host}:eventhub:{address.hub}{group}"
