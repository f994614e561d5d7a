import requests

from tests.stack.platform_fake_process import PlatformFakeProcess


def test_subprocess_fake_serves_and_stops_on_sigterm(tmp_path):
    fake = PlatformFakeProcess(tmp_path / "fake.log", count_only=True, id_key="n", node_secrets={"intake_key": "k"})
    with fake as client:
        assert client.health()
        assert requests.get(client.secrets_url, timeout=5).json()["node_value"] == {"intake_key": "k"}
        client.set_fault("status", code=503, count=1)
        body = {"intake_key": "k", "jsons": ['{"n": 1}', '{"n": 2}']}
        assert requests.post(f"{client.intake_url}/batch", json=body, timeout=5).status_code == 503
        assert requests.post(f"{client.intake_url}/batch", json=body, timeout=5).status_code == 200
        assert client.record_ids() == ["1", "2"]
        assert client.stats()["count_only"] is True
    assert fake.returncode == 0
