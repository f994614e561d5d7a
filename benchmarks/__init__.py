"""Throughput, memory and idle-CPU benchmarks of the trigger against the local stack (see README.md)."""
