"""Application domain: entity models on the single DynamoDB table."""

from domain.models import ENTITIES, Connection, Membership, Message, Room

__all__ = ["ENTITIES", "Connection", "Membership", "Message", "Room"]
