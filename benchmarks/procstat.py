"""What /proc says about a process: CPU time and memory (psutil is not a dependency)."""

from __future__ import annotations

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak resident set since start) in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def peak_rss_mb(pid: int) -> float:
    return memory_kb(pid)["VmHWM"] / 1024


class CpuWindow:
    """CPU percent of one core used by a process between start() and stop()."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._cpu = 0.0
        self._wall = 0.0

    def start(self) -> CpuWindow:
        self._cpu = cpu_seconds(self.pid)
        self._wall = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        cpu = cpu_seconds(self.pid) - self._cpu
        wall = time.monotonic() - self._wall
        return {"cpu_seconds": cpu, "wall_seconds": wall, "cpu_percent": 100.0 * cpu / wall if wall else 0.0}
