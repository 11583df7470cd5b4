"""Benchmark harness (DESIGN §8, issue 8): `python -m benchmarks.run`."""
