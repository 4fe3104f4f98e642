"""Fixtures of the construct package's own test suite (bare stacks, inline code)."""

from __future__ import annotations

import sys
from pathlib import Path

# The helpers live next to the tests; this directory is not a package (the repository's own
# ``tests`` package would shadow it), so it is put on the path for them.
sys.path.insert(0, str(Path(__file__).parent))
