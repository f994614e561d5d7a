"""`python -m demo [config.json] [--duration SECONDS]`: see demo/__init__.py."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from demo import local, remote
from tests.emulator.process import EmulatorError
from tests.stack.azurite import AzuriteError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bash scripts/demo.sh",
        description="Without a file: a local Event Hubs stack, a realistic log stream, the trigger, and what "
        "reaches the intake, live. With a file: the trigger against a real Event Hub and intake.",
        epilog="Exit status: 0 when records went through; 1 on a problem (the self-check failed, nothing was "
        "delivered, the module exited); 2 when the configuration file cannot be used.",
    )
    parser.add_argument(
        "config", nargs="?", type=Path, help="a JSON object of the trigger's arguments (hub_connection_string, ...)"
    )
    parser.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after this many seconds (default: at Ctrl-C)"
    )
    parser.add_argument(
        "--rate", type=float, default=200.0, metavar="RECORDS", help="records per second of the local stream (200)"
    )
    args = parser.parse_args(argv)
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be a positive number of seconds")
    if args.rate <= 0:
        parser.error("--rate must be positive")

    # Ctrl-C and SIGTERM only ask to stop: the run loop stops what it started, in order.
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.config is not None:
            return remote.run(args.config, stop, args.duration)
        return local.run(stop, args.duration, args.rate)
    except remote.DemoConfigError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    except (EmulatorError, AzuriteError) as error:
        print(f"demo: the local stack did not start: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
