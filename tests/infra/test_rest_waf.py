"""The WAF in front of the REST API lets through every request the API documents as valid,
so the API's own limits answer first, and blocks only what the API would refuse anyway.

The web ACL of the synthesized template is evaluated for concrete requests by a small model
of AWS WAF: rules in priority order, a managed rule group either blocking (its rule's own
action) or only labelling (a rule overridden to Count), labels visible to later rules. The
core rule set is modelled by the three rules the API contract collides with, as AWS documents
them: bodies over 8 KB, no User-Agent, script-like text in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from domain.settings import MAX_BODY_BYTES
from tests.infra.rest_methods import DEV, PROD, REST_STACKS

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

CRS = "AWSManagedRulesCommonRuleSet"
_LABEL = "awswaf:managed:aws:core-rule-set:"
_INSPECTION_BYTES = {"KB_16": 16384, "KB_32": 32768, "KB_48": 49152, "KB_64": 65536}
_SCRIPT = re.compile(r"<\s*script", re.IGNORECASE)


@dataclass
class Request:
    method: str
    path: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=lambda: {"User-Agent": "partner-sdk/1.0"})


def _core_rule_set(request: Request) -> list[tuple[str, str]]:
    """(rule, label) of each modelled CRS rule the request trips."""
    tripped = []
    if len(request.body.encode()) > 8192:
        tripped.append(("SizeRestrictions_BODY", f"{_LABEL}SizeRestrictions_Body"))
    if "User-Agent" not in request.headers:
        tripped.append(("NoUserAgent_HEADER", f"{_LABEL}NoUserAgent_Header"))
    if _SCRIPT.search(request.body):
        tripped.append(("CrossSiteScripting_BODY", f"{_LABEL}CrossSiteScripting_Body"))
    return tripped


def _matches(statement: dict[str, Any], request: Request, labels: set[str], acl: Any) -> bool:
    if "AndStatement" in statement:
        return all(
            _matches(s, request, labels, acl) for s in statement["AndStatement"]["Statements"]
        )
    if "NotStatement" in statement:
        return not _matches(statement["NotStatement"]["Statement"], request, labels, acl)
    if "LabelMatchStatement" in statement:
        return statement["LabelMatchStatement"]["Key"] in labels
    if "RegexMatchStatement" in statement:
        regex = statement["RegexMatchStatement"]
        assert regex["FieldToMatch"] == {"UriPath": {}}
        return re.search(regex["RegexString"], request.path) is not None
    if "SizeConstraintStatement" in statement:
        size = statement["SizeConstraintStatement"]
        assert size["ComparisonOperator"] == "GT"
        assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
        limit = acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]
        inspected = _INSPECTION_BYTES[limit["DefaultSizeInspectionLimit"]]
        length = len(request.body.encode())
        return length > inspected or length > size["Size"]
    raise AssertionError(f"no model for statement {statement}")


def evaluate(acl: dict[str, Any], request: Request) -> int:
    """The status WAF answers with (200 = allowed through to the API)."""
    labels: set[str] = set()
    for rule in sorted(acl["Rules"], key=lambda r: r["Priority"]):
        statement = rule["Statement"]
        if "ManagedRuleGroupStatement" in statement:
            group = statement["ManagedRuleGroupStatement"]
            if group["Name"] != CRS:
                continue  # reputation and known-bad-input lists: benign requests only here
            counted = {o["Name"] for o in group.get("RuleActionOverrides", [])}
            for name, label in _core_rule_set(request):
                labels.add(label)
                if name not in counted:
                    return 403
            continue
        if "RateBasedStatement" in statement:
            continue
        if _matches(statement, request, labels, acl):
            block = rule["Action"]["Block"]
            return int(block.get("CustomResponse", {}).get("ResponseCode", 403))
    return 200


def _acl(stacks: StackTemplates, stack: str) -> dict[str, Any]:
    (acl,) = stacks.resources(stack, "AWS::WAFv2::WebACL").values()
    properties: dict[str, Any] = acl["Properties"]
    return properties


def _json_body(text_bytes: int) -> str:
    """A JSON body of exactly ``text_bytes`` bytes."""
    body = '{"body": ""}'
    return body[:-2] + "x" * (text_bytes - len(body)) + '"}'


MESSAGES = "/v1/rooms/01JDQ8Y2ZK3N5V7W9X1A2B3C4D/messages"


@pytest.mark.parametrize("stack", REST_STACKS)
@pytest.mark.parametrize(
    ("request_", "status"),
    [
        # Bodies up to the API's limit reach the API (it accepts or answers 400 itself)
        (Request("POST", MESSAGES, _json_body(8193)), 200),
        (Request("POST", MESSAGES, _json_body(MAX_BODY_BYTES)), 200),
        (Request("POST", "/v1/ingest", _json_body(MAX_BODY_BYTES)), 200),
        # ... and a body the API would refuse with 413 is refused with 413 by the WAF
        (Request("POST", MESSAGES, _json_body(MAX_BODY_BYTES + 1)), 413),
        (Request("POST", "/v1/rooms", _json_body(4 * MAX_BODY_BYTES)), 413),
        # A client without User-Agent is a valid client
        (Request("GET", "/v1/rooms", headers={}), 200),
        (Request("POST", "/v1/ingest", '{"room_id": "r1", "body": "hi"}', headers={}), 200),
        # Message text that looks like script is message text on the message routes ...
        (Request("POST", MESSAGES, '{"body": "try <script>alert(1)</script>"}'), 200),
        (Request("POST", "/v1/ingest", '{"room_id": "r1", "body": "<SCRIPT src=x>"}'), 200),
        # ... and still blocked everywhere else
        (Request("POST", "/v1/rooms", '{"name": "<script>alert(1)</script>"}'), 403),
        (Request("POST", "/v1/rooms/r1/messages/extra", '{"body": "<script>"}'), 403),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else f"{value.method} {value.path}",
)
def test_waf_answers_documented_requests_as_the_api_contract_says(
    stacks: StackTemplates, stack: str, request_: Request, status: int
) -> None:
    assert evaluate(_acl(stacks, stack), request_) == status


def test_the_size_rule_uses_the_limit_the_handlers_declare(stacks: StackTemplates) -> None:
    # Given the API's body limit as the Lambda code declares it
    acl = _acl(stacks, DEV)

    # Then the WAF's own size rule blocks exactly above it, answering 413 in the error JSON
    (size,) = (r for r in acl["Rules"] if "SizeConstraintStatement" in r["Statement"])
    assert size["Statement"]["SizeConstraintStatement"]["Size"] == MAX_BODY_BYTES
    response = size["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert '"code": "PayloadTooLarge"' in body["Content"]
    inspected = acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]
    assert _INSPECTION_BYTES[inspected["DefaultSizeInspectionLimit"]] >= MAX_BODY_BYTES


def test_only_the_three_contract_rules_of_the_core_rule_set_are_counted(
    stacks: StackTemplates,
) -> None:
    acl = _acl(stacks, PROD)
    overrides = {
        o["Name"]: o["ActionToUse"]
        for r in acl["Rules"]
        if r["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") == CRS
        for o in r["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    }
    assert overrides == {
        "SizeRestrictions_BODY": {"Count": {}},
        "NoUserAgent_HEADER": {"Count": {}},
        "CrossSiteScripting_BODY": {"Count": {}},
    }
