"""Parse CockroachDB's host-based authentication (HBA) configuration and find the rules in force.

The text is the value of ``server.host_based_authentication.configuration``. Each line is
``TYPE DATABASE USER ADDRESS METHOD [name=value ...]``, without ADDRESS for ``local``.
CockroachDB tries the rules in order and uses the first one whose connection type, user
and address match, and it always puts ``host all root all cert-password`` first.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

CONNECTION_TYPES = ("host", "hostssl", "hostnossl", "local")
# Only CockroachDB's built-in default uses this type, for its internal connections.
LOOPBACK = "loopback"

METHODS = (
    "password",
    "cert",
    "cert-password",
    "scram-sha-256",
    "cert-scram-sha-256",
    "trust",
    "reject",
    "ldap",
    "jwt_token",
    "gss",
)

# Methods where the client proves itself with a password (LDAP checks it against the
# directory). Without TLS no client certificate is sent, so the cert- variants fall back
# to the password.
PASSWORD_METHODS = frozenset(
    {"password", "scram-sha-256", "cert-password", "cert-scram-sha-256", "ldap"}
)

# LDAP options of CockroachDB v24.3. Every one except ldapgrouplistfilter is required.
LDAP_REQUIRED_OPTIONS = (
    "ldapserver",
    "ldapport",
    "ldapbasedn",
    "ldapbinddn",
    "ldapbindpasswd",
    "ldapsearchattribute",
    "ldapsearchfilter",
)
LDAP_PORTS = ("389", "636")


class HbaParseError(ValueError):
    """A malformed line of the HBA configuration. The message names the line number."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Token:
    """One value of a field. A quoted token is never a keyword such as ``all``."""

    value: str
    quoted: bool = False

    def is_keyword(self, word: str) -> bool:
        return not self.quoted and self.value == word


Field = tuple[Token, ...]


def split_fields(line: str, line_number: int) -> list[Field]:
    """Split one line into whitespace-separated fields of comma-separated tokens.

    Double quotes protect spaces, commas and ``#``, and a quote anywhere in a token marks
    it as quoted. ``#`` outside quotes starts a comment that runs to the end of the line.
    """
    fields: list[Field] = []
    tokens: list[Token] = []
    current: list[str] = []
    quoted = in_quotes = False
    started = after_comma = False

    def end_token() -> None:
        nonlocal current, quoted, started
        tokens.append(Token("".join(current), quoted))
        current, quoted, started = [], False, False

    for char in line:
        if in_quotes:
            if char == '"':
                in_quotes = False
            else:
                current.append(char)
        elif char == '"':
            in_quotes = quoted = started = True
        elif char == "#":
            break
        elif char in " \t\r":
            if started:
                end_token()
                fields.append(tuple(tokens))
                tokens = []
        elif char == ",":
            if not started:
                raise HbaParseError(line_number, "empty value before a comma")
            end_token()
            after_comma = True
            continue
        else:
            current.append(char)
            started = True
        if started:
            after_comma = False

    if in_quotes:
        raise HbaParseError(line_number, "unterminated double quote")
    if after_comma:
        raise HbaParseError(line_number, "missing value after a trailing comma")
    if started:
        end_token()
    if tokens:
        fields.append(tuple(tokens))
    return fields


class RuleOrigin(enum.Enum):
    CONFIGURED = "configured"
    MANDATORY = "mandatory"
    BUILT_IN = "built-in default"


@dataclass(frozen=True)
class HbaRule:
    """One rule of the HBA table.

    ``network`` is None for rules that match every address and for ``local`` rules,
    which have no address. ``users`` lists the names written besides the ``all`` keyword.
    """

    line: int | None
    connection_type: str
    all_users: bool
    users: tuple[str, ...]
    network: Network | None
    method: str
    options: tuple[tuple[str, str], ...] = ()
    origin: RuleOrigin = RuleOrigin.CONFIGURED

    def option(self, name: str) -> str | None:
        for key, value in self.options:
            if key == name:
                return value
        return None

    @property
    def address_text(self) -> str:
        if self.connection_type == "local":
            return ""
        return "all" if self.network is None else str(self.network)

    def summary(self) -> str:
        """Return the rule as a configuration line without its options, which may hold secrets."""
        users = ",".join((["all"] if self.all_users else []) + [_quote(u) for u in self.users])
        parts = [self.connection_type, "all", users, self.address_text, self.method]
        return " ".join(part for part in parts if part)

    def label(self) -> str:
        """Name the rule for a finding: its line number, or where CockroachDB adds it."""
        if self.origin is RuleOrigin.CONFIGURED:
            return f"line {self.line} `{self.summary()}`"
        return f"the {self.origin.value} rule `{self.summary()}`"


def _quote(name: str) -> str:
    plain = name and name == name.lower() and name != "all"
    if plain and all(char.isalnum() or char in "_-.$" for char in name):
        return name
    return f'"{name}"'


@dataclass(frozen=True)
class HbaConfig:
    """The parsed configuration; an empty one means CockroachDB's built-in default applies."""

    rules: tuple[HbaRule, ...]

    @property
    def is_empty(self) -> bool:
        return not self.rules


def parse_hba(text: str) -> HbaConfig:
    """Parse the configuration text; raise HbaParseError naming the first malformed line."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = split_fields(line, number)
        if fields:
            rules.append(_parse_rule(fields, number))
    return HbaConfig(tuple(rules))


def _single(field: Field, column: str, number: int) -> Token:
    if len(field) != 1:
        raise HbaParseError(number, f"{column} takes one value, not a comma-separated list")
    return field[0]


def _parse_rule(fields: list[Field], number: int) -> HbaRule:
    connection = _single(fields[0], "TYPE", number)
    connection_type = connection.value
    if connection.quoted or connection_type not in CONNECTION_TYPES:
        if connection.is_keyword(LOOPBACK):
            raise HbaParseError(
                number, "connection type loopback is reserved for CockroachDB's built-in default"
            )
        raise HbaParseError(
            number,
            f"unknown connection type {connection_type!r}: use one of "
            + ", ".join(CONNECTION_TYPES),
        )
    is_local = connection_type == "local"
    columns = "TYPE DATABASE USER METHOD" if is_local else "TYPE DATABASE USER ADDRESS METHOD"
    if len(fields) < len(columns.split()):
        raise HbaParseError(
            number, f"expected {columns} [options], found {len(fields)} fields"
        )

    database = fields[1]
    if len(database) != 1 or not database[0].is_keyword("all"):
        names = ",".join(token.value for token in database)
        raise HbaParseError(
            number, f"only 'all' is supported in the DATABASE column, not {names!r}"
        )

    all_users, users = _parse_users(fields[2], number)

    index = 3
    network: Network | None = None
    if not is_local:
        network, index = _parse_address(fields, index, number)
    if index >= len(fields):
        raise HbaParseError(number, "missing METHOD column")

    method_token = _single(fields[index], "METHOD", number)
    method = method_token.value
    if method_token.quoted or method not in METHODS:
        raise HbaParseError(
            number, f"unknown authentication method {method!r}: use one of " + ", ".join(METHODS)
        )

    options = _parse_options(fields[index + 1 :], number)
    if method == "ldap":
        _validate_ldap_options(options, number)
    return HbaRule(number, connection_type, all_users, users, network, method, options)


def _parse_users(field: Field, number: int) -> tuple[bool, tuple[str, ...]]:
    all_users = False
    names: list[str] = []
    for token in field:
        if token.is_keyword("all"):
            all_users = True
        elif not token.value:
            raise HbaParseError(number, "empty user name in the USER column")
        else:
            # NOTE: assumed from SQL identifier rules, not checked against CockroachDB:
            # unquoted names are lower-cased and quoted names are kept as written.
            names.append(token.value if token.quoted else token.value.lower())
    return all_users, tuple(names)


def _parse_address(fields: list[Field], index: int, number: int) -> tuple[Network | None, int]:
    token = _single(fields[index], "ADDRESS", number)
    text = token.value
    if token.is_keyword("all"):
        return None, index + 1
    if "/" in text:
        try:
            return ipaddress.ip_network(text, strict=False), index + 1
        except ValueError:
            raise HbaParseError(number, f"invalid CIDR address {text!r}") from None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise HbaParseError(
            number,
            f"host name {text!r} is not supported: use all, a CIDR such as 10.0.0.0/8,"
            " or an IP address followed by a mask",
        ) from None

    # The field count check guarantees a field after the address.
    mask_text = _single(fields[index + 1], "mask", number).value
    prefix = _mask_prefix(mask_text, address.version)
    if prefix is None:
        raise HbaParseError(
            number,
            f"IP address {text!r} needs a /prefix or a mask column,"
            f" and {mask_text!r} is not a valid mask",
        )
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False), index + 2


def _mask_prefix(text: str, version: int) -> int | None:
    """Return the prefix length of a contiguous netmask such as 255.255.0.0, else None."""
    try:
        mask = ipaddress.ip_address(text)
    except ValueError:
        return None
    if mask.version != version:
        return None
    bits = mask.max_prefixlen
    value = int(mask)
    prefix = bin(value).count("1")
    if value != ((1 << prefix) - 1) << (bits - prefix):
        return None
    return prefix


def _parse_options(fields: Sequence[Field], number: int) -> tuple[tuple[str, str], ...]:
    options: list[tuple[str, str]] = []
    for field in fields:
        for token in field:
            name, sep, value = token.value.partition("=")
            if not sep or not name:
                # The error never quotes the token: it may be a piece of a password
                # that an unquoted comma split off.
                raise HbaParseError(
                    number,
                    f"option {len(options) + 1} after METHOD is not in name=value format;"
                    ' quote the whole "name=value" when the value holds commas or spaces',
                )
            options.append((name, value))
    return tuple(options)


def _validate_ldap_options(options: tuple[tuple[str, str], ...], number: int) -> None:
    names = {name for name, _ in options}
    for required in LDAP_REQUIRED_OPTIONS:
        if required not in names:
            raise HbaParseError(number, f"ldap rule lacks the required option {required}")
    port = dict(options)["ldapport"]
    if port not in LDAP_PORTS:
        raise HbaParseError(number, f"ldapport must be 389 or 636, not {port!r}")
    # NOTE: v24.3 rejects unknown LDAP option names, but later releases add options,
    # so names outside LDAP_REQUIRED_OPTIONS are kept instead of rejected.


def is_secret_option(name: str) -> bool:
    """Tell whether an option value is a credential that must never be shown."""
    lowered = name.lower()
    return any(part in lowered for part in ("passw", "secret", "token", "credential"))


def _rule(connection_type: str, users: str, method: str, origin: RuleOrigin) -> HbaRule:
    all_users = users == "all"
    names = () if all_users else (users,)
    return HbaRule(None, connection_type, all_users, names, None, method, (), origin)


# CockroachDB puts this rule before every configuration, so root can always log in with
# a certificate or a password and rules written for root on host lines never apply.
MANDATORY_ROOT_RULE = _rule("host", "root", "cert-password", RuleOrigin.MANDATORY)

# Rules CockroachDB uses when the configuration is empty.
BUILT_IN_DEFAULT = (
    _rule(LOOPBACK, "all", "trust", RuleOrigin.BUILT_IN),
    _rule("host", "all", "cert-password", RuleOrigin.BUILT_IN),
    _rule("local", "all", "password", RuleOrigin.BUILT_IN),
)


def effective_rules(config: HbaConfig) -> tuple[HbaRule, ...]:
    """Return the table CockroachDB uses: the mandatory root rule, then the configured rules."""
    return (MANDATORY_ROOT_RULE, *(config.rules or BUILT_IN_DEFAULT))


def _type_covers(earlier: str, later: str) -> bool:
    return earlier == later or (earlier == "host" and later in ("hostssl", "hostnossl"))


def _address_covers(earlier: HbaRule, later: HbaRule) -> bool:
    if earlier.network is None:
        return True
    if later.network is None or earlier.network.version != later.network.version:
        return False
    return later.network.subnet_of(earlier.network)  # type: ignore[arg-type]


def _covers_connections(earlier: HbaRule, later: HbaRule) -> bool:
    """Tell whether each connection ``later`` matches by type and address matches ``earlier``."""
    return _type_covers(earlier.connection_type, later.connection_type) and _address_covers(
        earlier, later
    )


@dataclass(frozen=True)
class RuleInForce:
    """A rule with the users it still admits after the rules before it.

    For a rule written with ``all``, ``users`` lists the names that earlier rules take
    away. For other rules it lists the names this rule still decides. ``shadowed_by`` is
    the earlier rule that takes the last of its users, so the rule never applies.
    """

    rule: HbaRule
    all_users: bool
    users: tuple[str, ...]
    shadowed_by: HbaRule | None = None

    @property
    def reachable(self) -> bool:
        return self.shadowed_by is None


def rules_in_force(rules: Sequence[HbaRule]) -> list[RuleInForce]:
    """Work out, for each rule in table order, which users can still reach it.

    A connection uses the first rule that matches its type, user and address, so a
    user decided by an earlier rule that covers the same connections never reaches a
    later one. The DATABASE column is always ``all``, so it does not narrow anything.
    """
    result = []
    for index, rule in enumerate(rules):
        earlier = [other for other in rules[:index] if _covers_connections(other, rule)]
        catch_all = next((other for other in earlier if other.all_users), None)
        if catch_all is not None:
            result.append(RuleInForce(rule, rule.all_users, rule.users, catch_all))
            continue
        if rule.all_users:
            decided_names = sorted({name for other in earlier for name in other.users})
            result.append(RuleInForce(rule, True, tuple(decided_names)))
            continue
        remaining = []
        shadow: HbaRule | None = None
        for name in rule.users:
            decider = next((other for other in earlier if name in other.users), None)
            if decider is None:
                remaining.append(name)
            elif shadow is None:
                shadow = decider
        if remaining or not rule.users:
            result.append(RuleInForce(rule, False, tuple(remaining)))
        else:
            result.append(RuleInForce(rule, False, (), shadow))
    return result
