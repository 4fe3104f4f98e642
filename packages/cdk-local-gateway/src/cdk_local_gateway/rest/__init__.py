"""The REST API (API Gateway v1) half: model from the template, routing, pipeline, server."""
