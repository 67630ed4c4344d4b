"""Input channels Rasa lacks or that need more care than Rasa's own (configured in bot/credentials.yml)."""
