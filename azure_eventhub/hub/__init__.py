"""The walk's first step: Event Hubs -> receiver processes -> the trigger's process.

The only package importing ``azure.eventhub`` and its blob checkpoint store: consumer.py (the
adapter around the SDK's client), clients.py (a process's settings and clients, CheckpointStorage),
event_data.py (the SDK's events -> MessageBatch), processor.py, receiving.py and closing.py (the SDK's
event processor with our fixes), probe.py (the self-check's calls), starting_position.py; sdk_private.py
lists every private SDK member they use; credentials.py is the only module importing
``azure.identity``. The receiver processes: receiver_process.py (the parent side, its reports
replayed by child_reports.py), receiver_child.py (the child side), handover.py (a child's outbox),
child_output.py, owner_memory.py, receiver_health.py, and partition_router.py (in the trigger's
process: only the holder of a partition's claim reaches the pipeline). May import ``azure_eventhub.core``,
``azure_eventhub.decoding``, ``azure_eventhub.delivery`` and ``azure_eventhub.storage``.
"""
