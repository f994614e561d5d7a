"""Links whose token expired without a renewing put-token are detached, as the service does.

Microsoft's AMQP protocol guide for Service Bus and Event Hubs: "the client is responsible for
keeping track of token expiration. When a token expires, [the service] promptly drops all links on
the connection to the respective entity." A client that renews in time (the SDK puts a new token
before expiry on the same `$cbs` link) keeps its links. The detach carries the error the attach
would get without a token: `amqp:unauthorized-access`, "'Listen' (or 'Send') claim(s) are
required", under `amqp:link:detach-forced` with "Code: RenewToken" as the service words it (seen in
Azure/azure-sdk-for-python#5314 and #23487: "The link '...' is force detached. Code: RenewToken.
Details: Unauthorized access. 'Listen' claim(s) are required to perform this operation. Resource:
'sb://...'"); the SDK reconnects and puts a fresh token.
"""

from __future__ import annotations

import logging
import time

from . import addresses, attach, errors, frames
from .links import ConsumerLink, InboundLink

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds; a link may outlive its token by this much at most

_last_check = 0.0


def detach_unauthorized(server) -> int:
    """Detach every event link that lost its claim; return how many. Cheap between checks."""
    global _last_check
    now = time.monotonic()
    if now - _last_check < CHECK_EVERY or not server.namespace.config.auth_enabled:
        return 0
    _last_check = now
    detached = 0
    for transport in list(server.clients):
        connection = transport.connection
        for session in list(connection.sessions.values()):
            for link in list(session.links.values()):
                if link.detached:
                    continue
                checked = _claim_of(link)
                if checked is None:
                    continue
                address, claim = checked
                if not attach._authorized(connection, address, claim):
                    tracker = attach._tracker(connection, address)
                    log.info(
                        "detaching %s: no live token grants %s (grants: %s)",
                        address.resource(),
                        claim,
                        [(g.audience, g.expires_at) for g in connection.grants],
                    )
                    refusal = errors.claim_required(claim, address.resource(), tracker)
                    description = f"The link '{link.name}' is force detached. Code: RenewToken. Details: {refusal.description}"
                    link.detach(frames.error(errors.DETACH_FORCED, description))
                    detached += 1
    server.expired_links += detached
    return detached


def _claim_of(link):
    """(address, claim) of an event link; None for $cbs, $management and reply links."""
    if isinstance(link, ConsumerLink):
        address = addresses.parse_address(link.source or "")
        return (address, "Listen") if address else None
    if isinstance(link, InboundLink) and getattr(link, "address", None) is not None:
        return link.address, "Send"
    return None
