"""The REST request validators are built on the first use of their model, once per container,
and judge exactly as a validator built at import from the same contract schema did.

A cold invocation serves one route and validates at most one model, so each model's validator
(its schema checked, its patterns compiled) is built when first needed; a handler whose every
invocation validates (the ingest consumer) builds its own at import
(tests/ws/test_import_graph.py checks both in a fresh interpreter).
"""

from __future__ import annotations

from typing import Any

import pytest

from contract.schemas import REQUEST_SCHEMAS
from domain.body_schema import Schema
from domain.errors import ValidationFailed
from domain.validation import (
    CREATE_MESSAGE,
    CREATE_ROOM,
    PARTNER_MESSAGE,
    REQUEST_VALIDATORS,
    UPDATE_ROOM,
    RequestValidator,
    validator,
)

SAMPLES: list[Any] = [
    {},
    {"name": "General"},
    {"name": ""},
    {"name": " \t"},
    {"name": "n" * 101},
    {"description": "d"},
    {"name": "n", "extra": 1},
    {"body": "hello"},
    {"body": 3},
    {"body": "   "},
    {"room_id": "01JDQ8Y2ZK3N5V7W9X1A2B3C4D", "body": "b"},
    {"room_id": "no!such!id", "body": "b"},
    {"room_id": "r1", "body": "b", "user_id": "u"},
    [],
    None,
]


def _outcome(check: Any, sample: Any) -> Any:
    """What a validator answers: the accepted body, or the refusal's problems."""
    try:
        return ("accepted", check(sample))
    except ValidationFailed as exc:
        return ("refused", exc.message, [p.to_json() for p in exc.fields])


def test_a_models_validator_is_built_on_its_first_use_and_then_reused() -> None:
    # Given no validator built yet in this container
    validator.cache_clear()
    handle = RequestValidator("CreateRoom")
    assert validator.cache_info().currsize == 0

    # When a body is validated twice against the model
    handle.validate({"name": "General"})
    handle.validate({"name": "Lobby"})

    # Then that model's validator alone was built, once, and every way to it gives that object
    assert validator.cache_info().currsize == 1
    assert validator.cache_info().misses == 1
    built = handle.load()
    assert built is validator("CreateRoom") is REQUEST_VALIDATORS["CreateRoom"]
    assert isinstance(built, Schema)


@pytest.mark.parametrize(
    ("handle", "model"),
    [
        (CREATE_ROOM, "CreateRoom"),
        (UPDATE_ROOM, "UpdateRoom"),
        (CREATE_MESSAGE, "CreateMessage"),
        (PARTNER_MESSAGE, "Ingest"),
    ],
)
def test_a_lazy_validator_judges_every_body_as_one_built_from_the_contract_schema(
    handle: RequestValidator, model: str
) -> None:
    # Given the validator the handlers use and one built directly from the contract's schema
    direct = Schema.from_schema(REQUEST_SCHEMAS[model])
    for sample in SAMPLES:
        # Then both accept the same bodies and refuse the others with the same problems
        assert _outcome(handle.validate, sample) == _outcome(direct.validate, sample), sample


def test_every_contract_model_has_a_validator_and_no_other_name_does() -> None:
    # Then the validators are listed by the contract's request models, each built on access
    assert list(REQUEST_VALIDATORS) == list(REQUEST_SCHEMAS)
    assert len(REQUEST_VALIDATORS) == len(REQUEST_SCHEMAS)
    assert all(isinstance(REQUEST_VALIDATORS[m], Schema) for m in REQUEST_SCHEMAS)
    with pytest.raises(KeyError):
        REQUEST_VALIDATORS["NoSuchModel"]


def test_a_validator_of_a_model_the_contract_lacks_fails_where_it_is_declared() -> None:
    # When a handler declares a validator of an unknown model (a typo)
    # Then the declaration fails, as an import of the handler would, not its first request
    with pytest.raises(KeyError, match="NoSuchModel"):
        RequestValidator("NoSuchModel")
