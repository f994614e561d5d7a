"""The module as its Docker image runs it, without a container engine.

What the image is (Dockerfile): Python 3.11 with only the hashed runtime lock installed, the files
`.dockerignore` lets through, owned by root and read-only for the runtime user, and
`ENTRYPOINT ["python", "./main.py"]` run as the non-root user `sekoiaio-runtime`: exec form, no init,
so `main.py` is PID 1 of its PID namespace. The platform gives it its configuration as files under
/symphony/ and a writable data volume at /symphony_data.

What the lane builds (as root, which `unshare` needs):
- a virtualenv made by the system Python 3.11 from `requirements.txt` alone, `--require-hashes`
  (nothing from the repository's .venv, no dev lock), kept between runs under LANE_ROOT, keyed by the
  lock's hash;
- a copy of the image's file set (image_files.py), root-owned and read-only;
- the user `sekoiaio-runtime` if missing, with a home of its own;
- per module process: `unshare --pid --fork --mount-proc` then `setpriv` to that user, so that the
  module's `python ./main.py <docker_parameters>` is PID 1 of a new PID namespace; in its mount
  namespace a configuration folder is bound on /symphony and a data folder (the user's) on
  /symphony_data.
The host sees the namespace from outside: signals go to its PID 1 as Kubernetes sends them, and
process-tree checks (orphans, zombies) read /proc.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deployed.image_files import image_files
from tests.stack.module_process import ModuleProcess
from tests.stack.paths import REPO_ROOT

LANE_ROOT = Path("/var/tmp/azure-eventhub-image-lane")
RUNTIME_USER = "sekoiaio-runtime"
SYSTEM_PYTHON = "/usr/bin/python3.11"
# Mount points the SDK reads from: configuration files, the data volume (sekoia_automation constants).
CONFIGURATION_MOUNT = Path("/symphony")
DATA_MOUNT = Path("/symphony_data")
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class LaneUnavailable(AssertionError):
    """The machine cannot run the lane (not root, a tool missing): the test fails, saying why."""


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def _require_machine() -> None:
    if os.geteuid() != 0:
        raise LaneUnavailable("the image lane runs as root (unshare, setpriv, useradd, bind mounts)")
    for tool in ("unshare", "setpriv", "mount", "useradd"):
        if shutil.which(tool) is None:
            raise LaneUnavailable(f"the image lane needs {tool} (Debian: util-linux, passwd)")
    if not Path(SYSTEM_PYTHON).exists():
        raise LaneUnavailable(f"the image lane needs the system Python 3.11 at {SYSTEM_PYTHON}")


def runtime_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(RUNTIME_USER)
    except KeyError:
        _run(["useradd", "--create-home", "--shell", "/bin/bash", RUNTIME_USER])
        return pwd.getpwnam(RUNTIME_USER)


def _make_read_only(root: Path) -> None:
    for directory, subdirectories, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(directory, name), 0o444)
        os.chmod(directory, 0o555)


def build_venv(lock: Path = REPO_ROOT / "requirements.txt") -> Path:
    """The runtime virtualenv for this lock, built once (in a temporary folder, then renamed)."""
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    venv = LANE_ROOT / f"venv-{digest}"
    if (venv / "bin" / "python").exists():
        return venv
    LANE_ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(LANE_ROOT, 0o755)
    building = Path(tempfile.mkdtemp(prefix="venv-building-", dir=LANE_ROOT))
    clean = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    _run([SYSTEM_PYTHON, "-m", "venv", str(venv)], env=clean)
    try:
        _run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "--no-cache-dir", "--disable-pip-version-check",
             "--require-hashes", "-r", str(lock)],
            env=clean,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(venv, ignore_errors=True)
        raise LaneUnavailable(f"pip could not install {lock.name}: {error.stderr[-2000:]}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return venv


def copy_image_files(destination: Path, context: Path = REPO_ROOT) -> list[str]:
    """The image's /app: the files .dockerignore lets through, root-owned and read-only."""
    files = image_files(context)
    for relative in files:
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(context / relative, target)
    _make_read_only(destination)
    return files


@dataclass
class ImageLane:
    """One built lane: its virtualenv, its /app copy and the runtime user."""

    venv: Path
    app: Path
    files: list[str]
    user: pwd.struct_passwd

    @classmethod
    def build(cls) -> ImageLane:
        _require_machine()
        user = runtime_user()
        venv = build_venv()
        for mount in (CONFIGURATION_MOUNT, DATA_MOUNT):
            mount.mkdir(exist_ok=True)  # empty mount points: the lane binds its own folders there
        app = LANE_ROOT / f"app-{uuid.uuid4().hex[:12]}"
        files = copy_image_files(app)
        return cls(venv, app, files, user)

    def data_volume(self, path: Path) -> Path:
        """A fresh data volume at ``path``, writable by the runtime user only (a pod's volume)."""
        path.mkdir(mode=0o700)
        os.chown(path, self.user.pw_uid, self.user.pw_gid)
        return path

    def runner(self, data_volume: Path, folders: Path):
        """A ModuleProcess maker for E2EStack.module(runner=...): each process gets its own
        configuration folder under ``folders`` and the given data volume."""

        def make(*args: Any, **kwargs: Any) -> DeployedModule:
            return DeployedModule(self, data_volume, folders / f"symphony-{uuid.uuid4().hex[:8]}", *args, **kwargs)

        return make

    def remove(self) -> None:
        for directory, subdirectories, _ in os.walk(self.app):
            os.chmod(directory, 0o755)
        shutil.rmtree(self.app, ignore_errors=True)


# The configuration names the SDK reads from /symphony/<name> (tests.stack.module_process): the
# platform mounts them as files, so the lane does too, and gives the process no such variable.
FILE_CONFIGURATION = {
    "TRIGGER_CONFIGURATION": "trigger_configuration",
    "MODULE_CONFIGURATION": "module_configuration",
    "URL_SECRETS": "url_secrets",
    "URL_LOGS": "url_logs",
    "URL_CALLBACK": "url_callback",
    "TOKEN": "token",
    "INTAKE_URL": "intake_url",
    "LIVENESS_PORT": "liveness_port",
    "METRICS_PORT": "metrics_port",
}
# The namespace's PID 1 is this shell until it execs setpriv, which execs python: python is PID 1.
_ENTER = (
    'mount --bind "$1" /symphony && mount --bind "$2" /symphony_data && shift 2 && exec setpriv '
    '--reuid="$RUNTIME_UID" --regid="$RUNTIME_GID" --init-groups --inh-caps=-all --bounding-set=-all -- "$@"'
)


class DeployedModule(ModuleProcess):
    """A ModuleProcess started as the image runs it (see the module docstring); `pid` is the host
    pid of `unshare`, `init_pid` the host pid of the namespace's PID 1 (`python ./main.py`).
    `folder` holds its configuration files (bound on /symphony); `data_volume` is bound on
    /symphony_data: give a restarted module the same one, as a pod keeps its volume."""

    def __init__(self, lane: ImageLane, data_volume: Path, folder: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lane = lane
        self.data_volume = data_volume
        self.configuration_folder = folder
        self.docker_parameters = self.command[-1]
        self._init_pid: int | None = None

    def environment(self) -> dict[str, str]:
        # What a container gets: the image's PATH, the user's HOME, none of the developer's variables;
        # the SDK's configuration comes as files.
        env = {"PATH": IMAGE_PATH, "HOME": self.lane.user.pw_dir, "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
        env.update(self.extra_env)
        env["RUNTIME_UID"], env["RUNTIME_GID"] = str(self.lane.user.pw_uid), str(self.lane.user.pw_gid)
        return env

    def start(self) -> DeployedModule:
        sdk = super().environment()
        self.configuration_folder.mkdir(mode=0o755)
        for variable, name in FILE_CONFIGURATION.items():
            (self.configuration_folder / name).write_text(sdk[variable])
        _make_read_only(self.configuration_folder)
        python = str(self.lane.venv / "bin" / "python")
        self.cwd = self.lane.app
        self.command = [
            "unshare", "--pid", "--fork", "--mount-proc", "--propagation", "private", "--",
            "/bin/sh", "-c", _ENTER, "enter", str(self.configuration_folder), str(self.data_volume),
            python, "./main.py", self.docker_parameters,
        ]  # fmt: skip
        super().start()
        return self

    @property
    def init_pid(self) -> int | None:
        """The host pid of the namespace's PID 1 (once `unshare` has forked)."""
        if self._init_pid is None and self.pid is not None:
            children = [pid for pid, parent in host_parents().items() if parent == self.pid]
            if children:
                self._init_pid = children[0]
        return self._init_pid

    def wait_for_init(self, timeout: float = 10.0) -> int:
        """The host pid of PID 1 once it is `python ./main.py` (after the mounts and setpriv)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.init_pid
            if pid is not None and command_line(pid)[-2:] == ["./main.py", self.docker_parameters]:
                return pid
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no `python ./main.py` as PID 1 after {timeout:g} s:\n{self.output()}")

    def namespace_processes(self) -> list[ProcessInfo]:
        """Every process in the module's PID namespace, seen from the host."""
        init = self.init_pid
        try:
            namespace = os.readlink(f"/proc/{init}/ns/pid") if init is not None else None
        except OSError:
            namespace = None
        if namespace is None:
            return []
        found = []
        for pid in host_parents():
            try:
                if os.readlink(f"/proc/{pid}/ns/pid") == namespace:
                    found.append(process_info(pid))
            except (OSError, StopIteration):
                continue
        return found

    def signal_init(self, number: int) -> None:
        """A signal to the namespace's PID 1 from outside, as the kubelet sends it."""
        os.kill(self.wait_for_init(), number)

    def terminate(self, timeout: float = 30.0) -> float:
        """SIGTERM to PID 1; the seconds until it exited (`unshare` exits with it)."""
        began = time.monotonic()
        self.signal_init(signal.SIGTERM)
        try:
            self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} still running {timeout:g} s after SIGTERM:\n{self.output()[-3000:]}")
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL to PID 1 from outside: the kernel ends every process of the namespace."""
        init = self.init_pid
        if init is not None and self.running:
            try:
                os.kill(init, signal.SIGKILL)
            except ProcessLookupError:
                pass
        super().kill()


@dataclass(frozen=True)
class ProcessInfo:
    pid: int  # on the host
    parent: int
    state: str  # R, S, Z, ...
    uid: int
    command: list[str]


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def host_parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat(int(entry))[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def process_info(pid: int) -> ProcessInfo:
    fields = _stat(pid)
    uid = int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:")).split()[1])
    return ProcessInfo(pid, int(fields[1]), fields[0], uid, command_line(pid))
