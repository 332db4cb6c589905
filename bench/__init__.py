"""Benchmarks (DESIGN.md §11): each is run as a script; see bench/README.md."""
