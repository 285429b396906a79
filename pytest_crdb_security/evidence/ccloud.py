"""Runs the read-only ``ccloud`` commands the audit uses and decodes their JSON output.

Only these commands are run, each with a timeout and no standard input:
``ccloud auth whoami``, ``ccloud cluster list -o json``, ``ccloud cluster info <name> -o
json`` and ``ccloud cluster networking allowlist list <id> -o json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from pytest_crdb_security.evidence.cloud_api import CloudAccessError
from pytest_crdb_security.evidence.model import Unavailable

CCLOUD = "ccloud"
LOGIN_HINT = "run ccloud auth login"


def find_ccloud(explicit: str | None) -> str | Unavailable:
    """Return the ccloud executable: ``explicit`` when given, else ``ccloud`` on PATH."""
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit
        return Unavailable(f"--crdb-ccloud {explicit!r} is not an executable file")
    found = shutil.which(CCLOUD)
    if found is None:
        return Unavailable("ccloud is not installed: no ccloud on PATH")
    return found


class CcloudRunner:
    """Runner of ccloud subcommands that records each command line it ran."""

    def __init__(self, executable: str, timeout: float) -> None:
        self.executable = executable
        self.timeout = timeout
        self.commands: list[str] = []

    def run(self, *args: str) -> str:
        """Return the standard output of a successful command, or raise CloudAccessError."""
        command_line = " ".join((CCLOUD, *args))
        self.commands.append(command_line)
        try:
            completed = subprocess.run(
                [self.executable, *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CloudAccessError(
                f"`{command_line}` timed out after {self.timeout:g}s; retry with a larger"
                " --crdb-timeout"
            ) from None
        except OSError as error:
            raise CloudAccessError(
                f"cannot run {self.executable!r}: {error.strerror or error}"
            ) from None
        stdout = completed.stdout.decode("utf-8", errors="replace")
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", errors="replace")
            raise CloudAccessError(
                f"`{command_line}` failed (exit {completed.returncode}):"
                f" {first_line(stderr) or first_line(stdout) or '(no error output)'}"
            )
        return stdout

    def json(self, *args: str) -> Any:
        """Run a command with ``-o json`` and return the decoded output."""
        command_line = " ".join((CCLOUD, *args, "-o", "json"))
        text = self.run(*args, "-o", "json")
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CloudAccessError(f"`{command_line}` printed malformed JSON ({error})") from None

    def whoami(self) -> str:
        """Return the first line of ``ccloud auth whoami``; a failure means not logged in."""
        try:
            text = self.run("auth", "whoami")
        except CloudAccessError as error:
            raise CloudAccessError(
                f"ccloud is not logged in: {error.reason}; {LOGIN_HINT}"
            ) from None
        identity = first_line(text)
        if not identity:
            raise CloudAccessError(
                f"ccloud is not logged in: `ccloud auth whoami` printed nothing; {LOGIN_HINT}"
            )
        return identity


def first_line(text: str) -> str:
    """Return the first non-empty line of ``text`` (at most 200 characters), or ""."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
