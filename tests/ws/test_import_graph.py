"""What the WebSocket handlers load at cold start (issue 13's import budget).

``$connect`` and ``$disconnect`` only store or remove a connection, so their import must not
compile the frame parser, the broadcaster or the message and room-access use cases: each
module the asset ships is compiled from source on every Lambda cold start. Each import runs
in a fresh interpreter (this process has loaded everything already), with the asset's import
path and a dummy Lambda environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join(str(ROOT / p) for p in ("lambda", "packages/pydynamodel/src"))
DUMMY_ENV = {
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "dummy",
    "AWS_SECRET_ACCESS_KEY": "dummy",
    "POWERTOOLS_SERVICE_NAME": "import-graph",
    "POWERTOOLS_METRICS_NAMESPACE": "ImportGraph",
    "TABLE_NAME": "rooms",
}
#: What only the frame routes (join, leave, send, the publish consumer) need: the frame
#: parser and the WebSocket contract it reads, the broadcaster, the room and message use cases.
FRAME_ROUTE_MODULES = frozenset(
    {
        "domain.realtime.broadcast",
        "domain.realtime.frames",
        "domain.realtime.access",
        "domain.realtime.rooms",
        "domain.messages",
        "contract.websocket",
    }
)

_PROBE = """\
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m in {watched!r})))
"""


def loaded_by_import(module: str, watched: frozenset[str] = FRAME_ROUTE_MODULES) -> set[str]:
    """Which of ``watched`` ``import module`` loads in a fresh interpreter."""
    code = _PROBE.format(module=module, watched=set(watched))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": PYTHONPATH,
        "PYTHONDONTWRITEBYTECODE": "1",
        **DUMMY_ENV,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("handler", ["handlers.ws.connect", "handlers.ws.disconnect"])
def test_connection_handlers_do_not_load_the_frame_routes_modules(handler: str) -> None:
    # Given a fresh interpreter with the asset's import path and a Lambda-like environment
    # When the $connect or $disconnect handler module is imported, as on a cold start
    loaded = loaded_by_import(handler)
    # Then none of the frame routes' modules was loaded
    assert loaded == set()


def test_the_probe_sees_the_modules_a_frame_route_loads() -> None:
    # Given the same fresh interpreter
    # When the send handler module, which parses frames and broadcasts, is imported
    loaded = loaded_by_import("handlers.ws.send")
    # Then the probe reports every one of them (so an empty answer above means something)
    assert loaded == FRAME_ROUTE_MODULES


#: What joining or leaving a room does not need: the message use cases, the broadcaster, the
#: room use cases of the REST API and the REST request validators.
NOT_FOR_MEMBERSHIP = frozenset(
    {
        "domain.messages",
        "domain.rooms",
        "domain.realtime.broadcast",
        "domain.realtime.rooms",
        "domain.validation",
    }
)


@pytest.mark.parametrize("handler", ["handlers.ws.join", "handlers.ws.leave"])
def test_membership_handlers_load_no_message_or_room_use_cases(handler: str) -> None:
    # When the join or leave handler module is imported, as on a cold start
    loaded = loaded_by_import(handler, NOT_FOR_MEMBERSHIP)
    # Then neither the message nor the room use cases, broadcaster or validators were loaded
    assert loaded == set()


def test_the_send_handler_does_not_load_the_rest_room_use_cases() -> None:
    # When the send handler module is imported
    loaded = loaded_by_import("handlers.ws.send", frozenset({"domain.rooms", "domain.messages"}))
    # Then it loads the message use cases it calls and not the REST API's room use cases
    assert loaded == {"domain.messages"}


@pytest.mark.parametrize(
    "handler",
    ["handlers.ws.join", "handlers.ws.leave", "handlers.ws.send", "handlers.ws.publish_consumer"],
)
def test_frame_handlers_do_not_compile_the_frame_json_schemas(handler: str) -> None:
    # Given that only the stacks read the frames' JSON schemas (to document and route them)
    # When a frame handler module is imported
    loaded = loaded_by_import(handler, frozenset({"contract.schemas", "contract.websocket"}))
    # Then it reads the WebSocket contract's actions without compiling the schemas module
    assert loaded == {"contract.websocket"}


#: What every message write uses: a transaction holding an update of the room's counter.
MESSAGE_WRITE_MODULES = frozenset(
    {"pydynamodel.transactions", "pydynamodel._updates", "pydynamodel._extra_fields"}
)


@pytest.mark.parametrize(
    "handler",
    ["handlers.ws.send", "handlers.ws.publish_consumer", "handlers.rest.ingest_consumer"],
)
def test_message_writing_handlers_load_what_every_write_needs_at_import(handler: str) -> None:
    # Given a handler whose every invocation writes a message
    # When its module is imported, as in Lambda's init phase
    loaded = loaded_by_import(handler, MESSAGE_WRITE_MODULES)
    # Then the write's transaction and update code is loaded now, not in the first request
    assert loaded == MESSAGE_WRITE_MODULES


#: What only some routes of the REST rooms function use: the request body validators (the
#: POST and PATCH routes) and the message use cases with the library parts a message write
#: needs (POST /rooms/{room_id}/messages). Each is loaded by the route that needs it.
ROUTE_ONLY_MODULES = frozenset(
    {"domain.body_schema", "domain.messages", "pydynamodel._extra_fields", "pydynamodel._updates"}
)


def test_the_rooms_handler_loads_what_only_some_routes_use_on_first_use() -> None:
    # When the REST rooms handler module is imported, as on a cold start
    loaded = loaded_by_import("handlers.rest.rooms", ROUTE_ONLY_MODULES)
    # Then neither the body validators nor the message use cases were loaded: a cold
    # invocation serves one route and loads them only if that route uses them
    assert loaded == set()


def test_the_admin_handler_loads_no_room_use_cases() -> None:
    # When the admin handler module (GET /admin/stats: a count query) is imported
    loaded = loaded_by_import(
        "handlers.rest.admin", frozenset({"domain.rooms", "pydynamodel.transactions"})
    )
    # Then it loads neither the room use cases nor the transaction code they write with
    assert loaded == set()


_BUILT_VALIDATORS = """import json
import {module}
from domain.validation import PARTNER_MESSAGE, validator
built = validator.cache_info()
PARTNER_MESSAGE.load()
print(json.dumps([built.currsize, built.misses, validator.cache_info().misses]))
"""


def test_the_ingest_consumer_builds_the_validator_every_record_uses_at_import() -> None:
    # Given a handler whose every record is validated as the contract's Ingest model
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": PYTHONPATH,
        "PYTHONDONTWRITEBYTECODE": "1",
        **DUMMY_ENV,
    }
    # When its module is imported, as in Lambda's init phase, and the validator used after
    code = _BUILT_VALIDATORS.format(module="handlers.rest.ingest_consumer")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Then that one validator was built at import and is reused, not built again
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [1, 1, 1]
