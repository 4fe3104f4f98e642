"""Application domain: entity models (:mod:`domain.models`) on the single DynamoDB table,
and the logic the handlers call.

Nothing is imported here: the token authorizer imports ``domain.auth`` and must not load
the models (nor pydynamodel and botocore) on its cold start.
"""
