"""Workloads: the contract every server implements, and the Python apps."""
