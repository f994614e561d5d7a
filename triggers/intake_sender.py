"""The intake path through the SDK's helper, with a known outcome for every chunk.

``Connector.push_events_to_intakes`` retries any failure for an hour, swallows it, logs "Failed to
forward N events" and returns: a caller that checkpoints anyway loses the records. We keep the
helper and override its extension points instead:

- ``_send_chunk``: one POST per chunk to the validated Intake Server with the validated Intake Key
  (never the SDK's ``batch_api`` or ``self.configuration``: the form's raw values), its HTTP status
  classified (``intake_policy``); the outcome (accepted / refused / abandoned) is left for the
  caller in a thread-local;
- ``_retry``: retries transient failures for as long as it takes, with capped exponential backoff
  and jitter, honouring Retry-After, slowly for settings to fix; it stops as soon as the trigger
  stops or the chunk's partition is lost, and its waits are interruptible;
- ``_http_session``: one pooled session sized for the forwarding threads, through the proxy if any;
- ``_chunk_events``: our chunks are already one request each (see below), so the SDK's per-record
  loop is skipped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Sequence
from functools import cached_property
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from sekoia_automation.constants import CHUNK_BYTES_MAX_SIZE, EVENT_BYTES_MAX_SIZE
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from azure_eventhub.core.errors import Abandoned, ChunkRejected, CollectorError, IntakeError
from azure_eventhub.delivery.backoff import backoff_seconds
from triggers.intake_policy import outcome_of
from azure_eventhub.core.throttle import Throttle
from azure_eventhub.core.trust import ca_bundle

REQUEST_TIMEOUT = (10, 30)  # connect, read: seconds


class NotValidated(CollectorError):
    """A chunk was to be sent before run() validated the settings (a bug: the pipeline starts after
    validation). Fate: raised to the forwarding thread; nothing is sent with unvalidated values."""


class IntakeSenderMixin:
    """Mixed into the trigger (a sekoia_automation Connector)."""

    forwarding_threads = 8

    @cached_property
    def _retry_log(self) -> Throttle:
        return Throttle(60.0)

    @cached_property
    def _chunk_context(self) -> threading.local:
        return threading.local()

    # --- the port the pipeline calls -------------------------------------------------------------
    def send(self, records: list[str], alive: Callable[[], bool]) -> None:
        """Forward one chunk; return once the intake accepted every record (see IntakePort)."""
        context = self._chunk_context
        context.alive = alive
        context.outcome = None
        event_ids = self.push_events_to_intakes(records, sync=True)
        outcome = context.outcome
        if isinstance(outcome, ChunkRejected):
            raise outcome
        if len(event_ids) != len(records):
            raise Abandoned(f"chunk of {len(records)} records not acknowledged: {outcome}")

    # --- SDK extension points --------------------------------------------------------------------
    @cached_property
    def _http_session(self) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.forwarding_threads + 2)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({"User-Agent": self._user_agent(), "Content-Type": "application/json"})
        proxy = self.settings.proxy if getattr(self, "settings", None) else None
        if proxy is not None:
            session.proxies.update(proxy.requests_proxies())
        bundle = ca_bundle()
        if bundle:
            # requests reads REQUESTS_CA_BUNDLE by itself, not SSL_CERT_FILE: the bundle either names
            # replaces the default store here too (trust.py).
            session.verify = bundle
        return session

    def _user_agent(self) -> str:
        manifest = self.module.manifest
        return f"sekoiaio-connector/{manifest.get('slug', 'azure-eventhub')}-{manifest.get('version', '0')}"

    def _retry(self) -> Retrying:
        alive = getattr(self._chunk_context, "alive", lambda: self.running)
        return Retrying(
            retry=retry_if_exception_type(IntakeError),
            stop=lambda state: not alive(),
            wait=lambda state: backoff_seconds(state.attempt_number, _error_of(state)),
            sleep=lambda seconds: _sleep_while(alive, seconds),
            before_sleep=self._on_intake_retry,
            reraise=True,
        )

    def _chunk_events(self, events: Sequence[Any]) -> Generator[list[Any], None, None]:
        """The SDK splits a list into requests with a Python loop over every record (str(), len(),
        isinstance: 0.25 us a record, under the GIL the receiving thread needs). Ours need none of
        it: one chunk is one request, built by ChunkBuilder under CHUNK_BYTES_MAX_SIZE, of strings
        none of which exceeds EVENT_BYTES_MAX_SIZE (the pipeline dead-letters longer records). The
        checks below prove it at C speed (0.1 us a record) and keep the SDK's way for anything else."""
        if (
            set(map(type, events)) == _STR_ONLY
            and max(map(len, events)) <= EVENT_BYTES_MAX_SIZE
            and sum(map(len, events)) <= CHUNK_BYTES_MAX_SIZE
        ):
            yield events if type(events) is list else list(events)
            return
        yield from super()._chunk_events(events)  # type: ignore[misc]

    def _send_chunk(self, batch_api: str, chunk_index: int, chunk: list[Any], collect_ids: dict[int, list[str]]) -> None:
        # The validated settings are the only source of the key and the URL: the SDK's batch_api and
        # self.configuration hold the form's raw values (a key pasted with a new line, a server with
        # a trailing space), which validate() trimmed.
        settings = self.settings
        if settings is None:
            raise NotValidated("a chunk was sent before the trigger's settings were validated")
        batch_api = settings.intake_batch_url
        context = self._chunk_context
        body = orjson.dumps({"intake_key": settings.intake_key, "jsons": chunk})
        try:
            for attempt in self._retry():
                with attempt:
                    event_ids = self._post_chunk(batch_api, body, len(chunk))
            collect_ids[chunk_index] = event_ids
            context.outcome = "accepted"
        except ChunkRejected as rejection:
            context.outcome = rejection
        except IntakeError as error:
            context.outcome = f"abandoned after: {error}"

    def _post_chunk(self, batch_api: str, body: bytes, count: int) -> list[str]:
        try:
            response = self._http_session.post(batch_api, data=body, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            raise IntakeError(f"the intake could not be reached ({type(error).__name__})") from error
        status = response.status_code
        if not 200 <= status < 300:  # the answer's text is only needed to explain a failure
            failure = outcome_of(status, _text(response, limit=100_000), response.headers.get("Retry-After"))
            if failure is not None:
                raise failure
        event_ids = _event_ids(response.content)
        if event_ids is None:
            # A proxy, a captive portal or a gateway answered, not the intake: nothing says the
            # records arrived, so the chunk is sent again.
            raise IntakeError(
                f"the intake server answered HTTP {status} with a body that is not the intake's answer "
                f"(a JSON object with event_ids): {_short_body(response)}",
                status,
            )
        if len(event_ids) != count:
            # The intake did not acknowledge every record: the outcome is unknown, so send again.
            raise IntakeError(f"the intake acknowledged {len(event_ids)} of {count} records", response.status_code)
        return event_ids

    def _on_intake_retry(self, state: RetryCallState) -> None:
        error = _error_of(state)
        status = getattr(error, "status", None)
        self.metrics.chunk(str(status) if status else "unreachable")
        # Once a minute per cause (status, or the kind of failure): the texts of one cause differ by
        # their counts and the intake's reason, which the SDK's de-duplication would show each.
        cause = status or type(getattr(error, "__cause__", None) or error).__name__
        if self._retry_log.allow(cause):
            self.enqueue_log(f"Intake error, the chunk is retried until accepted: {error}", "error")


_STR_ONLY = {str}


def _error_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None and state.outcome.failed else None


def _sleep_while(alive: Callable[[], bool], seconds: float) -> None:
    """Sleep, but wake up within 0.2 s when the work is abandoned (tenacity then stops)."""
    deadline = time.monotonic() + seconds
    while alive():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(0.2, remaining))


def _event_ids(content: bytes) -> list | None:
    """The event_ids of the intake's answer ({"event_ids": [...]}); None if the body is not that
    answer (not JSON, or a JSON array, string or number)."""
    try:
        answer = orjson.loads(content)  # faster than requests' json
    except ValueError:  # orjson.JSONDecodeError is one
        return None
    if not isinstance(answer, dict):
        return None
    event_ids = answer.get("event_ids") or []
    return event_ids if isinstance(event_ids, list) else None


def _short_body(response: requests.Response) -> str:
    # Kept short and stable, so that the SDK's de-duplication shows a repeated cause once a minute.
    text = " ".join(_text(response).split())[:80]
    return repr(text) if text else "an empty body"


def _text(response: requests.Response, limit: int = 1000) -> str:
    """The answer's text; a refusal's whole (up to ``limit``): whether it is JSON decides its fate."""
    try:
        return response.text[:limit]
    except Exception:
        return ""
