"""Benchmarks (DESIGN.md §5): `make bench` runs every ``bench/bench_*.py``; see docs/performance.md."""
