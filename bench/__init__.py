"""Benchmarks at scale: `make bench` (see docs/benchmarks.md). Not part of the test suite."""
