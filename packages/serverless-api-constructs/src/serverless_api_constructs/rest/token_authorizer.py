"""A shared HS256 token secret and the Lambda REQUEST authorizer that verifies tokens with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .. import defaults
from ..function import ServiceFunction
from ..grants import grant_secret_value
from ..props import merge_props, refuse_both
from . import defaults as rest_defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs


class TokenRequestAuthorizer(Construct):
    """The token-signing secret (``.secret``) and the authorizer function (``.function``).

    - ``code`` and ``handler`` (required): your authorizer's code; it finds the secret's ARN in
      the environment variable ``secret_arn_variable`` (default ``TOKEN_SECRET_ARN``);
    - ``existing_secret``: use a secret created elsewhere (e.g. the primary region's, imported
      with ``Secret.from_secret_complete_arn`` in the other regions) and create none; by default
      a new one is generated (64 alphanumeric characters under ``signing_key``) and retained on
      stack deletion, since every issued token depends on it. ``secret_props`` are extra
      ``secretsmanager.Secret`` keyword arguments of that new secret (refused with
      ``existing_secret``);
    - the function is a :class:`ServiceFunction` (its defaults apply; ``function_props`` are
      more of its keyword arguments: ``runtime``, ``memory_size``, ``layers``,
      ``existing_log_group`` ...) that may read the secret's value, nothing else; its logs
      are kept ``log_retention`` (required unless ``function_props`` names an existing group);
    - :meth:`for_rest_api` returns a REST ``RequestAuthorizer`` reading the ``Authorization``
      header, with results cached ``cache_ttl`` (default 300 s) per token; the WebSocket API
      wraps ``.function`` in its own authorizer (token in the ``token`` query string).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        service: str,
        metrics_namespace: str,
        log_retention: logs.RetentionDays | None = None,
        environment: Mapping[str, str] | None = None,
        existing_secret: secretsmanager.ISecret | None = None,
        secret_props: Mapping[str, Any] | None = None,
        secret_arn_variable: str = rest_defaults.TOKEN_SECRET_ARN_VARIABLE,
        description: str = rest_defaults.AUTHORIZER_DESCRIPTION,
        function_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        refuse_both(
            "TokenRequestAuthorizer",
            "existing_secret",
            existing_secret,
            "secret_props",
            secret_props,
        )
        if existing_secret is None:
            secret = secretsmanager.Secret(
                self,
                "Secret",
                **merge_props(
                    "TokenRequestAuthorizer",
                    "secret_props",
                    {
                        "description": (
                            "HS256 key that signs API access tokens only (not cursors or "
                            "anything else); read by the authorizer alone"
                        ),
                        "generate_secret_string": secretsmanager.SecretStringGenerator(
                            secret_string_template="{}",
                            generate_string_key="signing_key",
                            password_length=rest_defaults.SIGNING_KEY_LENGTH,
                            exclude_punctuation=True,
                        ),
                        "removal_policy": defaults.STATEFUL_REMOVAL_POLICY,
                    },
                    secret_props,
                    reserved=(),
                ),
            )
            Validations.of(secret).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason="A rotated signing key would invalidate every live token at once; "
                    "keys are rotated by a planned dual-key rollout, not automatically.",
                )
            )
            self.secret: secretsmanager.ISecret = secret
        else:
            self.secret = existing_secret
        function_settings = merge_props(
            "TokenRequestAuthorizer",
            "function_props",
            {
                "code": code,
                "handler": handler,
                "log_retention": log_retention,
                "description": description,
                "service": service,
                "metrics_namespace": metrics_namespace,
                "environment": {
                    secret_arn_variable: self.secret.secret_arn,
                    **(environment or {}),
                },
            },
            function_props,
            reserved=_NAMED,
        )
        self.service_function = ServiceFunction(self, "Function", **function_settings)
        self.function: lambda_.IFunction = self.service_function.function
        grant_secret_value(self.secret, self.function)
        self._rest_authorizers: dict[str, apigateway.RequestAuthorizer] = {}

    def for_rest_api(
        self,
        *,
        construct_id: str = "RestAuthorizer",
        cache_ttl: Duration | None = None,
    ) -> apigateway.RequestAuthorizer:
        """A REST ``RequestAuthorizer`` (identity source: the ``Authorization`` header)."""
        if construct_id not in self._rest_authorizers:
            self._rest_authorizers[construct_id] = apigateway.RequestAuthorizer(
                self,
                construct_id,
                handler=self.function,
                identity_sources=[apigateway.IdentitySource.header("Authorization")],
                results_cache_ttl=cache_ttl or rest_defaults.AUTHORIZER_CACHE_TTL,
            )
        return self._rest_authorizers[construct_id]


#: ``function_props`` keys refused: this construct's own keyword arguments.
_NAMED = frozenset(
    {
        "code",
        "handler",
        "log_retention",
        "description",
        "service",
        "metrics_namespace",
        "environment",
    }
)
