"""What /proc says about a process and the processes it started (the module's receiver processes,
multiprocessing's resource tracker): CPU time and memory (psutil is not a dependency)."""

from __future__ import annotations

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def tree(pid: int) -> list[int]:
    """The process and its living descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat_fields(int(entry))[1])
            except (OSError, ValueError, IndexError):
                continue
    found = [pid]
    for each in found:
        found.extend(child for child, parent in parents.items() if parent == each)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of the process (all its threads) and its living descendants."""
    total = 0.0
    for each in tree(pid):
        try:
            fields = _stat_fields(each)
        except OSError:
            continue  # exited meanwhile
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak resident set since start) in KiB, summed over the process and its
    living descendants (the sum of peaks: at least the peak of the sum)."""
    values = {"VmRSS": 0, "VmHWM": 0}
    for each in tree(pid):
        try:
            with open(f"/proc/{each}/status") as handle:
                for line in handle:
                    name, _, rest = line.partition(":")
                    if name in values:
                        values[name] += int(rest.split()[0])
        except OSError:
            continue
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
