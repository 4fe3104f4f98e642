"""IAM enforced by execution: each function and direct integration calls the local AWS with a
session of its own role, and the local AWS allows or denies each call by that role's policies
(see docs/iam.md)."""
