"""The REST API's parts the stack builds from the contract (``contract.rest``): the OpenAPI
document, the WAF's reconciliation with the API's limits and the mapping templates."""

# lambda/ on sys.path: the modules of this package import the contract.
from .. import contract_path as _contract_path  # noqa: F401
