"""Pure parsers for the text CockroachDB returns; each has its own table tests."""
