"""A fake ``ccloud`` executable that prints a scenario's ``cloud`` section.

``write_fake_ccloud`` writes a small script named ``ccloud`` into a directory (tests
put that directory first on PATH) and a JSON state file beside it. The script runs
``main`` with the Python interpreter that wrote it, so no real ccloud ever runs. It
supports only the read-only commands the audit uses and appends each command line to
``ccloud-calls.log``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_crdb_security.simulator.cloud_scenario import CloudScenario

STATE_FILE = "ccloud-state.json"
CALLS_LOG = "ccloud-calls.log"
OUTPUT_FLAGS = ("-o", "--output")


def write_fake_ccloud(directory: Path, cloud: CloudScenario) -> Path:
    """Write the fake ``ccloud`` and its state into ``directory``; return the script's path."""
    from pytest_crdb_security.simulator import cloud_responses as bodies

    directory.mkdir(parents=True, exist_ok=True)
    cluster_list = bodies.clusters(cloud)
    state = {
        "logged_in": cloud.ccloud.logged_in,
        "whoami": cloud.ccloud.whoami,
        "list_format": cloud.ccloud.list_format,
        "clusters": cluster_list,
        "allowlist": {cloud.id: bodies.allowlist_entries(cloud)},
        "propagating": cloud.allowlist_propagating,
        "failures": {
            command: {
                "exit_code": failure.exit_code,
                "stderr": failure.stderr,
                "stdout": failure.stdout,
                "delay_seconds": failure.delay_seconds,
            }
            for command, failure in cloud.ccloud.failures.items()
        },
    }
    state_path = directory / STATE_FILE
    state_path.write_text(json.dumps(state), encoding="utf-8")
    script = directory / "ccloud"
    # The script loads this file by path, so that it does not import the simulator
    # package and starts in a few tens of milliseconds.
    script.write_text(
        f"#!{sys.executable}\n"
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('fake_ccloud', {__file__!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"sys.exit(module.main(sys.argv[1:], {str(state_path)!r}))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def _split_output(argv: list[str]) -> tuple[list[str], str]:
    """Remove ``-o FORMAT``, ``--output FORMAT`` and ``--output=FORMAT`` from the arguments."""
    words: list[str] = []
    output = "text"
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in OUTPUT_FLAGS and index + 1 < len(argv):
            output = argv[index + 1]
            index += 2
            continue
        if word.startswith("--output="):
            output = word.split("=", 1)[1]
        else:
            words.append(word)
        index += 1
    return words, output


def _print(value: Any, output: str) -> int:
    if output == "json":
        print(json.dumps(value, indent=2))
    else:
        print(value if isinstance(value, str) else json.dumps(value))
    return 0


def main(argv: list[str], state_path: str) -> int:
    """Run one fake ccloud command; return its exit status."""
    state = json.loads(Path(state_path).read_text(encoding="utf-8"))
    with (Path(state_path).parent / CALLS_LOG).open("a", encoding="utf-8") as log:
        log.write(" ".join(argv) + "\n")
    words, output = _split_output(argv)
    command = _command(words)
    if command is None:
        print(f"Error: unknown command {' '.join(words)!r} for the fake ccloud", file=sys.stderr)
        return 2

    failure = state["failures"].get(command)
    if failure is not None:
        time.sleep(failure["delay_seconds"])
        if failure["stdout"] is not None:
            print(failure["stdout"])
        if failure["stderr"]:
            print(failure["stderr"], file=sys.stderr)
        if failure["exit_code"] != 0 or failure["stdout"] is not None:
            return int(failure["exit_code"])

    if command == "whoami":
        if not state["logged_in"]:
            print("Error: you are not logged in; run 'ccloud auth login'", file=sys.stderr)
            return 1
        return _print(state["whoami"], "text")
    if not state["logged_in"]:
        print("Error: authentication required; run 'ccloud auth login'", file=sys.stderr)
        return 1
    if command == "cluster_list":
        clusters = state["clusters"]
        return _print(
            clusters if state["list_format"] == "array" else {"clusters": clusters}, output
        )
    if command == "cluster_info":
        wanted = words[2]
        for cluster in state["clusters"]:
            if wanted in (cluster["name"], cluster["id"]):
                return _print(cluster, output)
        print(f"Error: cluster {wanted!r} not found", file=sys.stderr)
        return 1
    cluster_id = words[4]
    entries = state["allowlist"].get(cluster_id)
    if entries is None:
        print(f"Error: cluster {cluster_id!r} not found", file=sys.stderr)
        return 1
    if state["list_format"] == "array":
        return _print(entries, output)
    return _print({"allowlist": entries, "propagating": state["propagating"]}, output)


def _command(words: list[str]) -> str | None:
    if words == ["auth", "whoami"]:
        return "whoami"
    if words == ["cluster", "list"]:
        return "cluster_list"
    if len(words) == 3 and words[:2] == ["cluster", "info"]:
        return "cluster_info"
    if len(words) == 5 and words[:4] == ["cluster", "networking", "allowlist", "list"]:
        return "allowlist"
    return None
