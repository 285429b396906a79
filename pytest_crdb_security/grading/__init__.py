"""Pure grading functions: evidence in, one Grade out. Each has table tests."""
