"""Repository tools run by make targets (`make diagram`)."""
