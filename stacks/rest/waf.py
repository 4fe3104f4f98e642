"""How the WAF's managed core rule set is reconciled with the REST API's contract.

Each decision keeps a request the API documents as valid from being blocked before the API
sees it, and lets the API's own checks answer (400, 413) first:

- ``SizeRestrictions_BODY`` blocks bodies over 8 KB; the API accepts up to
  :data:`contract.limits.MAX_BODY_BYTES` (16 KB, which the handlers enforce too) and answers
  413 above. The rule only counts, and a rule of our own blocks (with the API's 413 JSON) what
  is larger than the API's limit, which the API would refuse anyway.
- ``NoUserAgent_HEADER`` blocks requests without ``User-Agent``; partners' server-side clients
  and SDKs may send none and nothing in the API depends on it. The rule only counts.
- ``CrossSiteScripting_BODY`` blocks bodies that look like script; message text is free text
  stored and returned as JSON data, never rendered as HTML by the API, and a chat message about
  ``<script>`` is a valid message. The rule counts on the message-body routes
  (:func:`message_body_paths`) and still blocks on every other path.
"""

from __future__ import annotations

import re

from contract.rest import MESSAGE_BODY_MODELS, ROUTES
from serverless_api_constructs.rest import CountedRule
from serverless_api_constructs.rest.defaults import CORE_RULE_SET

_CRS_LABEL = "awswaf:managed:aws:core-rule-set"


def message_body_paths() -> str:
    """A regex of the URI paths (any stage: ``/v1/rooms/abc/messages``) of the routes whose
    body is message text."""
    paths = sorted(
        "/".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in route.path.strip("/").split("/")
        )
        for route in ROUTES
        if route.body_model in MESSAGE_BODY_MODELS
    )
    return f"^/[^/]+/({'|'.join(paths)})$"


def counted_rules() -> tuple[CountedRule, ...]:
    return (
        CountedRule(
            CORE_RULE_SET,
            "SizeRestrictions_BODY",
            f"{_CRS_LABEL}:SizeRestrictions_Body",
            "bodies up to the API's own limit are valid; a rule of this ACL blocks above it",
        ),
        CountedRule(
            CORE_RULE_SET,
            "NoUserAgent_HEADER",
            f"{_CRS_LABEL}:NoUserAgent_Header",
            "partner and SDK clients may send no User-Agent; the API does not use it",
        ),
        CountedRule(
            CORE_RULE_SET,
            "CrossSiteScripting_BODY",
            f"{_CRS_LABEL}:CrossSiteScripting_Body",
            "message text is data returned as JSON, never HTML; blocked on other routes",
            block_outside=message_body_paths(),
        ),
    )
