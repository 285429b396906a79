"""Finding records and the writers that turn them into reports."""
