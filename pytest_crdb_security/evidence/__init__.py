"""Evidence collected once per session and graded by many checks."""
