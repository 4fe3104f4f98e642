"""Secure-by-default AWS CDK constructs for serverless APIs on API Gateway, Lambda and DynamoDB."""

from __future__ import annotations

from .single_table import SingleTable

__all__ = ["SingleTable"]
