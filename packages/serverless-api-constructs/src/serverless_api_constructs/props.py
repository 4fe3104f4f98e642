"""The one rule every construct of this package follows for a resource it wraps.

- ``existing_<x>``: use that resource and create none; passing ``<x>_props`` (or any setting
  of a new ``<x>``) as well is an error.
- ``<x>_props``: extra keyword arguments of the CDK class that builds ``<x>``, merged over this
  package's defaults, so the caller's values win; except the keys the construct has keyword
  arguments for (one way to say each thing) and the keys that wire ``<x>`` to the construct's
  other parts (its role, its log group ...). Setting one of those is an error naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def refuse_both(
    owner: str, existing_name: str, existing: object | None, props_name: str, props: object
) -> None:
    """Refuse ``existing_<x>`` together with a setting of a new ``<x>``."""
    if existing is not None and props is not None:
        raise ValueError(f"{owner}: pass either {existing_name} or {props_name}, not both")


def merge_props(
    owner: str,
    props_name: str,
    defaults: Mapping[str, Any],
    extra: Mapping[str, Any] | None,
    reserved: Iterable[str],
) -> dict[str, Any]:
    """``defaults`` with ``extra`` merged over them, refusing ``extra`` keys in ``reserved``."""
    clash = sorted(set(extra or {}) & set(reserved))
    if clash:
        raise ValueError(
            f"{owner}: {props_name} cannot set {clash}; use the construct's own keyword "
            "arguments (or, for what wires the resource to the construct, nothing)"
        )
    return {**defaults, **(extra or {})}
