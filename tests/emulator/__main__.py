"""Run the emulator in the foreground.

  python -m tests.emulator --config CONFIG.json --port PORT --control-port CPORT [--data-dir DIR]

  [--tls-port TPORT --tls-cert CERT.pem --tls-key KEY.pem]

Prints `emulator listening amqp=127.0.0.1:PORT control=127.0.0.1:CPORT[ amqps=127.0.0.1:TPORT]` once
the ports accept connections, and exits cleanly on SIGTERM or SIGINT.
"""

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

from . import config as config_module
from .server import Server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="Local Azure Event Hubs emulator")
    parser.add_argument("--config", required=True, type=Path, help="JSON file: hubs and policies")
    parser.add_argument("--port", type=int, default=5672, help="AMQP and AMQP-over-WebSocket port")
    parser.add_argument("--control-port", type=int, default=0, help="HTTP control API port (0: any free port)")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep events here across restarts")
    parser.add_argument("--tls-port", type=int, default=None, help="also listen with TLS here (0: any free port)")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate of the TLS listener")
    parser.add_argument("--tls-key", type=Path, help="PEM private key of the TLS listener")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        config = config_module.load(json.loads(args.config.read_text()))
    except (OSError, ValueError) as exc:
        print(f"emulator: bad configuration {args.config}: {exc}", file=sys.stderr)
        return 2
    tls = None
    if args.tls_port is not None:
        if not (args.tls_cert and args.tls_key):
            print("emulator: --tls-port needs --tls-cert and --tls-key", file=sys.stderr)
            return 2
        tls = (args.tls_port, args.tls_cert, args.tls_key)
    server = Server(config, args.data_dir, args.port, args.control_port, tls=tls)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    signal.signal(signal.SIGINT, lambda *_: server.stop())
    ready = f"emulator listening amqp=127.0.0.1:{server.port} control=127.0.0.1:{server.control_port}"
    if server.tls_port is not None:
        ready += f" amqps=127.0.0.1:{server.tls_port}"
    print(ready, flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
