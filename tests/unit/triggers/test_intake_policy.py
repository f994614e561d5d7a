import random

import pytest

from azure_eventhub.core.errors import ChunkRejected, IntakeError
from azure_eventhub.delivery.backoff import MAX_BACKOFF_SECONDS, backoff_seconds
from triggers.intake_policy import outcome_of, parse_retry_after


@pytest.mark.parametrize("status", [200, 201, 202])
def test_2xx_accepts(status):
    assert outcome_of(status, "", None) is None


@pytest.mark.parametrize("status", [400, 413])
def test_content_refusals_are_rejections_not_retries(status):
    outcome = outcome_of(status, '{"message": "bad"}', None)
    assert isinstance(outcome, ChunkRejected) and outcome.status == status


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_names_the_intake_key_field(status):
    outcome = outcome_of(status, "", None)
    assert isinstance(outcome, IntakeError)
    assert "Intake Key field" in outcome.reason


def test_404_names_the_intake_server_field():
    assert "Intake Server field" in outcome_of(404, "", None).reason


def test_429_keeps_retry_after():
    outcome = outcome_of(429, "", "7")
    assert outcome.retry_after == 7.0
    assert backoff_seconds(1, outcome) == 7.0


def test_5xx_is_retried_with_the_reason():
    outcome = outcome_of(503, "down for maintenance", None)
    assert isinstance(outcome, IntakeError) and "503" in outcome.reason and "maintenance" in outcome.reason


def test_retry_after_http_date_in_the_past_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_backoff_is_capped_and_jittered():
    rng = random.Random(1)
    waits = [backoff_seconds(attempt, IntakeError("x", 500), rng) for attempt in range(1, 30)]
    assert max(waits) <= MAX_BACKOFF_SECONDS
    assert len(set(waits)) == len(waits)  # jitter: no two equal


def test_setting_errors_retry_slowly():
    assert backoff_seconds(1, IntakeError("key", 401), random.Random(2)) >= 20


WAF_PAGE = "<html><head><title>403 Forbidden</title></head><body>Request blocked by the firewall</body></html>"


@pytest.mark.parametrize("status", [400, 413, 422])
@pytest.mark.parametrize(
    "body", [WAF_PAGE, "", "Bad Request", "[]", '"refused"'], ids=["html", "empty", "text", "json-array", "json-string"]
)
def test_a_refusal_that_is_not_the_intakes_answer_is_an_outage_retried_not_a_rejection(status, body):
    """Issue 14, path 7: a proxy or WAF page refusing every chunk is an outage, not bad data: no
    splitting, no dead letters; the chunk is retried with backoff and the checkpoint waits."""
    outcome = outcome_of(status, body, None)
    assert isinstance(outcome, IntakeError) and outcome.status == status
    assert "not the intake's answer" in outcome.reason
