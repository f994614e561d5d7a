"""ModuleProcess with a real SDK trigger: proves the environment names the SDK reads,
the node-secrets overlay, /health on LIVENESS_PORT, and the SIGTERM path."""

import hashlib
import sys
import textwrap

from tests.stack.module_process import ModuleProcess, with_placeholders
from tests.stack.waiting import wait_until

SDK_TRIGGER = textwrap.dedent("""
    import hashlib
    from sekoia_automation.module import Module
    from sekoia_automation.trigger import Trigger

    class Probe(Trigger):
        def run(self):
            key = self.configuration["intake_key"]
            digest = hashlib.sha256(key.encode()).hexdigest()
            self.log(f"probe sees intake key sha256={digest}", level="error")
            while self.running:
                self._stop_event.wait(0.1)

    if __name__ == "__main__":
        module = Module()
        module.register(Probe, "probe_trigger")
        module.run()
    """)


def test_sdk_trigger_runs_under_module_process(tmp_path, platform, module_logs):
    script = tmp_path / "main.py"
    script.write_text(SDK_TRIGGER)
    configuration, node_secrets = with_placeholders(
        {"intake_key": "real-intake-key", "hub_name": "hub"}, ["intake_key"]
    )
    platform.set_secrets(node_secrets=node_secrets)
    process = ModuleProcess(
        configuration,
        platform.base_url,
        command=[sys.executable, str(script), "probe_trigger"],
        cwd=tmp_path,
        log_dir=module_logs,
    )
    with process:
        digest = hashlib.sha256(b"real-intake-key").hexdigest()
        try:
            wait_until(
                lambda: any(digest in line["message"] for line in platform.logs()),
                timeout=20,
                message="the probe's log line never reached the logs URL",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\noutput:\n{process.output()[-3000:]}") from None
        status, body = wait_until(lambda: process.health()[0] and process.health(), timeout=10)
        assert status == 200 and "last_heartbeat" in body
        assert "# HELP" in process.metrics()
        assert process.terminate(timeout=15) < 10
        assert process.returncode == 0
    assert platform.request_count("secrets") == 1
