"""pytest plugin that audits the security posture of CockroachDB clusters."""
