"""ModuleProcess with a dummy command standing in for main.py."""

import json
import sys
import textwrap

import pytest

from tests.stack.module_process import PLACEHOLDER, ModuleDidNotExit, ModuleProcess, with_placeholders
from tests.stack.waiting import wait_until

# A stand-in module: writes its configuration environment, serves /health and
# /metrics on the configured ports, and exits 0 `EXIT_DELAY` seconds after SIGTERM
# (or never, with IGNORE_SIGTERM=1).
DUMMY = textwrap.dedent("""
    import json, os, signal, sys, threading, time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    names = ["TRIGGER_CONFIGURATION", "MODULE_CONFIGURATION", "URL_SECRETS", "URL_LOGS", "URL_CALLBACK", "TOKEN",
             "INTAKE_URL", "LIVENESS_PORT", "METRICS_PORT", "EXTRA"]
    print("ENV " + json.dumps({n: os.environ.get(n) for n in names}), flush=True)
    print("ARGV " + json.dumps(sys.argv[1:]), flush=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/health":
                body, kind = json.dumps({"alive": True}).encode(), "application/json"
            else:
                body, kind = b"dummy_records_total 3\\n", "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass

    for port in (os.environ["LIVENESS_PORT"], os.environ["METRICS_PORT"]):
        server = HTTPServer(("127.0.0.1", int(port)), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()

    stop = threading.Event()
    if os.environ.get("IGNORE_SIGTERM") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("READY", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    while not stop.wait(0.05):
        pass
    time.sleep(float(os.environ.get("EXIT_DELAY", "0")))
    print("BYE", flush=True)
    """)

CONFIGURATION = {
    "hub_connection_string": "Endpoint=sb://ns/;SharedAccessKeyName=l;SharedAccessKey=abc=",
    "hub_name": "hub",
    "intake_key": "the-intake-key",
    "chunk_size": 1000,
}
SECRETS = ["hub_connection_string", "intake_key"]


@pytest.fixture
def dummy(tmp_path):
    path = tmp_path / "dummy_main.py"
    path.write_text(DUMMY)
    return [sys.executable, str(path), "consume_eventhub_messages"]


def make(dummy, platform, module_logs, **kwargs):
    configuration, _ = with_placeholders(CONFIGURATION, SECRETS)
    return ModuleProcess(configuration, platform.base_url, command=dummy, log_dir=module_logs, **kwargs)


def env_of(process):
    line = next(l for l in process.output().splitlines() if l.startswith("ENV "))
    return json.loads(line[4:])


def test_with_placeholders_splits_secrets():
    public, node_secrets = with_placeholders(CONFIGURATION, SECRETS)
    assert node_secrets == {k: CONFIGURATION[k] for k in SECRETS}
    assert public == {**CONFIGURATION, "hub_connection_string": PLACEHOLDER, "intake_key": PLACEHOLDER}


def test_configuration_reaches_the_process_environment(dummy, platform, module_logs):
    with make(dummy, platform, module_logs, extra_env={"EXTRA": "x"}) as process:
        process.wait_for_output("READY", timeout=10)
        env = env_of(process)
    assert json.loads(env["TRIGGER_CONFIGURATION"])["intake_key"] == PLACEHOLDER
    assert json.loads(env["TRIGGER_CONFIGURATION"])["hub_name"] == "hub"
    assert json.loads(env["MODULE_CONFIGURATION"]) == {}
    assert env["URL_SECRETS"] == platform.secrets_url
    assert env["URL_LOGS"] == platform.logs_url
    assert env["URL_CALLBACK"] == platform.callback_url
    assert env["INTAKE_URL"] == platform.intake_url
    assert env["TOKEN"] == process.token
    assert env["EXTRA"] == "x"
    assert int(env["LIVENESS_PORT"]) == process.liveness_port != process.metrics_port


def test_default_command_is_main_py_with_docker_parameters(platform, module_logs):
    process = ModuleProcess({}, platform.base_url, log_dir=module_logs)
    assert process.command == [sys.executable, "main.py", "consume_eventhub_messages"]


def test_two_processes_get_different_ports(dummy, platform, module_logs):
    first, second = make(dummy, platform, module_logs), make(dummy, platform, module_logs)
    ports = {first.liveness_port, first.metrics_port, second.liveness_port, second.metrics_port}
    assert len(ports) == 4
    assert first.output_path != second.output_path


def test_terminate_reports_seconds_until_exit(dummy, platform, module_logs):
    with make(dummy, platform, module_logs, extra_env={"EXIT_DELAY": "0.3"}) as process:
        process.wait_for_output("READY", timeout=10)
        seconds = process.terminate(timeout=10)
    assert 0.3 <= seconds < 5
    assert process.returncode == 0
    assert "BYE" in process.output()


def test_terminate_raises_and_kills_when_sigterm_is_ignored(dummy, platform, module_logs):
    with make(dummy, platform, module_logs, extra_env={"IGNORE_SIGTERM": "1"}) as process:
        process.wait_for_output("READY", timeout=10)
        with pytest.raises(ModuleDidNotExit, match="still running 0.3 s after SIGTERM"):
            process.terminate(timeout=0.3)
        assert not process.running
        assert process.returncode == -9


def test_output_captures_stdout_and_stderr(dummy, platform, module_logs):
    with make(dummy, platform, module_logs) as process:
        output = process.wait_for_output("to stderr", timeout=10)
        assert 'ARGV ["consume_eventhub_messages"]' in output
        assert process.output_path.parent == module_logs


def test_wait_for_output_fails_fast_when_the_process_exits(platform, module_logs):
    command = [sys.executable, "-c", "print('only this')"]
    with ModuleProcess({}, platform.base_url, command=command, log_dir=module_logs) as process:
        with pytest.raises(AssertionError, match=r"exited \(0\) without writing 'never'"):
            process.wait_for_output("never", timeout=30)
        assert process.wait(5) == 0


def test_health_and_metrics(dummy, platform, module_logs):
    with make(dummy, platform, module_logs) as process:
        process.wait_for_output("READY", timeout=10)
        assert wait_until(lambda: process.health()[0], timeout=10) == 200
        assert process.health() == (200, {"alive": True})
        assert "dummy_records_total 3" in process.metrics()
        process.terminate(timeout=10)
        assert process.health() == (None, None)
        assert process.metrics() == ""


def test_kill(dummy, platform, module_logs):
    process = make(dummy, platform, module_logs).start()
    process.wait_for_output("READY", timeout=10)
    process.kill()
    assert process.returncode == -9
