"""The cluster settings of one scenario: registry entries for its binary plus overrides."""

from __future__ import annotations

from pytest_crdb_security.simulator.scenario import Scenario
from pytest_crdb_security.simulator.settings_registry import (
    SettingSpec,
    SettingValue,
    resolve_alias,
    settings_for,
)

REDACTION_SETTING = "server.redact_sensitive_settings.enabled"
REDACTED = "<redacted>"


class SettingsView:
    """Current values of every setting that the scenario's binary registers."""

    def __init__(self, scenario: Scenario) -> None:
        self.release = scenario.release
        self.specs = settings_for(scenario.release, scenario.edition)
        self._overrides: dict[str, SettingValue] = dict(scenario.settings)
        self._overrides["version"] = scenario.active_version

    def names(self) -> list[str]:
        return sorted(self.specs)

    def lookup(self, name: str) -> tuple[str, SettingSpec] | None:
        """Find a setting by current or old name; return its current name and spec."""
        if name in self.specs:
            return name, self.specs[name]
        new_name = resolve_alias(name, self.release)
        if new_name is not None and new_name in self.specs:
            return new_name, self.specs[new_name]
        return None

    def value(self, name: str) -> SettingValue:
        return self._overrides.get(name, self.specs[name].default)

    def is_overridden(self, name: str) -> bool:
        return name in self._overrides and name != "version"

    def redaction_enabled(self) -> bool:
        return REDACTION_SETTING in self.specs and bool(self.value(REDACTION_SETTING))
