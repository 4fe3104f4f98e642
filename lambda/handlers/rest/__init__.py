"""Handlers of the REST API (see docs/rest-api-reference.md for the route table)."""
