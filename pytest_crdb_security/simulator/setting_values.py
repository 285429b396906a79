"""Conversions of cluster setting values: scenario input, stored text and SHOW output."""

from __future__ import annotations

from datetime import timedelta

from pytest_crdb_security.simulator import sqltypes
from pytest_crdb_security.simulator.durations import format_go_duration, parse_go_duration
from pytest_crdb_security.simulator.settings_registry import (
    BOOL_TYPE,
    DURATION_TYPE,
    ENUM_TYPE,
    FLOAT_TYPE,
    INT_TYPE,
    STRING_TYPE,
    VERSION_TYPE,
    SettingSpec,
    SettingValue,
)


def parse_setting_value(spec: SettingSpec, raw: object) -> SettingValue:
    """Convert a scenario value to the setting's type; raise ValueError naming the expected form."""
    if spec.type_code == BOOL_TYPE:
        if not isinstance(raw, bool):
            raise ValueError("expected true or false")
        return raw
    if spec.type_code == INT_TYPE:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError("expected an integer")
        return raw
    if spec.type_code == FLOAT_TYPE:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ValueError("expected a number")
        return float(raw)
    if spec.type_code == DURATION_TYPE:
        if not isinstance(raw, str):
            raise ValueError('expected a quoted Go duration such as "30s" or "168h"')
        return parse_go_duration(raw)
    if spec.type_code == ENUM_TYPE:
        if raw not in spec.enum_values:
            raise ValueError(f"expected one of {', '.join(spec.enum_values)}")
        return str(raw)
    if spec.type_code == STRING_TYPE:
        if not isinstance(raw, str):
            raise ValueError("expected a string")
        return raw
    raise ValueError("this setting cannot be set by a scenario")


def stored_text(spec: SettingSpec, value: SettingValue) -> str:
    """Encode a value as `crdb_internal.cluster_settings` and SHOW ALL CLUSTER SETTINGS do.

    Booleans read `true`/`false` and durations use Go syntax (`168h0m0s`).
    """
    if spec.type_code == BOOL_TYPE:
        return "true" if value else "false"
    if spec.type_code == DURATION_TYPE:
        assert isinstance(value, timedelta)
        return format_go_duration(value)
    if spec.type_code == FLOAT_TYPE:
        assert isinstance(value, (int, float))
        return sqltypes.format_float(float(value))
    return str(value)


def show_type(spec: SettingSpec) -> sqltypes.SqlType:
    """Return the column type of `SHOW CLUSTER SETTING <name>` for a setting."""
    by_type_code = {
        BOOL_TYPE: sqltypes.BOOL,
        INT_TYPE: sqltypes.INT8,
        FLOAT_TYPE: sqltypes.FLOAT8,
        DURATION_TYPE: sqltypes.INTERVAL,
        STRING_TYPE: sqltypes.STRING,
        ENUM_TYPE: sqltypes.STRING,
        VERSION_TYPE: sqltypes.STRING,
    }
    return by_type_code[spec.type_code]
