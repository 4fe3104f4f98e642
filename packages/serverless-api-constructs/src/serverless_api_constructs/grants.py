"""Grants narrower than the CDK's own where a function needs less than they give."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam

if TYPE_CHECKING:
    from aws_cdk import aws_secretsmanager as secretsmanager


def grant_secret_value(secret: secretsmanager.ISecret, grantee: iam.IGrantable) -> iam.Grant:
    """Let ``grantee`` read the secret's value and nothing else.

    ``ISecret.grant_read`` adds ``secretsmanager:DescribeSecret``, which code that only reads
    the value never calls. A secret encrypted with a customer-managed key also needs
    ``kms:Decrypt`` on that key, through Secrets Manager only.

    A secret imported by name (``Secret.from_secret_name_v2``) has no complete ARN: Secrets
    Manager appends ``-`` and six random characters to every secret's name in its ARN, so the
    grant names ``<partial ARN>-??????``, as the CDK's own grants do.
    """
    arn = secret.secret_full_arn or f"{secret.secret_arn}-??????"
    grant = iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["secretsmanager:GetSecretValue"],
        resource_arns=[arn],
    )
    if secret.encryption_key is not None:
        secret.encryption_key.grant_decrypt(grantee)
    return grant
