"""Repository root: the project's own tests live in tests/, the security checks in checks/."""
