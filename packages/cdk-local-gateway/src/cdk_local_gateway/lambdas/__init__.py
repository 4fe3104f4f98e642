"""Lambda functions run as Lambda runs them: one worker process per execution environment."""
