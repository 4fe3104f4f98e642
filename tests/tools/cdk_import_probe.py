"""A pytest plugin for ``tests/tools/test_unit_split.py``: after collection, print (as one JSON
line) the CDK modules the collection loaded and the file of every test collected."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

#: Modules that mean the CDK, or its jsii kernel, was loaded.
CDK_MODULES = ("aws_cdk", "constructs", "cdk_nag", "jsii")
MARKER = "CDK-IMPORT-PROBE "


def pytest_collection_finish(session: pytest.Session) -> None:
    root = Path(str(session.config.rootpath))
    files = sorted({Path(str(item.path)).relative_to(root).as_posix() for item in session.items})
    loaded = sorted(name for name in CDK_MODULES if name in sys.modules)
    print(MARKER + json.dumps({"cdk_modules": loaded, "files": files}), flush=True)
