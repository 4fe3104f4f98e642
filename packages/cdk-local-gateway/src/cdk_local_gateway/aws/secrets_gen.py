"""Secrets Manager's GenerateSecretString, done locally with the ``secrets`` module."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

# Secrets Manager's punctuation set (GetRandomPassword documentation).
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def generate_password(spec: dict[str, Any]) -> str:
    """A random password honouring GetRandomPassword's options (length 32 by default)."""
    length = int(spec.get("PasswordLength", 32))
    groups = []
    if not spec.get("ExcludeLowercase"):
        groups.append(string.ascii_lowercase)
    if not spec.get("ExcludeUppercase"):
        groups.append(string.ascii_uppercase)
    if not spec.get("ExcludeNumbers"):
        groups.append(string.digits)
    if not spec.get("ExcludePunctuation"):
        groups.append(_PUNCTUATION)
    if spec.get("IncludeSpace"):
        groups.append(" ")
    excluded = set(spec.get("ExcludeCharacters", ""))
    groups = ["".join(c for c in g if c not in excluded) for g in groups]
    groups = [g for g in groups if g]
    if not groups:
        raise ValueError("GenerateSecretString excludes every character")
    alphabet = "".join(groups)
    require_each = spec.get("RequireEachIncludedType", True)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            not require_each
            or length < len(groups)
            or all(any(c in g for c in candidate) for g in groups)
        ):
            return candidate


def generate_secret_string(spec: dict[str, Any]) -> str:
    """The SecretString CloudFormation stores for a ``GenerateSecretString`` block."""
    password = generate_password(spec)
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template is None or key is None:
        return password
    document = json.loads(template)
    document[key] = password
    return json.dumps(document)
