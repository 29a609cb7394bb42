"""The scenario: its models, vocabularies, input errors and the checks between records."""
