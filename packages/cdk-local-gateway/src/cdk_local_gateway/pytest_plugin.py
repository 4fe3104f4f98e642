"""pytest plugin: fixtures that start the local gateway for a test session."""

from __future__ import annotations
