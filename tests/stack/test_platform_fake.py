"""The platform fake: each URL the SDK calls, each fault observed with plain requests."""

import time

import pytest
import requests

from tests.stack.platform_fake import PlatformFake
from tests.stack.waiting import wait_until


def batch(platform, records, intake_key="intake-key", timeout=5.0, path="/batch"):
    return requests.post(
        f"{platform.intake_url}{path}",
        json={"intake_key": intake_key, "jsons": records},
        timeout=timeout,
    )


# -- the platform URLs ----------------------------------------------------------------


def test_secrets_url_serves_node_secrets(platform):
    platform.set_secrets(node_secrets={"intake_key": "k1", "hub_connection_string": "c"})
    answer = requests.get(platform.secrets_url, timeout=5).json()
    assert answer == {"value": {}, "node_value": {"intake_key": "k1", "hub_connection_string": "c"}}


def test_constructor_secrets_and_token():
    with PlatformFake(node_secrets={"intake_key": "k"}, token="t0k") as fake:
        client = fake.client()
        assert requests.get(client.secrets_url, timeout=5).status_code == 401
        answer = requests.get(client.secrets_url, headers={"Authorization": "Bearer t0k"}, timeout=5)
        assert answer.json()["node_value"] == {"intake_key": "k"}
        assert client.stats()["statuses"] == {"secrets:401": 1, "secrets:200": 1}


def test_logs_are_recorded(platform):
    lines = [
        {"date": "2025-01-01T00:00:00", "level": "info", "message": "started"},
        {"date": "2025-01-01T00:00:01", "level": "error", "message": "boom"},
    ]
    assert requests.post(platform.logs_url, json={"logs": lines}, timeout=5).status_code == 200
    logs = platform.logs()
    assert [(line["level"], line["message"]) for line in logs] == [("info", "started"), ("error", "boom")]
    assert platform.logs(since=1)[0]["message"] == "boom"


def test_callback_is_recorded(platform):
    requests.post(platform.callback_url, json={"name": "x"}, timeout=5)
    assert platform.callbacks() == [{"name": "x"}]


def test_unknown_path_is_404(platform):
    assert requests.get(f"{platform.base_url}/nothing", timeout=5).status_code == 404


# -- the intake -------------------------------------------------------------------------


def test_batch_answers_one_event_id_per_record(platform):
    response = batch(platform, ['{"id": 1}', '{"id": 2}', "plain text"])
    assert response.status_code == 200
    body = response.json()
    assert body["received"] is True
    assert len(body["event_ids"]) == 3 and len(set(body["event_ids"])) == 3
    assert platform.records() == ['{"id": 1}', '{"id": 2}', "plain text"]
    [chunk] = platform.chunks()
    assert chunk["intake_key"] == "intake-key"
    assert (chunk["count"], chunk["status"], chunk["outcome"]) == (3, 200, "accepted")


def test_regional_intake_path_is_served(platform):
    assert batch(platform, ["a"], path="/api/v1/intake-http/batch").status_code == 200
    assert platform.records() == ["a"]


def test_records_keep_order_across_chunks(platform):
    for index in range(5):
        batch(platform, [f"r{index}a", f"r{index}b"])
    assert platform.records() == [f"r{i}{s}" for i in range(5) for s in "ab"]
    assert platform.records(since=8) == ["r4a", "r4b"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"jsons": ["a"]}', b'{"intake_key": "k", "jsons": [1]}', b"[]"],
    ids=["not-json", "no-intake-key", "non-string-record", "not-object"],
)
def test_invalid_batch_is_400_and_not_accepted(platform, body):
    response = requests.post(f"{platform.intake_url}/batch", data=body, timeout=5)
    assert response.status_code == 400
    assert platform.records() == []


def test_reset_forgets_records_and_faults(platform):
    batch(platform, ["a"])
    platform.set_fault("status", code=500)
    platform.reset()
    assert platform.records() == [] and platform.faults() == []
    assert batch(platform, ["b"]).status_code == 200


# -- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [400, 401, 403, 404, 413, 500, 503])
def test_status_for_the_next_requests(platform, code):
    platform.set_fault("status", code=code, count=2)
    assert [batch(platform, [f"r{i}"]).status_code for i in range(3)] == [code, code, 200]
    assert platform.records() == ["r2"]
    assert [c["status"] for c in platform.chunks()] == [code, code, 200]


def test_status_for_some_seconds(platform):
    platform.set_fault("status", code=500, seconds=0.3)
    assert batch(platform, ["a"]).status_code == 500
    wait_until(lambda: batch(platform, ["b"]).status_code == 200, timeout=5, message="fault lasted")
    assert platform.records() == ["b"]


def test_429_carries_retry_after(platform):
    platform.set_fault("status", code=429, retry_after=7, count=1)
    response = batch(platform, ["a"])
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


def test_latency_with_jitter(platform):
    platform.set_fault("latency", ms=200, jitter_ms=50)
    began = time.monotonic()
    assert batch(platform, ["a"]).status_code == 200
    assert 0.14 <= time.monotonic() - began < 2


def test_latency_beyond_client_timeout_still_accepts(platform):
    # The intake accepted the chunk, the client gave up: a retry would duplicate it.
    platform.set_fault("latency", ms=500, count=1)
    with pytest.raises(requests.Timeout):
        batch(platform, ["a"], timeout=0.1)
    wait_until(lambda: [c["answer_sent"] is not None for c in platform.chunks()] == [True], timeout=5)
    assert platform.records() == ["a"]


def test_dropped_connection(platform):
    platform.set_fault("drop", count=1)
    with pytest.raises(requests.ConnectionError):
        batch(platform, ["lost"])
    assert batch(platform, ["kept"]).status_code == 200
    assert platform.records() == ["kept"]
    assert [c["outcome"] for c in platform.chunks()] == ["dropped", "accepted"]


def test_hang_until_cleared(platform):
    platform.set_fault("hang")
    with pytest.raises(requests.Timeout):
        batch(platform, ["a"], timeout=0.3)
    assert platform.stats()["in_flight"] == 1
    assert platform.clear_faults() == 1
    wait_until(lambda: platform.stats()["in_flight"] == 0, timeout=5, message="hung handler")
    assert batch(platform, ["b"]).status_code == 200
    assert platform.records() == ["b"]


def test_hang_ends_when_the_server_stops():
    fake = PlatformFake().start()
    client = fake.client()
    client.set_fault("hang")
    with pytest.raises(requests.Timeout):
        batch(client, ["a"], timeout=0.3)
    began = time.monotonic()
    fake.stop()
    assert time.monotonic() - began < 3
    assert fake.recorder.stats()["in_flight"] == 0


def test_hang_with_hold_closes_without_answer(platform):
    platform.set_fault("hang", hold_s=0.2, count=1)
    with pytest.raises(requests.ConnectionError):
        batch(platform, ["a"], timeout=5)


def test_record_level_rejection(platform):
    platform.set_fault("reject_marker", marker="POISON")
    assert batch(platform, ["ok1", "x POISON x", "ok2"]).status_code == 400
    assert batch(platform, ["ok1"]).status_code == 200
    assert batch(platform, ["ok2"]).status_code == 200
    assert batch(platform, ["x POISON x"]).status_code == 400
    assert platform.records() == ["ok1", "ok2"]


def test_413_over_a_body_size(platform):
    platform.set_fault("max_body", bytes=200)
    assert batch(platform, ["x" * 300]).status_code == 413
    assert batch(platform, ["x" * 10]).status_code == 200


def test_fewer_event_ids_than_records(platform):
    platform.set_fault("short_ids", missing=2, count=1)
    assert len(batch(platform, ["a", "b", "c"]).json()["event_ids"]) == 1
    assert len(batch(platform, ["a", "b", "c"]).json()["event_ids"]) == 3


def test_faults_target_other_urls(platform):
    platform.set_fault("status", code=503, target="logs", count=1)
    assert requests.post(platform.logs_url, json={"logs": []}, timeout=5).status_code == 503
    assert batch(platform, ["a"]).status_code == 200
    platform.set_fault("drop", target="secrets", count=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(platform.secrets_url, timeout=5)


def test_faults_are_listed_and_refused_when_unknown(platform):
    platform.set_fault("latency", ms=1)
    assert [f["kind"] for f in platform.faults()] == ["latency"]
    with pytest.raises(RuntimeError, match="unknown fault kind"):
        platform.set_fault("meteor")
    with pytest.raises(RuntimeError, match="takes no parameter"):
        platform.set_fault("status", code=500, colour="red")


def test_request_count(platform):
    platform.set_fault("status", code=500, count=1)
    batch(platform, ["a"])
    batch(platform, ["b"])
    requests.get(platform.secrets_url, timeout=5)
    assert platform.request_count() == 2
    assert platform.request_count("secrets") == 1
    assert platform.request_count(None) == 3


# -- count_only mode ----------------------------------------------------------------------


def test_count_only_keeps_counts_and_ids(platform):
    platform.reset(count_only=True, id_key="seq")
    batch(platform, ['{"seq": 1, "x": "a"}', '{"seq": "two"}', '{"other": 1}'])
    platform.set_fault("status", code=500, count=1)
    batch(platform, ['{"seq": 9}'])
    batch(platform, ['{"seq": 1}'])
    with pytest.raises(RuntimeError, match="count_only"):
        platform.records()
    assert platform.record_ids() == ["1", "two", None, "1"]
    stats = platform.stats()
    # 4 accepted = 2 unique ids + 1 without id + 1 duplicate ("1" twice)
    assert (stats["accepted_records"], stats["unique_ids"], stats["records_without_id"]) == (4, 2, 1)
    assert "records" not in platform.chunks()[0]
