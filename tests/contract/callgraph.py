"""Which error codes a piece of Lambda code can produce, read from its source.

From a function, every function of ``lambda/`` it names (same module, ``from x import f``,
``module.f``), called or passed on, is followed, and every error it constructs is collected:
an ``AppError`` subclass named (its REST code), ``FrameError("code", ...)`` (a frame error) and
``ReportError("Code", ...)`` (the report integration's tag, a REST code). Constructing counts,
not only raising: helpers return errors for their callers to raise. This over-approximates
(a branch never taken still counts), which is the safe side for "every code is declared".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

LAMBDA = ROOT / "lambda"
#: Constructors whose first argument is the code, and the kind of code.
CODED = {"FrameError": "frame", "ReportError": "rest"}


@dataclass(frozen=True)
class Codes:
    """REST error codes and frame error codes."""

    rest: frozenset[str] = frozenset()
    frame: frozenset[str] = frozenset()

    def __or__(self, other: Codes) -> Codes:
        return Codes(self.rest | other.rest, self.frame | other.frame)


@dataclass
class Module:
    name: str
    tree: ast.Module
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target


@cache
def load(name: str) -> Module | None:
    """The module ``name`` of lambda/, or ``None`` (a library, not followed)."""
    base = LAMBDA.joinpath(*name.split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
    if not path.exists():
        return None
    module = Module(name, ast.parse(path.read_text()))
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[node.name] = node
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name] = alias.name
    return module


def _error_classes() -> dict[str, str]:
    """Name -> code of ``AppError`` and every subclass (imported: the class is the truth)."""
    from domain.errors import AppError

    found: dict[str, str] = {}
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls.code
        pending.extend(cls.__subclasses__())
    return found


def _target(module: Module, node: ast.expr) -> tuple[str, str] | None:
    """``(module, name)`` a name or ``module.name`` refers to, if it may be code of lambda/."""
    if isinstance(node, ast.Name):
        if node.id in module.functions:
            return module.name, node.id
        dotted = module.imports.get(node.id)
        if dotted is None or "." not in dotted:
            return None
        owner, _, name = dotted.rpartition(".")
        return owner, name
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        dotted = module.imports.get(node.value.id)
        return (dotted, node.attr) if dotted else None
    return None


def _coded(call: ast.Call, name: str) -> Codes:
    kind = CODED.get(name)
    first = call.args[0] if call.args else None
    if kind is None or not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return Codes()
    return (
        Codes(rest=frozenset({first.value}))
        if kind == "rest"
        else Codes(frame=frozenset({first.value}))
    )


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    return (n for n in ast.walk(node) if isinstance(n, ast.Call))


def codes_of(module_name: str, function: str) -> Codes:
    """Every error code ``module_name.function`` can produce, through what it calls or
    passes on to be called (``answer_frame(event, frames.room_frame, _join)``)."""
    return _walk(module_name, function, set())


def _walk(module_name: str, function: str, seen: set[tuple[str, str]]) -> Codes:
    module = load(module_name)
    if module is None or (module_name, function) in seen or function not in module.functions:
        return Codes()
    seen.add((module_name, function))
    errors = _error_classes()
    found = Codes()
    for node in ast.walk(module.functions[function]):
        if not isinstance(node, ast.Name | ast.Attribute):
            continue
        target = _target(module, node)
        if target is None:
            continue
        name = target[1]
        if name in errors:
            found |= Codes(rest=frozenset({errors[name]}))
        found |= _walk(target[0], name, seen)
    for call in _calls(module.functions[function]):
        called = _called_name(call)
        if called is not None:
            found |= _coded(call, called)
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def route_function(module_name: str, method: str, path: str) -> str:
    """The function of ``module_name`` decorated ``@app.<method>("<path>")``."""
    module = load(module_name)
    assert module is not None, module_name
    rule = path.replace("{", "<").replace("}", ">")
    for name, node in module.functions.items():
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == method.lower()
                and decorator.args
                and isinstance(decorator.args[0], ast.Constant)
                and decorator.args[0].value == rule
            ):
                return name
    raise LookupError(f"{module_name}: no @app.{method.lower()}({rule!r})")


def all_constructed_codes() -> Codes:
    """Every coded error constructed anywhere in lambda/ (``FrameError("x")`` ...), and the
    codes of the error classes defined there."""
    found = Codes(rest=frozenset(_error_classes().values()))
    for path in LAMBDA.rglob("*.py"):
        for call in _calls(ast.parse(path.read_text())):
            name = _called_name(call)
            if name is not None:
                found |= _coded(call, name)
    return found
