"""Session variables: defaults per version, SET validation and ParameterStatus names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pytest_crdb_security.simulator.durations import parse_go_duration
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.versions import Release

STRING_KIND = "string"
BOOL_KIND = "bool"
DURATION_KIND = "duration"
READ_ONLY_KIND = "read-only"

_TRUE_WORDS = frozenset({"on", "true", "yes", "1", "t"})
_FALSE_WORDS = frozenset({"off", "false", "no", "0", "f"})
_INTERVAL_UNITS: dict[str, timedelta] = {
    "ms": timedelta(milliseconds=1),
    "millisecond": timedelta(milliseconds=1),
    "milliseconds": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "seconds": timedelta(seconds=1),
    "min": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
}
_SPELLED_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_UTC_NAMES = frozenset({"utc", "etc/utc", "0", "+00:00", "z", "gmt"})


@dataclass(frozen=True)
class SessionVariable:
    """A session variable that SET and SHOW understand."""

    name: str  # lower case, as SHOW names its column
    kind: str
    default: Callable[[Scenario], str]
    introduced: Release = (23, 1)
    status_name: str | None = None  # ParameterStatus name when the server reports it


def _fixed(value: str) -> Callable[[Scenario], str]:
    return lambda _scenario: value


def _unsafe_internals_default(scenario: Scenario) -> str:
    # v26.1 turned the default off; v25.4 added the variable with access allowed.
    return "off" if scenario.release >= (26, 1) else "on"


VARIABLES: dict[str, SessionVariable] = {
    variable.name: variable
    for variable in (
        SessionVariable(
            "application_name", STRING_KIND, _fixed(""), status_name="application_name"
        ),
        SessionVariable(
            "client_encoding", STRING_KIND, _fixed("UTF8"), status_name="client_encoding"
        ),
        SessionVariable("datestyle", STRING_KIND, _fixed("ISO, MDY"), status_name="DateStyle"),
        SessionVariable(
            "intervalstyle", STRING_KIND, _fixed("postgres"), status_name="IntervalStyle"
        ),
        SessionVariable("timezone", STRING_KIND, _fixed("UTC"), status_name="TimeZone"),
        SessionVariable("database", STRING_KIND, _fixed("")),
        SessionVariable("search_path", STRING_KIND, _fixed("$user, public")),
        SessionVariable("default_transaction_isolation", STRING_KIND, _fixed("serializable")),
        SessionVariable("extra_float_digits", STRING_KIND, _fixed("0")),
        SessionVariable("default_transaction_read_only", BOOL_KIND, _fixed("off")),
        SessionVariable("statement_timeout", DURATION_KIND, _fixed("0")),
        SessionVariable("idle_in_transaction_session_timeout", DURATION_KIND, _fixed("0")),
        SessionVariable(
            "allow_unsafe_internals", BOOL_KIND, _unsafe_internals_default, introduced=(25, 4)
        ),
        SessionVariable(
            "server_version", READ_ONLY_KIND, _fixed("13.0.0"), status_name="server_version"
        ),
        SessionVariable("server_version_num", READ_ONLY_KIND, _fixed("130000")),
        SessionVariable(
            "server_encoding", READ_ONLY_KIND, _fixed("UTF8"), status_name="server_encoding"
        ),
        SessionVariable(
            "crdb_version",
            READ_ONLY_KIND,
            lambda scenario: scenario.build_string,
            status_name="crdb_version",
        ),
        SessionVariable(
            "standard_conforming_strings",
            READ_ONLY_KIND,
            _fixed("on"),
            status_name="standard_conforming_strings",
        ),
        SessionVariable(
            "integer_datetimes", READ_ONLY_KIND, _fixed("on"), status_name="integer_datetimes"
        ),
        SessionVariable("is_superuser", READ_ONLY_KIND, _fixed("off"), status_name="is_superuser"),
        SessionVariable("session_user", READ_ONLY_KIND, _fixed("")),
    )
}


def find_variable(name: str, release: Release) -> SessionVariable:
    """Return the variable for a name; raise 42704 for a name this version lacks."""
    variable = VARIABLES.get(name.lower())
    if variable is None or release < variable.introduced:
        raise SqlError("42704", f'unrecognized configuration parameter "{name.lower()}"')
    return variable


def normalize_value(variable: SessionVariable, value: str) -> str:
    """Validate a value for SET and return it as SHOW prints it.

    NOTE: the wording of the 22023 errors for invalid values is unconfirmed.
    """
    if variable.kind == READ_ONLY_KIND:
        raise SqlError("55P02", f'parameter "{variable.name}" cannot be changed')
    if variable.kind == BOOL_KIND:
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return "on"
        if word in _FALSE_WORDS:
            return "off"
        raise SqlError("22023", f'parameter "{variable.name}" requires a Boolean value')
    if variable.kind == DURATION_KIND:
        milliseconds = _duration_milliseconds(variable.name, value)
        return str(milliseconds)
    if variable.name == "client_encoding" and value.strip().upper() not in ("UTF8", "UNICODE"):
        raise SqlError("22023", f'unimplemented client encoding: "{value}"')
    if variable.name == "timezone" and value.strip().lower() not in _UTC_NAMES:
        raise SqlError("0A000", "the simulated cluster only supports the UTC time zone")
    return value


def _duration_milliseconds(name: str, value: str) -> int:
    text = value.strip().lower()
    if re.fullmatch(r"\d+", text):
        return int(text)
    spelled = _SPELLED_INTERVAL.fullmatch(text)
    try:
        if spelled is not None and spelled[2] in _INTERVAL_UNITS:
            duration = _INTERVAL_UNITS[spelled[2]] * float(spelled[1])
        else:
            duration = parse_go_duration(text)
    except ValueError:
        raise SqlError("22023", f'invalid value for parameter "{name}": "{value}"') from None
    return duration // timedelta(milliseconds=1)
