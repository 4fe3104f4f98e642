"""What a Lambda cold start imports, rebuilt from a synthesized cloud assembly.

- :func:`python_functions` reads every ``AWS::Lambda::Function`` of every template in
  ``cdk.out`` (nested stage assemblies included): its handler, its environment and the folder
  its code asset was staged into (``aws:asset:path`` metadata), so the benchmark runs on the
  asset exactly as synthesized, not on the source tree.
- :func:`copy_asset` copies an asset as Lambda unpacks it: with the bytecode it ships for the
  functions' runtime (``stacks/lambda_bytecode.py``), or, for comparison, source only.
- :func:`stage_source` stages the source tree the way ``stacks/lambda_code.py`` builds the
  asset (``lambda/`` plus each library's import directory, no Markdown, with the runtime's
  bytecode when this machine has its interpreter), for a quick measurement of an edit before
  the next synth (``BENCH_ASSET=source``); the budget's figures come from the synthesized
  asset.
- :func:`layer_path` builds a directory of symlinks to the installed distributions the
  runtime and the Powertools layer provide (Powertools with its ``all`` extra, as the
  AWS-managed layer is built; boto3 and botocore as the runtime ships them), and nothing else
  of the virtualenv, so an import that only works thanks to a dev dependency fails here as it
  would on Lambda. :func:`runtime_layer` is the same distributions at the same versions
  installed for another interpreter (the functions' runtime's), cached by their versions.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import Requirement

#: Distributions a function sees besides its asset: (name, extras). Powertools comes from the
#: AWS-managed layer (built with every extra); boto3 is in the Python runtime.
LAYER_DISTRIBUTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("aws-lambda-powertools", frozenset({"all"})),
    ("boto3", frozenset()),
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # stacks.lambda_bytecode: standard library only, no CDK

from stacks.lambda_bytecode import CACHE_TAG, add_bytecode  # noqa: E402

#: Where :func:`runtime_layer` keeps the layer it installed for each interpreter and versions.
LAYER_CACHE = ROOT / ".cache" / "lambda-layer"
#: What ``stacks/lambda_code.py`` stages into the asset: ``lambda/`` and these import
#: directories beside its packages (kept equal to its ``LIBRARY_DIRS``).
SOURCE_DIRS: tuple[Path, ...] = (ROOT / "packages" / "pydynamodel" / "src" / "pydynamodel",)
_SOURCE_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", "*.md")

#: Stands in for environment values CloudFormation resolves at deploy time (Ref, GetAtt).
PLACEHOLDER = "bench-placeholder"


@dataclass(frozen=True)
class LambdaFunction:
    """One Python function as synthesized: where its code is and how Lambda imports it."""

    logical_ids: tuple[str, ...]
    asset_dir: Path
    handler: str
    runtime: str
    environment: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


def python_functions(cdk_out: Path) -> list[LambdaFunction]:
    """Every distinct (asset, handler) pair of the Python functions in ``cdk_out``."""
    templates = sorted(cdk_out.glob("*.template.json")) + sorted(
        cdk_out.glob("assembly-*/*.template.json")
    )
    if not templates:
        raise SystemExit(f"no templates in {cdk_out}: synthesize first (make synth)")
    found: dict[tuple[Path, str], LambdaFunction] = {}
    for template in templates:
        resources: dict[str, Any] = json.loads(template.read_text()).get("Resources", {})
        for logical_id, resource in resources.items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            props = resource.get("Properties", {})
            runtime = str(props.get("Runtime", ""))
            asset = resource.get("Metadata", {}).get("aws:asset:path")
            if not runtime.startswith("python") or not asset:
                continue
            asset_dir = (template.parent / asset).resolve()
            if not asset_dir.is_dir():
                raise SystemExit(f"{template.name}: {logical_id}'s asset {asset_dir} is missing")
            key = (asset_dir, props["Handler"])
            previous = found.get(key)
            ids = (*previous.logical_ids, logical_id) if previous else (logical_id,)
            env = {
                name: value if isinstance(value, str) else PLACEHOLDER
                for name, value in props.get("Environment", {}).get("Variables", {}).items()
            }
            found[key] = LambdaFunction(ids, asset_dir, props["Handler"], runtime, env)
    return sorted(found.values(), key=lambda fn: fn.handler)


def copy_asset(asset_dir: Path, target: Path, *, bytecode: bool = True) -> Path:
    """A copy of the asset as Lambda unpacks the deployment package: with the bytecode it
    ships for the functions' runtime (``*.cpython-3XX.pyc`` of that version only: the
    assembly's asset folder may also hold bytecode a local run wrote for another
    interpreter, which is not in the deployed zip's hash), or with ``bytecode=False`` none
    (``/var/task`` is read-only: Python then compiles every module on every cold start)."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        if not bytecode:
            return {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
        if Path(folder).name == "__pycache__":
            return {name for name in names if not name.endswith(f".{CACHE_TAG}.pyc")}
        return {name for name in names if name.endswith(".pyc")}

    shutil.copytree(asset_dir, target, ignore=ignore)
    return target


def stage_source(target: Path, root: Path = ROOT, *, bytecode: bool = True) -> Path:
    """The source tree staged as ``stacks/lambda_code.py`` stages the asset: ``lambda/``'s
    packages with each library of :data:`SOURCE_DIRS` beside them, and the runtime's bytecode
    of them (when this machine has its interpreter; ``bytecode=False``: none)."""
    shutil.copytree(root / "lambda", target, ignore=_SOURCE_IGNORE)
    for library in SOURCE_DIRS:
        shutil.copytree(
            root / library.relative_to(ROOT), target / library.name, ignore=_SOURCE_IGNORE
        )
    if bytecode:
        add_bytecode(target)
    return target


def layer_path(target: Path) -> tuple[Path, list[str]]:
    """Symlinks to every installed distribution of :data:`LAYER_DISTRIBUTIONS` and their
    requirements; returns the directory and the requirements not installed here."""
    target.mkdir(parents=True)
    missing: list[str] = []
    (target / "__pycache__").mkdir()
    for dist in _closure(missing):
        for top in _top_levels(dist):
            source = Path(str(dist.locate_file(top)))
            link = target / top
            if source.exists() and not link.exists():
                link.symlink_to(source)
        # Single-file modules (six, typing_extensions) keep their bytecode beside them.
        for file in dist.files or []:
            parts = PurePosixPath(str(file)).parts
            if len(parts) == 2 and parts[0] == "__pycache__":
                source = Path(str(dist.locate_file(file)))
                if source.exists():
                    (target / "__pycache__" / parts[1]).symlink_to(source)
    return target, sorted(set(missing))


def runtime_layer(interpreter: str, cache: Path = LAYER_CACHE) -> tuple[Path, list[str]]:
    """:func:`layer_path`'s distributions, at the versions installed here, installed for
    ``interpreter`` (``pip install --no-deps --target``, compiled to its bytecode as pip
    does); kept in ``cache`` under a key of the interpreter's version and the pins. Returns
    the directory and the requirements not installed here (not in the layer either)."""
    missing: list[str] = []
    pins = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in _closure(missing))
    version = subprocess.run(
        [interpreter, "-c", "import sys; print(sys.version)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    key = hashlib.sha256("\n".join([version, *pins]).encode()).hexdigest()[:16]
    target = cache / key
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        scratch = cache / f".{key}.partial"
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(
            [
                interpreter, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--target", str(scratch), *pins,
            ],
            check=True,
        )  # fmt: skip
        scratch.rename(target)
    return target, sorted(set(missing))


def _closure(missing: list[str]) -> list[metadata.Distribution]:
    seen: dict[str, metadata.Distribution] = {}
    pending = [(name, set(extras)) for name, extras in LAYER_DISTRIBUTIONS]
    while pending:
        name, extras = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        seen[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in extras | {""}
            )
            if wanted:
                pending.append((requirement.name, set(requirement.extras)))
    return list(seen.values())


def _top_levels(dist: metadata.Distribution) -> set[str]:
    """First path components of a distribution's files: its packages, modules, dist-info."""
    tops: set[str] = set()
    for file in dist.files or []:
        parts = PurePosixPath(str(file)).parts
        if parts and parts[0] not in ("..", "__pycache__") and not parts[0].endswith(".pth"):
            tops.add(parts[0])
    return tops
