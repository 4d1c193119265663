"""Benchmarks: figures printed and written to bench/results/, not timed unit tests."""
