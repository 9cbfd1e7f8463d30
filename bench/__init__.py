"""Benchmarks (`make bench`) and the floors they compare with; not part of the product."""
