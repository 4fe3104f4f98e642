"""Secure defaults of the REST constructs, kept in one place.

Each value is what a construct uses when its caller passes nothing (or, for fixed policies,
what it always applies); the construct's docstring names the keyword argument that overrides it.
"""

from __future__ import annotations

from aws_cdk import Duration

# --- SecureRestApi -------------------------------------------------------------------------
#: Name of the one deployment stage (part of every URL: ``https://.../v1/rooms``).
STAGE_NAME = "v1"
#: Headers a browser may send on CORS requests (IAM-signed and idempotent calls included).
CORS_ALLOW_HEADERS: tuple[str, ...] = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Api-Key",
)
CORS_EXPOSE_HEADERS: tuple[str, ...] = ("ETag", "Location")
#: Browsers may cache a preflight answer this long.
CORS_MAX_AGE = Duration.hours(1)

# --- TokenRequestAuthorizer ----------------------------------------------------------------
#: Authorizer results are cached per token for this long (the policy allows the whole stage).
AUTHORIZER_CACHE_TTL = Duration.minutes(5)
#: Length of the generated HS256 signing key (alphanumeric characters).
SIGNING_KEY_LENGTH = 64
#: The environment variable the authorizer's code reads the secret's ARN from.
TOKEN_SECRET_ARN_VARIABLE = "TOKEN_SECRET_ARN"
AUTHORIZER_DESCRIPTION = "Verifies HS256 bearer tokens for API Gateway (REST and WebSocket)"

# --- ApiUserPool ---------------------------------------------------------------------------
#: Passwords need this many characters and every character class.
PASSWORD_MIN_LENGTH = 12
TEMPORARY_PASSWORD_VALIDITY = Duration.days(3)

# --- RegionalWebAcl ------------------------------------------------------------------------
#: The AWS managed core rule set (CRS); its labels are ``awswaf:managed:aws:core-rule-set:*``.
CORE_RULE_SET = "AWSManagedRulesCommonRuleSet"
#: AWS managed rule groups evaluated in this order (cheapest and broadest first).
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    CORE_RULE_SET,
    "AWSManagedRulesKnownBadInputsRuleSet",
)
#: The rate-based rule counts requests per source IP over this many seconds.
RATE_WINDOW_SECONDS = 300
#: Requests per source IP per window before the rate-based rule blocks (WAF allows 10..2e9).
WAF_RATE_LIMIT = 2000

# --- ApiMonitoring -------------------------------------------------------------------------
#: Alarm thresholds. A page means a user-visible problem right now.
SERVER_ERROR_RATE = 0.01  # share of requests answered 5xx, per period
P99_LATENCY_MS = 2500
#: Dead letters that page: one message is a partner's (or a deleted room's) problem and waits
#: for the next look at the queue; more than this many means processing is broken.
DEAD_LETTER_ALARM_MESSAGES = 10
ALARM_PERIOD = Duration.minutes(5)
ALARM_PERIOD_SECONDS = 5 * 60  # the same, for alarms rendered without asking the kernel

# --- PrivateHttpBackend --------------------------------------------------------------------
HTTP_PORT = 80
MAX_AZS = 2
