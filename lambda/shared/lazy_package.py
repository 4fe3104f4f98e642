"""Import a package without running its ``__init__`` until one of its own names is used.

Powertools' ``event_handler`` and ``utilities.data_classes`` packages re-export every resolver
and every event class from their ``__init__``: importing any one submodule
(``event_handler.api_gateway``, ``data_classes.sqs_event``) first runs that ``__init__``,
which imports the AppSync, Bedrock-agent and VPC Lattice resolvers, asyncio, and some forty
event classes no handler here uses, on every cold start.

:func:`defer_init` puts an empty module for the package in ``sys.modules`` instead, with the
package's real ``__path__``, so its submodules import as usual. A name of the package itself
(``from aws_lambda_powertools.event_handler import Response``) is resolved on first access:
when the ``__init__`` only re-exports names of modules, from the one module that defines it;
otherwise by running the real ``__init__`` then, into the same module. Either way each name
is the very object a normal import gives: only when the package's modules load changes.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Loader
    from types import ModuleType

Reexports = dict[str, tuple[str, str]]
"""Name the ``__init__`` binds -> (module it comes from, name there)."""
Reading = tuple[str, Reexports, list[str] | None]
"""An ``__init__`` read beforehand (:func:`read_ahead`): the SHA-256 of its source, what it
binds and its ``__all__``."""


def defer_init(name: str, known: Reading | None = None) -> bool:
    """Make ``import name`` skip the package's ``__init__`` until a name of it is used.

    ``known``: the ``__init__`` as :func:`read_ahead` read it; used when the installed source
    has the same digest, which spares parsing it (about a millisecond of a cold start per
    package); any other source is parsed as usual.

    Returns whether it did: not when the package is already imported (it is then left as it
    is), is not installed, or is a plain module."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.loader is None:
        return False
    if spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)
    resolver = _Resolver(module, Path(spec.origin), spec.loader, known)
    module.__getattr__ = resolver  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return True


class _Resolver:
    """The deferred package's module ``__getattr__`` (PEP 562)."""

    def __init__(
        self, module: ModuleType, init: Path, loader: Loader, known: Reading | None
    ) -> None:
        self.module, self.init, self.loader, self.known = module, init, loader, known
        self.names: Reexports | None = None
        self.parsed = False

    def __call__(self, attr: str) -> Any:
        if attr.startswith("__") and attr != "__all__":
            # Dunder probes (inspect, copy, pickle) never need the package's names.
            raise AttributeError(attr)
        if not self.parsed:
            self.parsed = True
            self.names = self._read_init()
        if self.names is None:
            return self._run_init(attr)
        if attr not in self.names:
            # A submodule not imported yet (``from package import submodule`` probes with
            # hasattr, then imports it) or a name the package does not have.
            raise AttributeError(f"module {self.module.__name__!r} has no attribute {attr!r}")
        source, original = self.names[attr]
        if source == self.module.__name__:  # ``from . import submodule``
            value = importlib.import_module(f"{source}.{original}")
        else:
            value = getattr(importlib.import_module(source), original)
        setattr(self.module, attr, value)
        return value

    def _read_init(self) -> Reexports | None:
        parsed = _read(self.init.read_bytes(), self.module.__name__, self.known)
        if parsed is None:
            return None
        names, all_names = parsed
        if all_names is not None:
            setattr(self.module, "__all__", all_names)  # noqa: B010 - ModuleType declares none
        return names

    def _run_init(self, attr: str) -> Any:
        module = self.module
        if "__getattr__" in module.__dict__:
            del module.__getattr__
            self.loader.exec_module(module)
        return getattr(module, attr)


def _read(
    source: bytes, package: str, known: Reading | None
) -> tuple[Reexports, list[str] | None] | None:
    if known is not None and hashlib.sha256(source).hexdigest() == known[0]:
        names, all_names = known[1], known[2]
        return dict(names), None if all_names is None else list(all_names)
    return reexports(source.decode("utf-8"), package)


def read_ahead(package: str) -> Reading | None:
    """The installed ``__init__`` of ``package`` read as :func:`defer_init` reads it, with its
    digest; ``None`` when it does more than re-export (or ``package`` is not a package)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return None
    source = Path(spec.origin).read_bytes()
    parsed = reexports(source.decode("utf-8"), package)
    if parsed is None:
        return None
    return hashlib.sha256(source).hexdigest(), parsed[0], parsed[1]


def reexports(source: str, package: str) -> tuple[Reexports, list[str] | None] | None:
    """What an ``__init__`` binds and its ``__all__``, if all it does is import names from
    modules (and set ``__all__``); ``None`` when it does anything else."""
    import ast  # only a deferred package's first name pays for it

    names: Reexports = {}
    all_names: list[str] | None = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update({a.asname or a.name: (base, a.name) for a in node.names})
        elif (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            all_names = [str(v) for v in ast.literal_eval(node.value)]
        else:
            return None
    return names, all_names
