"""CDK stacks and stages of the rooms-and-messages service, composed from the construct package."""
