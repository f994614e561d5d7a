"""Collect Azure Event Hubs messages and forward their records, in chunks, to an intake.

Vocabulary: a *message* is one Event Hubs event; a *record* is one log entry inside it; a *chunk*
is one intake request. See docs/architecture.md.
"""
