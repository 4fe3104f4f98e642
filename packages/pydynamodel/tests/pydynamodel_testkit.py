"""Helpers of the package's own tests (a module name no other test directory uses, so it
imports unambiguously whichever test paths pytest collects together)."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
DOCS = PACKAGE / "docs"
README = PACKAGE / "README.md"

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
_RUNNABLE = "<!-- runnable -->"


@dataclass(frozen=True)
class CodeBlock:
    """One fenced code block: its language, text, 1-based line in the file, and whether the
    line before the fence marks it ``<!-- runnable -->``."""

    path: Path
    language: str
    text: str
    line: int
    runnable: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(PACKAGE)}:{self.line}"


def code_blocks(path: Path, language: str = "python") -> list[CodeBlock]:
    """The fenced blocks of ``language`` in a markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    blocks: list[CodeBlock] = []
    for match in _FENCE.finditer(text):
        if match.group(1) != language:
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1]
        blocks.append(CodeBlock(path, language, match.group(2), line, before == _RUNNABLE))
    return blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def docs_prelude(table_name: str) -> str:
    """What the docs pages say their runnable examples assume: ``table``, a ``Table`` on a
    fresh table with the quickstart's layout (string keys ``pk``/``sk``, overloaded indexes
    ``GSI1`` and ``GSI2``) on the server at ``DYNAMODB_ENDPOINT_URL``; ``REGION``; and
    ``create_single_table(name)`` for examples that need a table of their own."""
    return f"""
import os

import boto3

from pydynamodel import Table

os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
ENDPOINT = os.environ["DYNAMODB_ENDPOINT_URL"]
REGION = "eu-west-1"


def create_single_table(name, endpoint_url=ENDPOINT, region=REGION):
    keys = ["pk", "sk", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
    boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{{"AttributeName": k, "AttributeType": "S"}} for k in keys],
        KeySchema=[
            {{"AttributeName": "pk", "KeyType": "HASH"}},
            {{"AttributeName": "sk", "KeyType": "RANGE"}},
        ],
        GlobalSecondaryIndexes=[
            {{
                "IndexName": index,
                "KeySchema": [
                    {{"AttributeName": f"{{index}}PK", "KeyType": "HASH"}},
                    {{"AttributeName": f"{{index}}SK", "KeyType": "RANGE"}},
                ],
                "Projection": {{"ProjectionType": "ALL"}},
            }}
            for index in ("GSI1", "GSI2")
        ],
    )


create_single_table({table_name!r})
table = Table({table_name!r}, regions=[REGION], endpoint_url=ENDPOINT, cursor_secret="docs")
"""
