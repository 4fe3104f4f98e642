"""Runtime helpers shared by handlers (HTTP error shape, request parsing)."""
