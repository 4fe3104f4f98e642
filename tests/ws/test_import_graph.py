"""What the WebSocket handlers load at cold start (issue 13's import budget).

``$connect`` and ``$disconnect`` only store or remove a connection, so their import must not
compile the frame parser, the broadcaster or the message and room-access use cases: each
module the asset ships is compiled from source on every Lambda cold start. Each handler is
imported in a fresh interpreter of its own (this process has loaded everything already), with
the asset's import path and a dummy Lambda environment; the tests about one handler read that
one import's report (:mod:`tests.ws.import_probe`).
"""

from __future__ import annotations

import pytest

from tests.ws.import_probe import ImportProbe

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

#: The one handler whose request validators are asked about (built at import, then reused).
INGEST_CONSUMER = "handlers.rest.ingest_consumer"


@pytest.fixture(scope="module")
def probe() -> ImportProbe:
    # One fresh interpreter per handler, shared by every test asking about that handler.
    return ImportProbe(validators_of=frozenset({INGEST_CONSUMER}))


@pytest.mark.parametrize("handler", ["handlers.ws.connect", "handlers.ws.disconnect"])
def test_connection_handlers_do_not_load_the_frame_routes_modules(
    probe: ImportProbe, handler: str
) -> None:
    # Given a fresh interpreter with the asset's import path and a Lambda-like environment
    # When the $connect or $disconnect handler module is imported, as on a cold start
    loaded = probe.loaded(handler) & FRAME_ROUTE_MODULES
    # Then none of the frame routes' modules was loaded
    assert loaded == set()


def test_the_probe_sees_the_modules_a_frame_route_loads(probe: ImportProbe) -> None:
    # Given the same fresh interpreter
    # When the send handler module, which parses frames and broadcasts, is imported
    loaded = probe.loaded("handlers.ws.send") & FRAME_ROUTE_MODULES
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
def test_membership_handlers_load_no_message_or_room_use_cases(
    probe: ImportProbe, handler: str
) -> None:
    # When the join or leave handler module is imported, as on a cold start
    loaded = probe.loaded(handler) & NOT_FOR_MEMBERSHIP
    # Then neither the message nor the room use cases, broadcaster or validators were loaded
    assert loaded == set()


def test_the_send_handler_does_not_load_the_rest_room_use_cases(probe: ImportProbe) -> None:
    # When the send handler module is imported
    loaded = probe.loaded("handlers.ws.send") & {"domain.rooms", "domain.messages"}
    # Then it loads the message use cases it calls and not the REST API's room use cases
    assert loaded == {"domain.messages"}


@pytest.mark.parametrize(
    "handler",
    ["handlers.ws.join", "handlers.ws.leave", "handlers.ws.send", "handlers.ws.publish_consumer"],
)
def test_frame_handlers_do_not_compile_the_frame_json_schemas(
    probe: ImportProbe, handler: str
) -> None:
    # Given that only the stacks read the frames' JSON schemas (to document and route them)
    # When a frame handler module is imported
    loaded = probe.loaded(handler) & {"contract.schemas", "contract.websocket"}
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
def test_message_writing_handlers_load_what_every_write_needs_at_import(
    probe: ImportProbe, handler: str
) -> None:
    # Given a handler whose every invocation writes a message
    # When its module is imported, as in Lambda's init phase
    loaded = probe.loaded(handler) & MESSAGE_WRITE_MODULES
    # Then the write's transaction and update code is loaded now, not in the first request
    assert loaded == MESSAGE_WRITE_MODULES


#: What only some routes of the REST rooms function use: the request body validators (the
#: POST and PATCH routes) and the message use cases with the library parts a message write
#: needs (POST /rooms/{room_id}/messages). Each is loaded by the route that needs it.
ROUTE_ONLY_MODULES = frozenset(
    {"domain.body_schema", "domain.messages", "pydynamodel._extra_fields", "pydynamodel._updates"}
)


def test_the_rooms_handler_loads_what_only_some_routes_use_on_first_use(
    probe: ImportProbe,
) -> None:
    # When the REST rooms handler module is imported, as on a cold start
    loaded = probe.loaded("handlers.rest.rooms") & ROUTE_ONLY_MODULES
    # Then neither the body validators nor the message use cases were loaded: a cold
    # invocation serves one route and loads them only if that route uses them
    assert loaded == set()


def test_the_admin_handler_loads_no_room_use_cases(probe: ImportProbe) -> None:
    # When the admin handler module (GET /admin/stats: a count query) is imported
    loaded = probe.loaded("handlers.rest.admin") & {"domain.rooms", "pydynamodel.transactions"}
    # Then it loads neither the room use cases nor the transaction code they write with
    assert loaded == set()


def test_the_ingest_consumer_builds_the_validator_every_record_uses_at_import(
    probe: ImportProbe,
) -> None:
    # Given a handler whose every record is validated as the contract's Ingest model
    # When its module is imported, as in Lambda's init phase, and the validator used after
    counts = probe.validator_builds(INGEST_CONSUMER)
    # Then that one validator was built at import and is reused, not built again
    assert counts == (1, 1, 1)
