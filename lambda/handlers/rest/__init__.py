"""Handlers of the REST API (see README.md, "REST API", for the route table)."""
