"""Tests of the generated documentation (the architecture picture)."""
