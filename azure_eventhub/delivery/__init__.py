"""The walk from records to the intake and back to the checkpoint.

pipeline.py takes a receiver's batches (decoding them with ``azure_eventhub.decoding``), filters
them, sends each record to the intake or to dead letters (destinations.py), tracks them (tracking.py),
chunks them, bounds what is in flight (backpressure.py), forwards chunks (forwarding.py, counting
them in in_flight.py; refused ones: refusals.py, breaker.py, holding.py; dead letters written by
dead_lettering.py) and writes the settled positions (checkpointing.py).
claims.py is the pipeline's hold on one partition. May import ``azure_eventhub.core`` and
``azure_eventhub.decoding``; no ``azure.*`` package: the intake, dead letters and checkpoints are
ports handed in by the trigger.
"""
