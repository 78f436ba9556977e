"""Metrics, datasets, evaluation suites and benchmarks."""
