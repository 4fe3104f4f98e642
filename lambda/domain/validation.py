"""Request bodies validated from the contract's JSON schemas (``contract.schemas``), the same
dictionaries API Gateway validates with, so a body that slips past the gateway (or reaches
the function another way, like a queued partner message) is rejected by the same rules, with
field paths like ``body.name``.

Each request model's validator (:class:`domain.body_schema.Schema`) is built on the first
use of that model, once per container: a cold invocation serves one route, which validates
at most one model, and the routes without a body (most of them) load no validator code at
all. A handler whose every invocation validates a model builds it at import
(:meth:`RequestValidator.load`), so its first request does not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from contract.schemas import REQUEST_SCHEMAS
from domain.ids import ID_PATTERN as ID_PATTERN
from domain.ids import check_id as check_id

if TYPE_CHECKING:
    from domain.body_schema import Schema


@cache
def validator(model: str) -> Schema:
    """The validator of the contract's request model ``model``, built on its first use;
    ``ValueError`` if its schema uses a keyword the evaluator does not evaluate."""
    from domain.body_schema import Schema

    return Schema.from_schema(REQUEST_SCHEMAS[model])


class RequestValidator:
    """The validator of one request model, by name; the model's :func:`validator` is built on
    the first :meth:`validate` (or :meth:`load`)."""

    __slots__ = ("model",)

    def __init__(self, model: str) -> None:
        if model not in REQUEST_SCHEMAS:  # a typo fails the import, as it always did
            raise KeyError(f"no request schema {model!r} in the contract")
        self.model = model

    def load(self) -> Schema:
        """Build the validator now (the init phase of a handler that validates every time)."""
        return validator(self.model)

    def validate(self, data: Any, prefix: str = "body") -> dict[str, Any]:
        """Return ``data`` (a dict) or raise ``ValidationFailed`` listing every problem."""
        return validator(self.model).validate(data, prefix)

    def __repr__(self) -> str:
        return f"RequestValidator({self.model!r})"


class _Validators(Mapping[str, "Schema"]):
    """Every request model's validator, by model name, each built on first access."""

    def __getitem__(self, model: str) -> Schema:
        if model not in REQUEST_SCHEMAS:
            raise KeyError(model)
        return validator(model)

    def __iter__(self) -> Iterator[str]:
        return iter(REQUEST_SCHEMAS)

    def __len__(self) -> int:
        return len(REQUEST_SCHEMAS)


#: One validator per request model of the contract, by model name.
REQUEST_VALIDATORS: Mapping[str, Schema] = _Validators()
CREATE_ROOM = RequestValidator("CreateRoom")
UPDATE_ROOM = RequestValidator("UpdateRoom")
CREATE_MESSAGE = RequestValidator("CreateMessage")
#: A partner's message on POST /ingest, as the API's ``Ingest`` model admits it: the author is
#: never in the body (it is the partner's API key identity, see handlers.rest.ingest_consumer).
PARTNER_MESSAGE = RequestValidator("Ingest")
