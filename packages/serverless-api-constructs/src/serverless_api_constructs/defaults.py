"""Secure defaults shared by the constructs of this package, kept in one place.

Each value is what a construct uses when its caller passes nothing; the construct's docstring
repeats the default next to the keyword argument that overrides it.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_

#: Stateful resources (tables, keys) outlive a stack deletion; data is deleted on purpose only.
STATEFUL_REMOVAL_POLICY = RemovalPolicy.RETAIN
#: KMS keys rotate their material yearly.
KEY_ROTATION = True
#: Tables refuse DeleteTable until protection is turned off explicitly.
TABLE_DELETION_PROTECTION = True
#: Continuous backups with 35-day point-in-time restore.
TABLE_POINT_IN_TIME_RECOVERY = True
#: Single-table partition and sort key attribute names (strings).
PARTITION_KEY = "pk"
SORT_KEY = "sk"
#: Overloaded global secondary indexes: GSI1 (GSI1PK/GSI1SK), GSI2 (GSI2PK/GSI2SK), ...
GLOBAL_INDEX_COUNT = 2
#: Items whose TTL attribute (epoch seconds) is in the past are expired by DynamoDB.
TTL_ATTRIBUTE = "expires_at"
#: KMS key deletion waiting period if a key is ever scheduled for deletion.
KEY_PENDING_WINDOW = Duration.days(30)


def index_name(number: int) -> str:
    """Name of the ``number``-th overloaded GSI (1-based): ``GSI1``."""
    return f"GSI{number}"


def index_keys(number: int) -> tuple[str, str]:
    """Partition and sort key attribute names of the ``number``-th GSI: ``GSI1PK``, ``GSI1SK``."""
    return f"GSI{number}PK", f"GSI{number}SK"


#: Lambda runtime and architecture of every function (Graviton: cheaper per GB-second).
#: The latest Python runtime; the AWS-managed Powertools layer below is published for it.
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDA_MEMORY_MB = 512
LAMBDA_TIMEOUT_SECONDS = 10
#: AWS-managed Powertools for AWS Lambda (Python) v3 layer, published in every commercial region.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION = 27


def powertools_layer_arn(
    region: str,
    partition: str = "aws",
    *,
    runtime: lambda_.Runtime = LAMBDA_RUNTIME,
    architecture: lambda_.Architecture = LAMBDA_ARCHITECTURE,
) -> str:
    """ARN of the AWS-managed Powertools layer for ``runtime`` (a Python one) and
    ``architecture`` (default: this package's)."""
    name = runtime.name.replace(".", "")  # python3.14 -> python314
    return (
        f"arn:{partition}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{name}-{architecture.name}:"
        f"{POWERTOOLS_LAYER_VERSION}"
    )
