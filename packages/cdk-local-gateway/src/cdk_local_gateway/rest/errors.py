"""What the pipeline raises: a gateway response type, or something not emulated (501)."""

from __future__ import annotations


class GatewayError(Exception):
    """Answer with the API's gateway response of ``response_type``."""

    def __init__(self, response_type: str, message: str | None = None, **error: str) -> None:
        super().__init__(f"{response_type}: {message}")
        self.response_type = response_type
        self.message = message
        self.error = error


class NotEmulated(Exception):
    """The request reached something the runtime cannot emulate: answered 501 with why."""
