"""Evaluation suite: datasets, the runner that drives the assistant's chain, metrics and reports."""
