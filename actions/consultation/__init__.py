"""The consultation hand-off: form, qualification, delivery to the consultation API, status, hand-off to a person."""
