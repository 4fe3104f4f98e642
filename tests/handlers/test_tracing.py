"""A handler's cold start loads what it uses, not what its libraries could do.

- Tracing costs only what it traces, the AWS SDK (botocore): ``Tracer()`` with its defaults
  patches every library the X-Ray SDK supports, importing ``requests``, PynamoDB and database
  drivers' patchers into a function that uses none of them.
- Powertools' re-exporting packages (``event_handler``, ``utilities.data_classes``) load only
  the submodules a handler uses (``shared.lazy_package``), on import and on its first
  invocation alike, while every name they export stays importable from them.

Checked in a fresh interpreter with the variables Lambda sets, since Powertools only patches
inside a Lambda environment. Its report is kept under a key of everything it depends on
(tests/probe_cache.py), so an unchanged checkout reads it instead of starting the interpreter.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import pytest

import shared.lazy_package
from handlers.rest import REEXPORTING_PACKAGES
from handlers.rest.powertools_inits import READINGS
from shared.lazy_package import defer_init, read_ahead, reexports
from tests.conftest import ROOT
from tests.probe_cache import probe_output

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TRACED_HANDLERS = [
    "handlers.rest.rooms",
    "handlers.rest.report",
    "handlers.rest.admin",
    "handlers.rest.ingest_consumer",
    "handlers.ws.connect",
    "handlers.ws.disconnect",
    "handlers.ws.join",
    "handlers.ws.leave",
    "handlers.ws.send",
    "handlers.ws.publish_consumer",
]
UNUSED_LIBRARIES = ("requests", "pynamodb", "sqlite3", "httpx", "aiobotocore")

_PROBE = """
import json, sys, importlib
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:]
                        or m.startswith("aws_xray_sdk.ext.") and "botocore" not in m
                        and "boto_utils" not in m and "util" != m.rsplit(".", 1)[-1])))
"""


@pytest.mark.parametrize("module", TRACED_HANDLERS)
def test_a_traced_handler_imports_no_patcher_for_libraries_it_does_not_use(module: str) -> None:
    # Given the environment Lambda gives a function, with tracing on
    env = _lambda_env()
    # When the handler module is imported cold
    output = probe_output(
        [sys.executable, "-c", _PROBE, module, *UNUSED_LIBRARIES], env, ROOT / "lambda"
    )
    # Then neither those libraries nor their X-Ray patchers were loaded
    assert json.loads(output.strip().splitlines()[-1]) == []


def _lambda_env() -> dict[str, str]:
    """The variables Lambda gives a function, tracing on (no ``POWERTOOLS_TRACE_DISABLED``),
    and of this process only PATH: the probe's whole environment is stated here."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": str(ROOT / "lambda"),
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "dummy",
        "AWS_SECRET_ACCESS_KEY": "dummy",
        "POWERTOOLS_SERVICE_NAME": "probe",
        "POWERTOOLS_METRICS_NAMESPACE": "Probe",
        "TABLE_NAME": "probe",
        "PYTHONPATH": str(ROOT / "lambda"),
    }


#: Resolvers and event classes of Powertools that no handler here uses.
UNUSED_POWERTOOLS = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.event_handler.lambda_function_url",
    "aws_lambda_powertools.event_handler.openapi.merge",
    "aws_lambda_powertools.utilities.data_classes.s3_event",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
    "aws_lambda_powertools.utilities.data_classes.appsync_resolver_event",
)

_FIRST_INVOCATION = """
import json, sys
from handlers.rest import rooms
event = json.loads(sys.argv[1])
event["path"] = event["requestContext"]["path"] = "/rooms/no!such!id"
event["pathParameters"] = {"room_id": "no!such!id"}

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "probe", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:probe"

answer = rooms.handler(event, Context())
print(json.dumps([answer["statusCode"], sorted(sys.modules)]))
"""


def test_the_rest_handler_loads_no_unused_powertools_module_on_import_or_first_call() -> None:
    # Given the rooms handler in a Lambda environment with tracing on, and a GET it answers
    # with a 400 before any table access
    event = ROOT / "tests" / "events" / "rest" / "room_get.json"

    # When it is imported cold and invoked once
    output = probe_output(
        [sys.executable, "-c", _FIRST_INVOCATION, event.read_text()], _lambda_env(), ROOT / "lambda"
    )
    status, modules = json.loads(output.strip().splitlines()[-1])

    # Then it answered through the resolver, and no unused resolver or event class was loaded
    assert status == 400
    assert "aws_lambda_powertools.event_handler.api_gateway" in modules
    assert not set(UNUSED_POWERTOOLS) & set(modules)


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Given a package whose ``__init__`` re-exports a name from each of two submodules."""
    name = f"probe_pkg_{tmp_path.name.replace('-', '_')}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text(
        '"""Docs."""\n'
        "from __future__ import annotations\n"
        "from .light import Light\n"
        f"from {name}.heavy import Heavy as Renamed\n"
        "from . import light\n"
        "__all__ = ['Light', 'Renamed']\n"
    )
    (root / "light.py").write_text("class Light: ...\n")
    (root / "heavy.py").write_text("class Heavy: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def test_a_deferred_package_loads_only_the_submodule_a_name_comes_from(package: str) -> None:
    # When the package is deferred and one submodule and one name are imported from it
    assert defer_init(package)
    light = __import__(f"{package}.light", fromlist=["Light"])
    exported = sys.modules[package].Light

    # Then the other submodule was not loaded, and the name is the submodule's own object
    assert f"{package}.heavy" not in sys.modules
    assert exported is light.Light
    assert sys.modules[package].__all__ == ["Light", "Renamed"]


def test_a_renamed_export_loads_its_submodule_on_first_use(package: str) -> None:
    # Given a deferred package
    defer_init(package)

    # When its renamed export is imported
    heavy = __import__(package, fromlist=["Renamed"]).Renamed

    # Then it is the submodule's class, loaded only now
    assert f"{package}.heavy" in sys.modules
    assert heavy is sys.modules[f"{package}.heavy"].Heavy


def test_a_name_the_package_does_not_export_is_an_import_error(package: str) -> None:
    defer_init(package)
    with pytest.raises(AttributeError, match="has no attribute 'Missing'"):
        _ = sys.modules[package].Missing  # what ``from package import Missing`` looks up
    with pytest.raises(ModuleNotFoundError):
        __import__(f"{package}.missing")


def test_an_imported_or_missing_package_is_left_alone() -> None:
    # json is already imported; no such package exists; os.path is a module, not a package
    assert not defer_init("json")
    assert not defer_init("no_such_package_here")
    assert sys.modules["json"].__spec__ is not None


def test_an_init_that_does_more_than_reexport_runs_whole_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a package whose __init__ computes a value besides importing
    root = tmp_path / "probe_active_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("from .part import Part\nVALUE = 6 * 7\n")
    (root / "part.py").write_text("class Part: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        # When it is deferred and a name is used
        assert defer_init("probe_active_pkg")
        module = sys.modules["probe_active_pkg"]

        # Then the real __init__ ran: every name it binds is there
        assert module.VALUE == 42
        assert module.Part is sys.modules["probe_active_pkg.part"].Part
    finally:
        for name in ("probe_active_pkg", "probe_active_pkg.part"):
            sys.modules.pop(name, None)


def test_the_reexports_of_an_init_are_read_without_running_it() -> None:
    # Given an __init__ with a docstring, relative and absolute re-exports and __all__
    source = '"""D."""\nfrom .a import X\nfrom p.b import Y as Z\n__all__ = ("X", "Z")\n'

    # Then each bound name maps to its module, and anything else makes it unreadable
    assert reexports(source, "p") == ({"X": ("p.a", "X"), "Z": ("p.b", "Y")}, ["X", "Z"])
    assert reexports("from .a import *\n", "p") is None
    assert reexports("import os\n", "p") is None


_EVERY_EXPORT = """
import importlib, json, sys
from pathlib import Path
import handlers.rest
from shared.lazy_package import reexports
wrong = []
for package in handlers.rest.REEXPORTING_PACKAGES:
    module = sys.modules[package]
    init = Path(importlib.util.find_spec(package).origin).read_text(encoding="utf-8")
    names, _ = reexports(init, package)
    for name, (source, original) in names.items():
        got = getattr(module, name)
        real = importlib.import_module(source)
        if source != package and got is not getattr(real, original):
            wrong.append(name)
print(json.dumps(wrong))
"""


def test_every_name_a_deferred_powertools_package_exports_is_the_object_its_module_defines() -> (
    None
):
    # Given the REST handlers' package, which defers Powertools' re-exporting __init__s
    # When every name those __init__s export is looked up on the deferred packages
    output = probe_output([sys.executable, "-c", _EVERY_EXPORT], _lambda_env(), ROOT / "lambda")
    # Then each is the very object the submodule defining it holds
    assert json.loads(output.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("package", REEXPORTING_PACKAGES)
def test_the_recorded_reading_of_each_deferred_powertools_init_is_the_installed_ones(
    package: str,
) -> None:
    # Given the Powertools installed at the layer's version
    # When its __init__ is read now
    reading = read_ahead(package)
    # Then it is the reading recorded for the cold start (after an upgrade: record this one)
    assert reading is not None
    assert READINGS.get(package) == reading, f"record in powertools_inits.py: {reading!r}"


def _unreadable(source: str, package: str) -> None:
    raise AssertionError("the __init__ was parsed")


def test_a_recorded_reading_of_the_same_source_spares_the_parse(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the package's __init__ read ahead, and parsing made to fail
    reading = read_ahead(package)
    assert reading is not None
    monkeypatch.setattr(shared.lazy_package, "reexports", _unreadable)

    # When the package is deferred with that reading and its names are used
    defer_init(package, reading)
    module = sys.modules[package]

    # Then they resolve as a parse would have resolved them, without one
    assert module.Renamed is sys.modules[f"{package}.heavy"].Heavy
    assert module.Light is sys.modules[f"{package}.light"].Light
    assert module.__all__ == ["Light", "Renamed"]


def test_a_reading_of_another_source_is_not_used(package: str) -> None:
    # Given a reading recorded for another version of the __init__ (another digest), which
    # maps the renamed export to the wrong class
    reading = read_ahead(package)
    assert reading is not None
    _digest, names, all_names = reading
    stale = ("0" * 64, {**names, "Renamed": (f"{package}.light", "Light")}, all_names)

    # When the package is deferred with it
    defer_init(package, stale)

    # Then the installed __init__ is parsed and its own mapping is used
    assert sys.modules[package].Renamed is sys.modules[f"{package}.heavy"].Heavy
