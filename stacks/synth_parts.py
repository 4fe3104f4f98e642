"""Synthesize the app's stages in parallel processes and join their cloud assemblies into one.

Stages share nothing (each is its own nested cloud assembly, ``assembly-<Stage>``), and a synth
is one Python process ping-ponging with one Node process, so it keeps one core busy: on a
machine with two, two processes each building and synthesizing part of the stages finish in
the time of the larger part. Each part is a complete synth of the app restricted to its stages
(cdk-nag included: a finding in any part fails the whole synth); the parts' assemblies are
then joined into exactly what one process writes (tests/infra/test_synth_exit.py compares the
bytes):

- the nested assemblies, the staged assets and the OpenAPI documents move into the output
  directory (an asset staged by several parts is the same content: its name is its hash);
- ``manifest.json`` lists every stage's nested assembly, in app order, then the other
  artifacts (the tree, the feature flag report), which every part writes identically;
- ``tree.json`` holds every stage's subtree under the app, in app order, then the tree's node;
- any other file (``cdk.out``, ``validation-report.json``) is the same in every part, checked.

Pure standard library: the parent process starts the parts before it imports the CDK.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from pathlib import Path

    from .config import StageConfig

#: Set for a part's process: the names of the stages it builds, comma-separated.
PART_STAGES_VARIABLE = "APP_SYNTH_STAGES"
#: How many processes share the stages (default: the cores this process may run on); ``1``
#: synthesizes every stage in one process (the benchmark's breakdown, debugging).
PARTS_VARIABLE = "APP_SYNTH_PARTS"
#: Set for a part's process whose part is lighter than the largest: how much it lowers its
#: priority (:func:`lighter_parts`).
NICE_VARIABLE = "APP_SYNTH_NICE"
LIGHTER_NICENESS = 5
#: How CDK writes each JSON file of an assembly's root (``JSON.stringify``'s arguments).
_INDENTED = {"manifest.json", "validation-report.json"}
_MERGED = {"manifest.json", "tree.json"}


def plan_parts(configs: Sequence[StageConfig], workers: int) -> list[tuple[str, ...]]:
    """The stages' names grouped into at most ``workers`` parts of about equal work.

    A stage's work is mostly its regions' API stacks, so each stage (largest first) goes to the
    part with the fewest regions so far; within a part stages keep the app's order."""
    count = max(1, min(workers, len(configs)))
    parts: list[list[StageConfig]] = [[] for _ in range(count)]
    for config in sorted(configs, key=lambda c: -len(c.regions)):
        min(parts, key=lambda part: sum(len(c.regions) for c in part)).append(config)
    order = {config.name: i for i, config in enumerate(configs)}
    planned = [tuple(sorted((c.name for c in part), key=order.__getitem__)) for part in parts]
    return sorted(planned, key=lambda names: order[names[0]])


def lighter_parts(configs: Sequence[StageConfig], parts: Sequence[Sequence[str]]) -> set[int]:
    """The indexes of the parts with fewer regions than the largest part.

    The synth ends when its largest part does; the others finish earlier anyway. Each part is
    a Python process and a Node process that often run at once, so the parts compete for the
    cores; at a lower priority the lighter parts yield them to the largest one."""
    regions = {config.name: len(config.regions) for config in configs}
    weights = [sum(regions[name] for name in part) for part in parts]
    return {i for i, weight in enumerate(weights) if weight < max(weights, default=0)}


def local_part(parts: Sequence[Sequence[str]], lighter: Collection[int]) -> int:
    """The index of the part the app's own process synthesizes: the first of the largest.

    The other parts are forks of that process (``stacks.kernel_fork``), and a fork first
    starts a jsii kernel of its own and loads the CDK's assemblies into it again (about 0.7 s
    on an idle machine) before its construction starts: a lighter part finishes early
    anyway, the largest is the one the synth waits for."""
    return next((i for i in range(len(parts)) if i not in lighter), 0)


def worker_count(environ: Mapping[str, str]) -> int:
    """``APP_SYNTH_PARTS`` if set; else the number of cores this process may use, or 1 when
    the machine is already oversubscribed.

    Every part pays the imports and the jsii kernel's start again (about a third of a
    one-process synth's CPU time), which is free on idle cores but only competes with the
    other work of a busy machine (``make test`` runs its phases side by side): with more
    runnable processes than cores plus one, on average over the last minute, one process
    does it all."""
    if environ.get(PARTS_VARIABLE):
        return max(1, int(environ[PARTS_VARIABLE]))
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every core
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return 1 if os.getloadavg()[0] > cores + 1 else cores


def cli_context(environ: Mapping[str, str]) -> dict[str, Any]:
    """The context the CDK CLI hands the app: JSON in ``CDK_CONTEXT_JSON``, or in the file
    ``CONTEXT_OVERFLOW_LOCATION_ENV`` names when it is too large for the environment."""
    if "CDK_CONTEXT_JSON" in environ:
        context: dict[str, Any] = json.loads(environ["CDK_CONTEXT_JSON"])
        return context
    overflow = environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    if overflow:
        with open(overflow, encoding="utf-8") as file:
            from_file: dict[str, Any] = json.load(file)
            return from_file
    return {}


def remove_stale_parts(outdir: Path) -> None:
    """Remove the parts' directories an interrupted synth may have left in ``outdir`` (so no
    stale template is read from them, e.g. by ``find cdk.out -name '*.template.json'``)."""
    for stale in outdir.glob(".part-*"):
        shutil.rmtree(stale, ignore_errors=True)


def join_parts(outdir: Path, parts: Sequence[Path], stage_ids: Sequence[str]) -> None:
    """Join the parts' cloud assemblies into ``outdir`` (``stage_ids``: every stage's
    construct id, in app order) and remove the parts' directories."""
    outdir.mkdir(parents=True, exist_ok=True)
    joined: set[str] = set()
    for part in parts:
        for entry in sorted(part.iterdir()):
            if entry.name not in _MERGED:
                _move(entry, outdir / entry.name, first=entry.name not in joined)
                joined.add(entry.name)
    manifests = [_read(part / "manifest.json") for part in parts]
    trees = [_read(part / "tree.json") for part in parts]
    _write(outdir / "manifest.json", _joined_manifest(manifests, stage_ids))
    _write(outdir / "tree.json", _joined_tree(trees, stage_ids))
    for part in parts:
        shutil.rmtree(part)


def _move(source: Path, target: Path, *, first: bool) -> None:
    """Move one entry of a part's root into the joined assembly. ``first``: no other part
    had it, so what is there was left by an earlier synth and is replaced."""
    if source.is_dir() and source.name == "openapi":
        target.mkdir(exist_ok=True)
        for document in source.iterdir():
            os.replace(document, target / document.name)
    elif source.is_dir() and source.name.startswith("asset."):
        if not target.exists():  # named by its content's hash: an existing one is the same
            os.replace(source, target)
    elif not first and (source.is_dir() or target.read_bytes() != source.read_bytes()):
        raise ValueError(f"parts of the synth disagree on {target.name}")
    else:
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(source, target)


def _joined_manifest(manifests: Sequence[dict[str, Any]], stage_ids: Sequence[str]) -> Any:
    nested = {f"assembly-{stage}" for stage in stage_ids}
    artifacts: dict[str, Any] = {}
    for manifest in manifests:
        artifacts.update((k, v) for k, v in manifest["artifacts"].items() if k in nested)
    others = _same_in_every_part(
        [{k: v for k, v in m["artifacts"].items() if k not in nested} for m in manifests],
        "manifest.json artifacts",
    )
    rest = _same_in_every_part(
        [{k: v for k, v in m.items() if k not in ("artifacts", "missing")} for m in manifests],
        "manifest.json",
    )
    joined: dict[str, Any] = {}
    for key in manifests[0]:
        if key == "artifacts":
            joined[key] = {name: artifacts[name] for name in _in_order(artifacts, stage_ids)}
            joined[key].update(others)
        elif key != "missing":
            joined[key] = rest[key]
    missing = {entry["key"]: entry for m in manifests for entry in m.get("missing", [])}
    if missing:
        joined["missing"] = list(missing.values())
    return joined


def _joined_tree(trees: Sequence[dict[str, Any]], stage_ids: Sequence[str]) -> Any:
    children: dict[str, Any] = {}
    for tree in trees:
        children.update((k, v) for k, v in tree["tree"]["children"].items() if k in stage_ids)
    others = _same_in_every_part(
        [{k: v for k, v in t["tree"]["children"].items() if k not in stage_ids} for t in trees],
        "tree.json",
    )
    app = {**trees[0]["tree"]}
    app["children"] = {**{stage: children[stage] for stage in stage_ids}, **others}
    return {**trees[0], "tree": app}


def _in_order(artifacts: Mapping[str, Any], stage_ids: Sequence[str]) -> list[str]:
    return [f"assembly-{stage}" for stage in stage_ids if f"assembly-{stage}" in artifacts]


def _same_in_every_part(values: Sequence[dict[str, Any]], what: str) -> dict[str, Any]:
    if any(value != values[0] for value in values[1:]):
        raise ValueError(f"parts of the synth disagree on {what}")
    return values[0]


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _write(path: Path, data: Any) -> None:
    if path.name in _INDENTED:
        text = json.dumps(data, indent=2, ensure_ascii=False)
    else:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
