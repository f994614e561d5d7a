"""What an operator sees beside the data's walk: the start-up self-check and the advice it gives.

selfcheck.py runs the checks; advice.py and sign_in_advice.py turn an error into a message naming
the form field to fix. Pure of I/O itself (the checks' calls are handed in), so it imports only
``azure_eventhub.core`` and no ``azure.*`` package.
"""
