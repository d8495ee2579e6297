"""Benchmarks: `make bench` runs them all; results are in docs/PERFORMANCE.md."""
