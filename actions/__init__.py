"""Rasa SDK custom actions, one module per concern."""
