"""The rendered OpenAPI page is current and shows what the document declares: the committed
docs/rest-api-openapi.md is what tools/render_openapi.py renders from the document synth writes
(built in process by ``stacks.rest.openapi.openapi_document``, so no synth is needed), and a
route, a body field's limits or a response added to the document shows up in the page."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from contract.rest import ROUTES, Auth, Param, Where, route
from stacks.rest.openapi import ANY_METHOD, openapi_document
from tests.docs.committed import assert_committed
from tools.render_openapi import PAGE, REGION, STAGE, STALE, main, render

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _document(**kwargs: Any) -> dict[str, Any]:
    return openapi_document(stage=STAGE, region=REGION, **kwargs)


def test_the_committed_page_is_the_rendering_of_the_current_document() -> None:
    # Given the document synth writes for the Dev stage in eu-west-1, built from the contract
    document = _document()
    # When it is rendered again
    fresh = render(document)
    # Then the committed page is that rendering
    assert_committed(PAGE, fresh, STALE)


def test_every_operation_of_the_document_has_its_section() -> None:
    # Given the current document
    document = _document()
    # When it is rendered
    page = render(document)
    # Then every method of every path has a heading and its operation id
    for path, item in document["paths"].items():
        for method, operation in item.items():
            verb = "ANY" if method == ANY_METHOD else method.upper()
            assert f"### `{verb} {path}`" in page
            assert f"Operation id: `{operation['operationId']}`" in page


def test_a_route_added_to_the_contract_appears_in_the_rendering() -> None:
    # Given the contract with one more route: a new path, a query parameter, an API key
    base = route("GET", "/rooms")
    added = replace(
        base,
        path="/rooms/archived",
        operation_id="listArchivedRooms",
        summary="List archived rooms",
        auth=Auth.API_KEY,
        params=(Param("since", Where.QUERY, "Archived after", schema={"type": "string"}),),
    )
    # When the document built with it is rendered
    page = render(_document(routes=(*ROUTES, added)))
    # Then the new operation has its section, security, parameter and responses
    section = page.split("### `GET /rooms/archived`", 1)
    assert len(section) == 2, "the added route has no section"
    body = section[1].split("\n### ", 1)[0]
    assert "List archived rooms" in body
    assert "Operation id: `listArchivedRooms`" in body
    assert "Security: `PartnerApiKey`" in body
    assert "| `since` | query | string | no |  | Archived after |" in body
    assert "| 200 | A page of rooms | [`RoomPage`](#roompage) |" in body
    # And the page without it has no such section
    assert "/rooms/archived" not in render(_document())


def test_a_request_body_lists_its_fields_types_limits_patterns_and_required_ones() -> None:
    # Given a hand-written document whose one operation takes a body with a nested object
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Sample"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "responses": {"201": {"description": "Created"}},
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 10,
                            "pattern": "^[a|b]\t$",
                        },
                        "size": {"type": "object", "properties": {"kg": {"type": "integer"}}},
                    },
                }
            }
        },
    }
    # When it is rendered
    page = render(json.loads(json.dumps(document)))
    operation = page.split("### `POST /things`", 1)[1].split("## Schemas", 1)[0]
    # Then the operation shows the body's fields with their limits, the pattern readable
    # (tab escaped, pipe escaped for the table) and which are required
    assert "Request body (required, `application/json`): [`Thing`](#thing)" in operation
    assert "No other fields are accepted." in operation
    assert (
        "| `name` | string | yes | minLength 1; maxLength 10; pattern `^[a\\|b]\\t$` |  |"
        in operation
    )
    assert "| `size.kg` | integer | no |  |  |" in operation
    assert "Security: none (anonymous)" in operation
    assert "| 201 | Created | none |" in operation


def test_the_check_command_accepts_the_synthesized_document_and_names_the_fix_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the document as synth writes it to a file, and a copy with one more route
    current = tmp_path / "current.json"
    current.write_text(json.dumps(_document(), indent=2) + "\n")
    changed = tmp_path / "changed.json"
    extra = replace(route("GET", "/health"), path="/ping", operation_id="ping")
    changed.write_text(json.dumps(_document(routes=(*ROUTES, extra))))
    # When the tool checks the committed page against each
    accepted = main(["--document", str(current), "--check"])
    refused = main(["--document", str(changed), "--check"])
    # Then the current document passes and the changed one fails, saying what to run
    assert (accepted, refused) == (0, 1)
    assert "run python tools/render_openapi.py" in capsys.readouterr().out
