import ipaddress

import pytest

from pytest_crdb_security.parsing.hba import (
    BUILT_IN_DEFAULT,
    MANDATORY_ROOT_RULE,
    HbaConfig,
    HbaParseError,
    HbaRule,
    Token,
    effective_rules,
    is_secret_option,
    parse_hba,
    rules_in_force,
    split_fields,
)

LDAP_LINE = (
    'host all all all ldap ldapserver=ldap.example.com ldapport=636'
    ' "ldapbasedn=ou=users,dc=example,dc=com" "ldapbinddn=cn=readonly,dc=example,dc=com"'
    ' ldapbindpasswd=s3cret ldapsearchattribute=uid'
    ' "ldapsearchfilter=(memberof=cn=crdb users,ou=groups,dc=example,dc=com)"'
)


def only_rule(text: str) -> HbaRule:
    config = parse_hba(text)
    assert len(config.rules) == 1
    return config.rules[0]


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("host all all all cert", [["host"], ["all"], ["all"], ["all"], ["cert"]]),
        ("host\tall  alice,bob all cert", [["host"], ["all"], ["alice", "bob"], ["all"], ["cert"]]),
        ("host all alice, bob all cert", [["host"], ["all"], ["alice", "bob"], ["all"], ["cert"]]),
        ('host all "a b,c" all cert', [["host"], ["all"], ["a b,c"], ["all"], ["cert"]]),
        ("host all all all cert # comment, \"x", [["host"], ["all"], ["all"], ["all"], ["cert"]]),
        ('x "#not a comment"', [["x"], ["#not a comment"]]),
        ("x a#comment", [["x"], ["a"]]),
        ("   # only a comment", []),
        ("", []),
    ],
)
def test_split_fields(line: str, fields: list[list[str]]) -> None:
    result = split_fields(line, 1)

    assert [[token.value for token in field] for field in result] == fields


def test_split_fields_marks_quoted_tokens() -> None:
    fields = split_fields('"all" all', 1)

    assert fields[0] == (Token("all", quoted=True),)
    assert fields[1] == (Token("all", quoted=False),)
    assert not fields[0][0].is_keyword("all")
    assert fields[1][0].is_keyword("all")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('host all "alice all cert', "unterminated double quote"),
        ("host all alice,   ", "missing value after a trailing comma"),
        ("host all alice,", "missing value after a trailing comma"),
        ("host all ,alice all cert", "empty value before a comma"),
    ],
)
def test_split_fields_errors(line: str, problem: str) -> None:
    with pytest.raises(HbaParseError) as caught:
        split_fields(line, 7)

    assert caught.value.line == 7
    assert caught.value.problem == problem
    assert str(caught.value) == f"line 7: {problem}"


def test_parse_ipv4_cidr_rule() -> None:
    rule = only_rule("hostssl all app 10.1.0.0/16 scram-sha-256")

    assert rule.line == 1
    assert rule.connection_type == "hostssl"
    assert not rule.all_users
    assert rule.users == ("app",)
    assert rule.network == ipaddress.ip_network("10.1.0.0/16")
    assert rule.method == "scram-sha-256"
    assert rule.options == ()


def test_parse_keeps_line_numbers_across_comments() -> None:
    config = parse_hba("# header\n\nhost all all all cert\n   \n# x\nlocal all all password\n")

    assert [rule.line for rule in config.rules] == [3, 6]


@pytest.mark.parametrize(
    ("line", "network"),
    [
        ("host all all 10.0.0.0 255.0.0.0 cert", "10.0.0.0/8"),
        ("host all all 192.168.1.7 255.255.255.255 cert", "192.168.1.7/32"),
        ("host all all 10.1.2.3/8 cert", "10.0.0.0/8"),
        ("host all all 0.0.0.0/0 cert", "0.0.0.0/0"),
        ("host all all ::/0 cert", "::/0"),
        ("host all all ::1/128 trust", "::1/128"),
        ("host all all 2001:db8::/32 cert", "2001:db8::/32"),
        ("host all all 2001:db8:: ffff:ffff:: cert", "2001:db8::/32"),
        ("host all all fe80::1 ffff:ffff:ffff:ffff:: cert", "fe80::/64"),
    ],
)
def test_parse_addresses(line: str, network: str) -> None:
    assert only_rule(line).network == ipaddress.ip_network(network)


def test_parse_all_address_and_local_have_no_network() -> None:
    assert only_rule("host all all all cert").network is None
    local = only_rule("local all all password")
    assert local.network is None
    assert local.method == "password"
    assert local.address_text == ""


@pytest.mark.parametrize(
    ("line", "all_users", "users"),
    [
        ("host all all all cert", True, ()),
        ("host all alice,bob all cert", False, ("alice", "bob")),
        ("host all Alice all cert", False, ("alice",)),
        ('host all "Alice" all cert', False, ("Alice",)),
        ('host all "all" all cert', False, ("all",)),
        ('host all "ops team",root all cert', False, ("ops team", "root")),
        ("host all root,all all cert", True, ("root",)),
    ],
)
def test_parse_users(line: str, all_users: bool, users: tuple[str, ...]) -> None:
    rule = only_rule(line)

    assert rule.all_users is all_users
    assert rule.users == users


def test_parse_options_with_quotes_and_equals() -> None:
    rule = only_rule(LDAP_LINE)

    assert rule.method == "ldap"
    assert rule.option("ldapserver") == "ldap.example.com"
    assert rule.option("ldapbasedn") == "ou=users,dc=example,dc=com"
    assert rule.option("ldapsearchfilter") == "(memberof=cn=crdb users,ou=groups,dc=example,dc=com)"
    assert rule.option("ldapbindpasswd") == "s3cret"
    assert rule.option("missing") is None


def test_parse_map_option() -> None:
    rule = only_rule("hostssl all all 10.0.0.0/8 cert map=corp")

    assert rule.options == (("map", "corp"),)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("hots all all all cert", "unknown connection type 'hots'"),
        ('"host" all all all cert', "unknown connection type 'host'"),
        ("loopback all all all trust", "loopback is reserved for CockroachDB's built-in default"),
        ("host,local all all all cert", "TYPE takes one value"),
        ("host all all all", "expected TYPE DATABASE USER ADDRESS METHOD [options], found 4"),
        ("local all all", "expected TYPE DATABASE USER METHOD [options], found 3"),
        ("host app all all cert", "only 'all' is supported in the DATABASE column, not 'app'"),
        ("host all,app all all cert", "only 'all' is supported in the DATABASE column"),
        ('host "all" all all cert', "only 'all' is supported in the DATABASE column"),
        ('host all "" all cert', "empty user name"),
        ("host all all db.example.com cert", "host name 'db.example.com' is not supported"),
        ('host all all "all" cert', "host name 'all' is not supported"),
        ("host all all samehost cert", "host name 'samehost' is not supported"),
        ("host all all 10.0.0.0/33 cert", "invalid CIDR address '10.0.0.0/33'"),
        ("host all all 10.0.0/8 cert", "invalid CIDR address '10.0.0/8'"),
        ("host all all 10.0.0.1 cert",
         "IP address '10.0.0.1' needs a /prefix or a mask column, and 'cert' is not a valid mask"),
        ("host all all 10.0.0.0 255.0.255.0 cert", "'255.0.255.0' is not a valid mask"),
        ("host all all 10.0.0.0 ffff:: cert", "'ffff::' is not a valid mask"),
        ("host all all 10.0.0.1 255.0.0.0", "missing METHOD column"),
        ("host all all all md5", "unknown authentication method 'md5'"),
        ("host all all all Trust", "unknown authentication method 'Trust'"),
        ("host all all all cert,trust", "METHOD takes one value"),
        ("host all all all cert nameonly", "option 1 after METHOD is not in name=value format"),
        ("host all all all cert =x", "option 1 after METHOD is not in name=value format"),
        ("host all all all ldap ldapserver=x", "ldap rule lacks the required option ldapport"),
        (LDAP_LINE.replace("ldapport=636", "ldapport=3268"), "ldapport must be 389 or 636"),
    ],
)
def test_parse_errors(line: str, problem: str) -> None:
    with pytest.raises(HbaParseError) as caught:
        parse_hba("# first line\n" + line)

    assert caught.value.line == 2
    assert problem in caught.value.problem


def test_parse_error_never_quotes_option_text() -> None:
    # An unquoted comma splits the password; the piece after it must not be shown.
    line = "host all all all ldap ldapbindpasswd=abc,defghij ldapserver=x"

    with pytest.raises(HbaParseError) as caught:
        parse_hba(line)

    assert "defghij" not in str(caught.value)
    assert "abc" not in str(caught.value)


def test_summary_and_label_leave_out_options() -> None:
    rule = only_rule(LDAP_LINE)

    assert rule.summary() == "host all all all ldap"
    assert rule.label() == "line 1 `host all all all ldap`"
    assert "s3cret" not in rule.label()


def test_summary_quotes_names_that_need_it() -> None:
    rule = only_rule('host all "Ops Team","all",app 10.0.0.0 255.255.0.0 cert')

    assert rule.summary() == 'host all "Ops Team","all",app 10.0.0.0/16 cert'


@pytest.mark.parametrize(
    ("name", "secret"),
    [("ldapbindpasswd", True), ("password", True), ("client_secret", True), ("token", True),
     ("ldapserver", False), ("map", False), ("ldapbinddn", False)],
)
def test_is_secret_option(name: str, secret: bool) -> None:
    assert is_secret_option(name) is secret


def test_effective_rules_of_empty_config_are_default() -> None:
    rules = effective_rules(HbaConfig(()))

    assert rules[0] is MANDATORY_ROOT_RULE
    assert rules[1:] == BUILT_IN_DEFAULT
    assert [rule.summary() for rule in rules] == [
        "host all root all cert-password",
        "loopback all all all trust",
        "host all all all cert-password",
        "local all all password",
    ]
    assert rules[0].label() == "the mandatory rule `host all root all cert-password`"


def test_effective_rules_put_mandatory_rule_first() -> None:
    config = parse_hba("host all all all reject")

    rules = effective_rules(config)

    assert rules == (MANDATORY_ROOT_RULE, config.rules[0])


def reach(text: str) -> list[tuple[int | None, bool, tuple[str, ...], int | None]]:
    result = rules_in_force(effective_rules(parse_hba(text)))
    return [
        (
            entry.rule.line,
            entry.all_users,
            entry.users,
            entry.shadowed_by.line if entry.shadowed_by is not None else None,
        )
        for entry in result[1:]
    ]


def test_root_rules_on_host_lines_never_apply() -> None:
    result = rules_in_force(effective_rules(parse_hba(
        "hostssl all root 10.0.0.0/8 trust\nlocal all root password\nhost all root,app all cert"
    )))

    assert result[1].shadowed_by is MANDATORY_ROOT_RULE
    assert result[2].reachable
    assert result[3].users == ("app",)
    assert result[3].reachable


def test_rules_after_catch_all_never_apply() -> None:
    text = (
        "host all all 10.0.0.0/8 cert\n"
        "host all all all reject\n"
        "hostssl all app 192.168.0.0/16 password\n"
        "hostnossl all app all password\n"
        "local all all trust\n"
    )

    assert reach(text) == [
        (1, True, ("root",), None),
        (2, True, ("root",), None),
        (3, False, ("app",), 2),
        (4, False, ("app",), 2),
        (5, True, (), None),
    ]


def test_narrower_earlier_rule_takes_its_users() -> None:
    text = (
        "hostssl all alice 10.0.0.0/8 cert\n"
        "hostssl all alice,bob 10.1.0.0/16 password\n"
        "hostssl all alice 0.0.0.0/0 password\n"
        "host all all ::/0 password\n"
    )

    assert reach(text) == [
        (1, False, ("alice",), None),
        (2, False, ("bob",), None),
        (3, False, ("alice",), None),
        (4, True, ("root",), None),
    ]


def test_hostssl_rule_does_not_cover_hostnossl() -> None:
    text = "hostssl all all all cert\nhostnossl all all all password\nhostssl all app all trust"

    assert reach(text) == [
        (1, True, ("root",), None),
        (2, True, ("root",), None),
        (3, False, ("app",), 1),
    ]


def test_ipv4_rule_does_not_cover_ipv6() -> None:
    text = "host all all 0.0.0.0/0 reject\nhost all all ::/0 password"

    assert reach(text)[1] == (2, True, ("root",), None)
