"""The walk's second step: a message body becomes records (pure: values in, values out).

message.py decodes one body (records[], list, object, heartbeat, text, repairs); batch.py decodes a
batch's bodies on a fast path, falling back to message.py; repair.py, compression.py, json_values.py and text.py
are its parts. May import only ``azure_eventhub.core``; knows nothing of Event Hubs or the intake.
"""
