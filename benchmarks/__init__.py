"""Benchmarks of the likematch back-ends on generated scenarios (`python -m benchmarks`)."""
