"""The local AWS underneath the gateway: moto's server and the resources created on it."""
