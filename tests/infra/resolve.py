"""Evaluates the CloudFormation values of synthesized templates into concrete text, the way
CloudFormation would at deploy time, so that tests can read the region of an ARN however the
stack built it (a literal, ``Fn::GetAtt``, ``Fn::GetStackOutput`` from another region, or
``Fn::Split``/``Fn::Select``/``Fn::Join`` over another stack's output).

Physical names are made up but shaped like AWS's (a secret ARN ends in ``-<6 characters>``,
a table's ARN is ``arn:aws:dynamodb:<region>:<account>:table/<name>``); the region of every
resource is the region of the stack that defines it. Anything this module does not know
raises, so a test never compares a half-resolved value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

ACCOUNT = "111122223333"
PARTITION = "aws"


class Unresolved(ValueError):
    """A value uses an intrinsic or a resource kind this resolver does not evaluate."""


class Resolver:
    """``Resolver(stacks).value(path, value)``: the deploy-time value of ``value`` in stack
    ``path``."""

    def __init__(self, stacks: StackTemplates) -> None:
        self.stacks = stacks

    def value(self, path: str, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self.value(path, v) for v in value]
        if not isinstance(value, dict) or len(value) != 1:
            raise Unresolved(f"{path}: {value!r} is not a value")
        ((function, argument),) = value.items()
        if function == "Ref":
            return self.ref(path, argument)
        if function == "Fn::GetAtt":
            return self.get_att(path, argument[0], argument[1])
        if function == "Fn::GetStackOutput":
            return self.stack_output(path, argument)
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(str(self.value(path, p)) for p in parts)
        if function == "Fn::Split":
            separator, text = argument
            return str(self.value(path, text)).split(separator)
        if function == "Fn::Select":
            index, items = argument
            return self.value(path, items)[int(self.value(path, index))]
        raise Unresolved(f"{path}: {function} is not evaluated")

    def text(self, path: str, value: Any) -> str:
        resolved = self.value(path, value)
        if not isinstance(resolved, str):
            raise Unresolved(f"{path}: {value!r} is not text but {resolved!r}")
        return resolved

    def ref(self, path: str, name: str) -> str:
        pseudo = {
            "AWS::Region": self.stacks.region(path),
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        kind = self._kind(path, name)
        region = self.stacks.region(path)
        # Physical names are unique per stack and logical id, as CloudFormation's are.
        unique = f"{self.stacks.environments[path][0]}-{name}".lower()
        if kind == "AWS::SecretsManager::Secret":
            # A secret's ARN ends in six random characters after its name.
            return f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT}:secret:{unique}-AbC123"
        if kind == "AWS::Cognito::UserPool":
            return f"{region}_{unique}"
        if kind == "AWS::DynamoDB::GlobalTable":
            return unique
        if kind == "AWS::KMS::Key":
            return f"key-{unique}"
        return f"<{path}:{name}>"

    def get_att(self, path: str, logical_id: str, attribute: str) -> str:
        kind = self._kind(path, logical_id)
        region = self.stacks.region(path)
        prefix = f"arn:{PARTITION}"
        if attribute != "Arn":
            raise Unresolved(f"{path}: {logical_id}.{attribute} is not evaluated")
        if kind == "AWS::DynamoDB::GlobalTable":
            name = self.ref(path, logical_id)
            return f"{prefix}:dynamodb:{region}:{ACCOUNT}:table/{name}"
        if kind == "AWS::KMS::Key":
            return f"{prefix}:kms:{region}:{ACCOUNT}:key/{self.ref(path, logical_id)}"
        if kind == "AWS::Cognito::UserPool":
            return f"{prefix}:cognito-idp:{region}:{ACCOUNT}:userpool/{self.ref(path, logical_id)}"
        if kind == "AWS::Lambda::Function":
            return f"{prefix}:lambda:{region}:{ACCOUNT}:function:{logical_id.lower()}"
        if kind == "AWS::IAM::Role":
            return f"{prefix}:iam::{ACCOUNT}:role/{logical_id.lower()}"
        raise Unresolved(f"{path}: the ARN of a {kind} is not evaluated")

    def stack_output(self, path: str, argument: dict[str, Any]) -> Any:
        region = argument.get("Region", self.stacks.region(path))
        producer = self.stacks.path_of(argument["StackName"], region)
        output = self.stacks[producer]["Outputs"][argument["OutputName"]]
        return self.value(producer, output["Value"])

    def _kind(self, path: str, logical_id: str) -> str:
        resources = self.stacks[path]["Resources"]
        if logical_id not in resources:
            raise Unresolved(f"{path}: no resource {logical_id}")
        kind: str = resources[logical_id]["Type"]
        return kind


def arn_region(arn: str) -> str:
    """The region field of an ARN."""
    return arn.split(":")[3]
