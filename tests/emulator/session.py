"""An AMQP session: its links by handle, delivery numbering and transfer framing.

The emulator answers on the same channel number the client used: channels are numbered per
direction, so mirroring them is legal and keeps the bookkeeping to one number.
"""

from . import frames

# Room for the frame header and the transfer performative in a frame (they take 43 bytes).
_TRANSFER_OVERHEAD = 64


class Session:
    def __init__(self, connection, channel: int):
        self.connection = connection
        self.channel = channel
        self.links = {}  # remote handle -> Link
        self.by_name = {}  # link name -> Link, to pair $cbs / $management request and reply links
        self.next_handle = 0
        self.next_incoming_id = 0  # next transfer id we expect from the client
        self.next_outgoing_id = 0  # transfer id of our next transfer frame
        self.next_delivery_id = 0

    def allocate_handle(self) -> int:
        handle = self.next_handle
        self.next_handle += 1
        return handle

    def send_delivery(self, handle: int, payload: bytes, settled: bool, message_format: int = 0) -> None:
        """Send one message, split over several transfer frames if the client's frame size needs it."""
        delivery_id = self.next_delivery_id
        self.next_delivery_id += 1
        send = self.connection.send
        room = self.connection.remote_max_frame - _TRANSFER_OVERHEAD
        if len(payload) <= room:
            send(
                frames.transfer_header(self.channel, handle, delivery_id, settled, False, len(payload), message_format)
                + payload
            )
            self.next_outgoing_id += 1
            return
        for start in range(0, len(payload), room):
            chunk = payload[start : start + room]
            more = start + room < len(payload)
            send(
                frames.transfer_header(self.channel, handle, delivery_id, settled, more, len(chunk), message_format)
                + chunk
            )
            self.next_outgoing_id += 1

    def on_transfer(self, fields, payload) -> None:
        self.next_incoming_id += 1
        link = self.links.get(frames.field(fields, 0))
        if link is not None and not link.detached and hasattr(link, "on_transfer"):
            link.on_transfer(fields, payload)

    def on_flow(self, fields) -> None:
        handle = frames.field(fields, 4)
        if handle is None:
            return  # session-level flow only: our windows are large, nothing to do
        link = self.links.get(handle)
        if link is None or not hasattr(link, "on_flow"):
            return
        link.on_flow(frames.field(fields, 5, 0), frames.field(fields, 6, 0))
        if frames.field(fields, 9, False):  # echo
            self.connection.send(
                frames.flow_frame(
                    self.channel,
                    self.next_incoming_id,
                    self.next_outgoing_id,
                    link.handle,
                    link.delivery_count,
                    max(link.credit, 0),
                )
            )

    def on_detach(self, fields) -> None:
        link = self.links.pop(frames.field(fields, 0), None)
        if link is None:
            return
        self.by_name.pop(link.name, None)
        if link.detached:
            return  # the client answers a detach we sent: nothing more to say
        link.detached = True
        link.on_detached()
        self.connection.send(frames.detach_frame(self.channel, link.handle, frames.field(fields, 1, False)))

    def end(self) -> None:
        """The session is over (end frame or connection gone): release every link."""
        for link in list(self.links.values()):
            if not link.detached:
                link.detached = True
                link.on_detached()
        self.links.clear()
        self.by_name.clear()
