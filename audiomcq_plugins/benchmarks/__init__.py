"""Benchmark specifications and loaders (one module per benchmark family)."""
