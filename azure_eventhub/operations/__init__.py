"""What an operator sees beside the data's walk: the start-up self-check and the advice it gives.

selfcheck.py runs the checks; advice.py holds what advice is made of, and hub_advice.py,
service_advice.py, sign_in_advice.py and retention_advice.py turn an error or a state into a
message naming the form field to fix. Pure of I/O itself (the checks' calls are handed in), so it imports only
``azure_eventhub.core`` and no ``azure.*`` package.
"""
