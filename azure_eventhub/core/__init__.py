"""The base of the library: values, errors and services every part of the walk uses.

The values crossing the adapter boundary (messages.py), the error classes (errors.py), the
Prometheus metrics, once-per-interval throttling, secret redaction for texts and log records, and
the application's plain sign-in settings and CA bundle. Imports nothing else of this repository and
no ``azure.*`` package: every other package may import it.
"""
