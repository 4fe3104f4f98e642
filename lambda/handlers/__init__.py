"""Lambda entry points: thin adapters from API Gateway / SQS / ALB events to domain logic."""
