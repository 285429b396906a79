"""Results of SHOW CLUSTER SETTING and SHOW [ALL|PUBLIC] CLUSTER SETTINGS."""

from __future__ import annotations

from pytest_crdb_security.simulator import sqltypes
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.results import Column, QueryContext, Result
from pytest_crdb_security.simulator.setting_values import show_type, stored_text
from pytest_crdb_security.simulator.settings_registry import SettingSpec, SettingValue
from pytest_crdb_security.simulator.settings_view import REDACTED

INSUFFICIENT_PRIVILEGE = "42501"
UNCATEGORIZED = "XXUUU"  # what errors.Errorf becomes on the wire


def _is_sql_default(name: str) -> bool:
    return name.startswith("sql.defaults.")


def _must_redact(context: QueryContext, spec: SettingSpec, value: SettingValue) -> bool:
    """Tell whether a value reads `<redacted>` for this user (v23.2+ redaction rule)."""
    return (
        spec.sensitive
        and value != ""
        and context.settings.redaction_enabled()
        and not context.privileges.can_modify_cluster_settings(context.user)
    )


def show_cluster_setting(context: QueryContext, requested: str) -> Result:
    """Return the result of `SHOW CLUSTER SETTING <name>`: one column named as requested."""
    name = requested.lower()
    found = context.settings.lookup(name)
    if found is None:
        raise SqlError(UNCATEGORIZED, f'unknown setting: "{name}"')
    current_name, spec = found

    privileges = context.privileges
    allowed = privileges.can_view_cluster_settings(context.user) or (
        _is_sql_default(current_name) and privileges.can_modify_sql_cluster_settings(context.user)
    )
    if not allowed:
        holders = (
            "MODIFYCLUSTERSETTING, MODIFYSQLCLUSTERSETTING or VIEWCLUSTERSETTING"
            if _is_sql_default(current_name)
            else "MODIFYCLUSTERSETTING or VIEWCLUSTERSETTING"
        )
        raise SqlError(
            INSUFFICIENT_PRIVILEGE,
            f"only users with {holders} privileges are allowed to show cluster setting '{name}'",
        )

    notices: tuple[str, ...] = ()
    if current_name != name:
        # NOTE: whether the column takes the old or the new name is
        # unconfirmed; it uses the name that the statement gave.
        notices = (f'"{name}" is now an alias for "{current_name}", the preferred setting name',)

    value = context.settings.value(current_name)
    column_type = show_type(spec)
    if _must_redact(context, spec, value):
        value, column_type = REDACTED, sqltypes.STRING
    return Result(
        tag="SHOW", columns=(Column(name, column_type),), rows=[(value,)], notices=notices
    )


def _listing_columns(context: QueryContext, include_public: bool) -> tuple[Column, ...]:
    string = sqltypes.STRING
    columns = [Column("variable", string), Column("value", string), Column("setting_type", string)]
    if include_public:
        columns.append(Column("public", sqltypes.BOOL))
    columns.append(Column("description", string))
    if context.scenario.release >= (23, 2):
        columns += [Column("default_value", string), Column("origin", string)]
    return tuple(columns)


def show_cluster_settings(context: QueryContext, include_non_public: bool) -> Result:
    """Return the result of `SHOW ALL CLUSTER SETTINGS` or `SHOW [PUBLIC] CLUSTER SETTINGS`.

    Values use the stored text encoding (`true`, `168h0m0s`), unlike SHOW
    CLUSTER SETTING, which returns typed columns.
    """
    privileges = context.privileges
    sql_defaults_only = False
    if not privileges.can_view_cluster_settings(context.user):
        if not privileges.can_modify_sql_cluster_settings(context.user):
            raise SqlError(
                INSUFFICIENT_PRIVILEGE,
                "only users with MODIFYCLUSTERSETTING, MODIFYSQLCLUSTERSETTING or "
                "VIEWCLUSTERSETTING privileges are allowed to SHOW CLUSTER SETTINGS",
            )
        sql_defaults_only = True

    rows: list[tuple[object, ...]] = []
    for name in context.settings.names():
        spec = context.settings.specs[name]
        if (sql_defaults_only and not _is_sql_default(name)) or not (
            include_non_public or spec.public
        ):
            continue
        rows.append(_listing_row(context, name, spec, include_non_public))
    return Result(tag="SHOW", columns=_listing_columns(context, include_non_public), rows=rows)


def _listing_row(
    context: QueryContext, name: str, spec: SettingSpec, include_public: bool
) -> tuple[object, ...]:
    value = context.settings.value(name)
    shown = REDACTED if _must_redact(context, spec, value) else stored_text(spec, value)
    default = spec.default if name != "version" else value
    row: list[object] = [name, shown, spec.type_code]
    if include_public:
        row.append(spec.public)
    row.append(spec.description)
    if context.scenario.release >= (23, 2):
        default_text = (
            REDACTED if _must_redact(context, spec, default) else stored_text(spec, default)
        )
        origin = "override" if context.settings.is_overridden(name) else "default"
        row += [default_text, origin]
    return tuple(row)
