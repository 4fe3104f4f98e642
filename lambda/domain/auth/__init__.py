"""Authentication: HS256 token verification and the signing key from Secrets Manager."""
