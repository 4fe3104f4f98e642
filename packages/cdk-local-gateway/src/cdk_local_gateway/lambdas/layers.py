"""Stand-ins for Lambda layers referenced by ARN, and for the SDK the Lambda runtime provides.

A layer published by ARN cannot be fetched offline. A known public layer is replaced by the
installed distribution it packages (the Powertools layer by ``aws-lambda-powertools``), and
boto3/botocore by the installed ones (the Python runtime of Lambda includes them). The worker
sees ONLY these distributions: a per-run folder of symlinks to them, never the runtime's whole
site-packages.
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from pathlib import Path

from packaging.requirements import Requirement

# Layer ARN pattern -> the distribution that provides the same packages.
KNOWN_LAYERS: dict[str, str] = {
    # The public layer ships Powertools with its optional dependencies (tracer, parser,
    # validation...): those installed here are linked, missing ones are left out.
    r":layer:AWSLambdaPowertoolsPythonV\d": "aws-lambda-powertools[all]",
}
RUNTIME_DISTRIBUTIONS = ("boto3",)


def distribution_for_layer(arn: str) -> str | None:
    for pattern, distribution in KNOWN_LAYERS.items():
        if re.search(pattern, arn):
            return distribution
    return None


def _closure(names: list[str]) -> list[importlib.metadata.Distribution]:
    """The distributions and their (non-extra) requirements, installed ones only."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    pending = [Requirement(n) for n in names]
    visited: set[tuple[str, frozenset[str]]] = set()
    while pending:
        wanted = pending.pop()
        key = re.sub(r"[-_.]+", "-", wanted.name).lower()
        if (key, frozenset(wanted.extras)) in visited:
            continue
        visited.add((key, frozenset(wanted.extras)))
        try:
            distribution = importlib.metadata.distribution(wanted.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        first = key not in seen
        seen[key] = distribution
        for spec in _header(distribution, "Requires-Dist"):
            requirement = Requirement(spec)
            extras = ["", *sorted(wanted.extras)]
            marker = requirement.marker
            needed = marker is None or any(marker.evaluate({"extra": e}) for e in extras)
            only_extra = marker is not None and not marker.evaluate({"extra": ""})
            if needed and (first or only_extra):
                pending.append(requirement)
    return list(seen.values())


def build_layer_folder(folder: Path, distributions: list[str]) -> list[str]:
    """Symlink the top-level packages (and metadata) of ``distributions`` into ``folder``.

    Returns the names of the distributions linked.
    """
    folder.mkdir(parents=True, exist_ok=True)
    linked = []
    for distribution in _closure([*distributions, *RUNTIME_DISTRIBUTIONS]):
        linked.append(next(iter(_header(distribution, "Name")), ""))
        for top in _top_level_entries(distribution):
            if top in ("", "..", "__pycache__"):
                continue
            target = folder / top
            if target.exists() or target.is_symlink():
                continue
            source = Path(str(distribution.locate_file(top)))
            if source.exists():
                target.symlink_to(source)
    return sorted(linked)


def _header(distribution: importlib.metadata.Distribution, name: str) -> list[str]:
    """Every value of one header of the distribution's core metadata.

    Read from the header block of METADATA: ``Distribution.metadata`` (which ``requires`` and
    ``name`` use) runs the e-mail parser over the whole file, long description included, on
    every access. Other layouts (egg-info) go through ``importlib.metadata``.
    """
    text = distribution.read_text("METADATA")
    if text is None:
        if name == "Requires-Dist":
            return list(distribution.requires or [])
        return list(distribution.metadata.get_all(name) or [])
    prefix = name.lower() + ":"
    values = []
    for line in text.split("\n\n", 1)[0].splitlines():
        if line.lower().startswith(prefix):
            values.append(line[len(prefix) :].strip())
    return values


def _top_level_entries(distribution: importlib.metadata.Distribution) -> list[str]:
    """The first path component of every file the distribution installed, in order.

    Read from the RECORD text when there is one: ``Distribution.files`` builds a path object
    per file (thousands for boto3's closure), which made this the slowest step of start-up.
    """
    record = distribution.read_text("RECORD")
    if record is None:
        parts = (Path(str(f)).parts for f in distribution.files or [])
        return list(dict.fromkeys(p[0] for p in parts if p))
    tops: dict[str, None] = {}
    for row in csv.reader(record.splitlines()):
        if row and row[0]:
            tops[re.split(r"[/\\]", row[0], maxsplit=1)[0]] = None
    return list(tops)
