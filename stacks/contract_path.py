"""Makes the API contract (``lambda/contract``) importable as ``contract``, as the Lambda
runtime imports it: ``lambda/`` is appended to ``sys.path``, after everything else, so its
packages never shadow an installed one.

A module of its own, importing nothing of the CDK, so that what only reads the contract (the
mapping templates and the tests that render them) does not load the CDK and start its jsii
kernel.
"""

from __future__ import annotations

import sys
from pathlib import Path

LAMBDA_DIR = Path(__file__).resolve().parents[1] / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.append(str(LAMBDA_DIR))
