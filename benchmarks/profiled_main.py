"""`python main.py ...` with every thread profiled (cProfile profiles one thread only, and the
module's work runs in its receiving and forwarding threads):

    python -m benchmarks.profiled_main OUTPUT.prof consume_eventhub_messages

Each thread started after this gets its own cProfile.Profile; at exit they are merged into one
pstats file, and the receiving thread's alone is also written to OUTPUT.prof.receiver (the loop that
serves every partition: where its time goes is what bounds throughput). Benchmark tooling only:
production code has no profiling hook.
"""

from __future__ import annotations

import atexit
import cProfile
import pstats
import runpy
import sys
import threading

_profiles: list[cProfile.Profile] = []
_by_thread: dict[str, cProfile.Profile] = {}
RECEIVING_THREAD = "eventhub-receiver"  # triggers/consume_eventhub.py names it
_original_run = threading.Thread.run


def _profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    _profiles.append(profile)
    _by_thread[self.name] = profile
    profile.enable()
    try:
        _original_run(self)
    finally:
        profile.disable()


def _dump(path: str) -> None:
    merged = None
    for profile in list(_profiles):
        profile.snapshot_stats()  # threads still running (daemons) are read as they stand
        stats = pstats.Stats(profile)
        merged = stats if merged is None else merged.add(stats)
    if merged is not None:
        merged.dump_stats(path)
    receiving = _by_thread.get(RECEIVING_THREAD)
    if receiving is not None:
        pstats.Stats(receiving).dump_stats(path + ".receiver")


def main() -> None:
    output, arguments = sys.argv[1], sys.argv[2:]
    threading.Thread.run = _profiled_run
    main_profile = cProfile.Profile()
    _profiles.append(main_profile)
    atexit.register(_dump, output)
    sys.argv = ["main.py", *arguments]
    main_profile.enable()
    runpy.run_path("main.py", run_name="__main__")


if __name__ == "__main__":
    main()
