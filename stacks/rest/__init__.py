"""Stack-specific pieces of the REST API: the route/model table, mapping templates, OpenAPI."""
