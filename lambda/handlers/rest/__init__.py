"""Handlers of the REST API (see docs/rest-handlers.md for the route table)."""
