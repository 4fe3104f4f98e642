"""Route a request path to a method: exact segment > {param} > {proxy+}; method > ANY."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from cdk_local_gateway.rest.model import Method, RestApi


@dataclass(frozen=True)
class Match:
    method: Method
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s != ""]


@lru_cache(maxsize=4096)
def _template(resource_path: str) -> tuple[str, ...]:
    """A resource path's segments, split once (every request tries every resource)."""
    return tuple(_segments(resource_path))


def _match(
    template: tuple[str, ...] | list[str], parts: list[str], decoded: list[str] | None = None
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """``(rank, params)`` when ``parts`` fit ``template``. The rank has one digit per segment
    (2 literal, 1 ``{param}``, 0 ``{proxy+}``); the lexicographically highest rank wins.
    ``decoded``: ``parts`` percent-decoded (computed here when not given)."""
    if decoded is None:
        decoded = [unquote(part) for part in parts]
    params: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(template):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = parts[index:]
            if not rest:
                return None
            params[segment[1:-2]] = unquote("/".join(rest))
            return (*rank, 0), params
        if index >= len(parts):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            params[segment[1:-1]] = decoded[index]
            rank.append(1)
        elif segment == decoded[index]:
            rank.append(2)
        else:
            return None
    if len(parts) != len(template):
        return None
    return tuple(rank), params


def route(api: RestApi, path: str, http_method: str) -> Match | None:
    """The method for ``path`` (relative to the stage, raw encoding) or ``None`` (403)."""
    parts = _segments(path)
    decoded = [unquote(part) for part in parts]
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for resource_path in api.methods:
        found = _match(_template(resource_path), parts, decoded)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], resource_path, found[1])
    if best is None:
        return None
    methods = api.methods[best[1]]
    method = methods.get(http_method.upper()) or methods.get("ANY")
    if method is None:
        return None
    return Match(method, best[2])
