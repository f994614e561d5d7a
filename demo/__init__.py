"""The demo of the README's Quick start (`bash scripts/demo.sh [config.json]`).

Without a configuration file it starts the local stack (Event Hubs emulator, Azurite, platform
fake), streams realistic Microsoft logs into a hub with the real azure-eventhub producer, runs the
trigger as the platform does, and shows live what reaches the local intake. With a configuration
file it runs the trigger against a real Event Hub and intake and shows its logs and metrics.

In a terminal the view is redrawn in place and fits the terminal (80x24 and up), the module's log
in what is left, wrapped; to a file or a pipe it prints a progress line every 5 s instead.

Files: payloads.py (realistic message bodies, pure), stream.py (the producer thread), stack.py (the
local stack), tally.py (what the local intake accepted), metrics.py (the module's Prometheus text),
layout.py (what fits the screen, pure), dashboard.py (the terminal view), progress.py (the plain
lines), local.py and remote.py (the two modes), __main__.py (the command).
"""
