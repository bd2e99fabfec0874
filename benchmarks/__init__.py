"""Benchmarks: each measures our path and a baseline in the same run and reports the ratio (`make bench`)."""
