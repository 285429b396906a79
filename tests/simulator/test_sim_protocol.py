"""Wire-protocol behaviour: startup, authentication, query protocols and server lifecycle."""

from __future__ import annotations

import dataclasses
import struct
import threading
import time

import psycopg
import psycopg.errors
import pytest
from sim_helpers import ClusterFor, connect, scenario_named
from sim_wire_client import (
    CANCEL_REQUEST,
    GSSENC_REQUEST,
    SSL_REQUEST,
    WireClient,
    cstring,
    data_row,
    error_fields,
    parameter_statuses,
    row_description,
)

from pytest_crdb_security.simulator import SimulatedCluster
from pytest_crdb_security.simulator.scenario import User


def _tls_client(cluster: SimulatedCluster) -> WireClient:
    client = WireClient(cluster.host, cluster.port)
    client.start_tls(cluster.ca_cert_path)
    return client


def _logged_in(cluster: SimulatedCluster, user: str | None = None) -> WireClient:
    client = _tls_client(cluster)
    name = user or cluster.scenario.audit_user
    account = cluster.scenario.user(name)
    messages = client.login(name, account.password if account else None)
    assert messages[-1][0] == b"Z", messages
    return client


def _types(messages: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(message_type for message_type, _ in messages)


def test_tls_verify_full_connects(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    assert "sslmode=verify-full" in cluster.url()
    with connect(cluster) as connection:
        assert connection.pgconn.ssl_in_use
        assert connection.info.vendor == "CockroachDB"
        assert connection.info.server_version == 240305


def test_tls_rejects_other_ca(cluster_for: ClusterFor) -> None:
    mixed, legacy = cluster_for("mixed"), cluster_for("legacy")
    url = mixed.url().replace(str(mixed.ca_cert_path), str(legacy.ca_cert_path))

    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.crdb.connect(url, autocommit=True)


def test_parameter_status_at_startup(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with _tls_client(cluster) as client:
        messages = client.login("auditor", "sim-Auditor-7f3k", application_name="audit")

    assert _types(messages) == b"RR" + b"S" * 12 + b"KZ"
    assert list(parameter_statuses(messages).items()) == [
        ("server_version", "13.0.0"),
        ("server_encoding", "UTF8"),
        ("client_encoding", "UTF8"),
        ("application_name", "audit"),
        ("DateStyle", "ISO, MDY"),
        ("IntervalStyle", "postgres"),
        ("is_superuser", "off"),
        ("TimeZone", "UTC"),
        ("integer_datetimes", "on"),
        ("standard_conforming_strings", "on"),
        (
            "crdb_version",
            "CockroachDB CCL v24.3.5 (x86_64-pc-linux-gnu, built 2025/01/21 17:04:09, go1.22.8)",
        ),
        ("session_authorization", "auditor"),
    ]
    assert messages[-1] == (b"Z", b"I")


def test_superuser_status_for_admins(cluster_for: ClusterFor) -> None:
    with connect(cluster_for("mixed"), "alice") as connection:
        assert connection.info.parameter_status("is_superuser") == "on"


@pytest.mark.parametrize(
    ("user", "password", "sqlstate", "message"),
    [
        ("auditor", "wrong", "28P01", "password authentication failed for user auditor"),
        ("ghost", "whatever", "28P01", "password authentication failed for user ghost"),
        ("admin", "whatever", "28P01", "password authentication failed for user admin"),
        ("locked", "sim-test-locked", "28000", "locked does not have login privilege"),
        ("barred", "sim-test-barred", "28000", "barred does not have login privilege"),
    ],
)
def test_authentication_failures(
    cluster_for: ClusterFor, user: str, password: str, sqlstate: str, message: str
) -> None:
    cluster = cluster_for("no_privileges")

    with _tls_client(cluster) as client:
        messages = client.login(user, password)
    fields = error_fields(messages[-1][1])

    assert messages[0] == (b"R", struct.pack("!i", 3))
    assert messages[-1][0] == b"E"
    assert (fields["S"], fields["C"], fields["M"]) == ("ERROR", sqlstate, message)


def test_wrong_password_through_psycopg(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with pytest.raises(
        psycopg.OperationalError, match="password authentication failed for user auditor"
    ):
        psycopg.crdb.connect(cluster.url(password="wrong"), autocommit=True)


def test_unknown_database_is_accepted(cluster_for: ClusterFor) -> None:
    with psycopg.crdb.connect(
        cluster_for("mixed").url(database="nosuchdb"), autocommit=True
    ) as connection:
        assert connection.execute("SELECT 1").fetchall() == [(1,)]


def test_plain_startup_on_secure_cluster(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with WireClient(cluster.host, cluster.port) as client:
        client.startup("auditor")
        message_type, body = client.read()

    assert message_type == b"E"
    assert error_fields(body)["C"] == "08P01"
    assert error_fields(body)["M"] == "node is running secure mode, SSL connection required"


def test_psycopg_without_tls_on_secure_cluster(cluster_for: ClusterFor) -> None:
    url = cluster_for("mixed").url().split("?")[0] + "?sslmode=disable"

    with pytest.raises(psycopg.OperationalError, match="node is running secure mode"):
        psycopg.crdb.connect(url, autocommit=True)


def test_insecure_cluster_answers_n_to_ssl(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("insecure")

    assert cluster.ca_cert_path is None
    assert cluster.url().endswith("?sslmode=disable")
    with WireClient(cluster.host, cluster.port) as client:
        assert client.request_code(SSL_REQUEST) == b"N"
    with pytest.raises(psycopg.OperationalError, match="does not support SSL"):
        psycopg.crdb.connect(cluster.url().replace("disable", "require"), autocommit=True)


def test_insecure_cluster_accepts_any_password(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("insecure")

    with psycopg.crdb.connect(cluster.url(password="anything"), autocommit=True) as connection:
        assert not connection.pgconn.ssl_in_use
        assert connection.execute("SELECT current_user()").fetchall() == [("auditor",)]
    with psycopg.crdb.connect(
        cluster.url().replace("disable", "prefer"), autocommit=True
    ) as connection:
        assert connection.execute("SELECT 1").fetchall() == [(1,)]


def test_insecure_cluster_still_checks_login_privilege(cluster_for: ClusterFor) -> None:
    with pytest.raises(psycopg.OperationalError, match="locked does not have login privilege"):
        psycopg.crdb.connect(cluster_for("insecure").url(user="locked"), autocommit=True)


def test_gssenc_request_answered_n(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with WireClient(cluster.host, cluster.port) as client:
        assert client.request_code(GSSENC_REQUEST) == b"N"
        client.start_tls(cluster.ca_cert_path)
        assert client.login("auditor", "sim-Auditor-7f3k")[-1] == (b"Z", b"I")


def test_cancel_request_closes_connection(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with WireClient(cluster.host, cluster.port) as client:
        client.send_raw(struct.pack("!iiii", 16, CANCEL_REQUEST, 4096, 12345))
        assert client.sock.recv(1) == b""
    with connect(cluster) as connection:
        connection.cancel_safe()


def test_simple_query_several_statements(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        messages = client.query("SET application_name = 'two'; SHOW application_name; SELECT 1;")

    assert _types(messages) == b"SCTDCTDCZ"
    assert parameter_statuses(messages) == {"application_name": "two"}
    assert messages[1] == (b"C", cstring("SET"))
    assert data_row(messages[3][1]) == [b"two"]
    assert messages[4] == (b"C", cstring("SHOW"))
    assert messages[7] == (b"C", cstring("SELECT 1"))


def test_simple_query_error_stops_batch(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        messages = client.query("SELECT 1; SELECT nothing FROM nowhere; SELECT 2")

    assert _types(messages) == b"TDCEZ"
    assert error_fields(messages[3][1])["C"] == "0A000"


def test_empty_query(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        assert _types(client.query("  ;  ")) == b"IZ"


def test_text_encodings_on_the_wire(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("hardened")) as client:
        interval = client.query("SHOW CLUSTER SETTING server.web_session.timeout")
        boolean = client.query("SHOW CLUSTER SETTING sql.log.admin_audit.enabled")
        users = client.query("SHOW USERS")
        schedules = client.query("SHOW SCHEDULES")

    assert data_row(interval[1][1]) == [b"12:00:00"]
    assert row_description(interval[0][1]) == [("server.web_session.timeout", 1186, 16, 0)]
    assert data_row(boolean[1][1]) == [b"t"]
    admin_row = next(
        data_row(body) for kind, body in users if kind == b"D" and body[6:11] == b"admin"
    )
    assert admin_row == [b"admin", b"{}", b"{}", None]
    assert (b"N", users[-3][1]) == users[-3]
    assert error_fields(users[-3][1])["S"] == "NOTICE"
    assert users[-2] == (b"C", cstring("SHOW USERS 8"))
    rows = [data_row(body) for kind, body in schedules if kind == b"D"]
    full = next(
        row for row in rows if row[10] == b"RETRY_SCHED" and row[11] and b"dependent" in row[11]
    )
    assert full[11] == (
        b'{"backup_statement": "BACKUP INTO \'external://backup_bucket\' WITH revision_history, '
        b'detached", "dependent_schedule_id": 1094521837265879041}'
    )
    assert full[3] is not None and full[3].endswith(b" 00:00:00+00")


def test_extended_protocol_binary_results(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        client.parse("SHOW CLUSTER SETTING server.user_login.min_password_length", name="s1")
        client.describe(b"S", "s1")
        client.bind([], statement="s1", result_formats=(1,))
        client.describe(b"P")
        client.execute()
        client.sync()
        messages = client.read_until(b"Z")

    assert _types(messages) == b"1tT2TDCZ"
    assert row_description(messages[2][1]) == [("server.user_login.min_password_length", 20, 8, 0)]
    assert row_description(messages[4][1])[0][3] == 1
    assert data_row(messages[5][1]) == [struct.pack("!q", 8)]
    assert messages[6] == (b"C", cstring("SHOW"))


def test_extended_protocol_portal_suspension(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        client.parse("SELECT database_name FROM [SHOW DATABASES]")
        client.bind([])
        client.execute(max_rows=4)
        client.execute(max_rows=4)
        client.sync()
        messages = client.read_until(b"Z")

    assert _types(messages) == b"12DDDDsDDCZ"
    assert messages[-2] == (b"C", cstring("SELECT 2"))


def test_extended_protocol_error_skips_to_sync(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        client.parse("SELECT 1")
        client.bind([b"extra"])
        client.execute()
        client.sync()
        messages = client.read_until(b"Z")
        client.parse("SELECT 1")
        client.bind([])
        client.execute()
        client.sync()
        after = client.read_until(b"Z")

    assert _types(messages) == b"1EZ"
    assert error_fields(messages[1][1])["C"] == "08P01"
    assert error_fields(messages[1][1])["M"] == "expected 0 arguments, got 1"
    assert _types(after) == b"12DCZ"


def test_extended_protocol_parameters(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        client.parse("SET application_name = $1", name="set_name", oids=(25,))
        client.bind([b"from-bind"], statement="set_name")
        client.execute()
        client.parse("SET statement_timeout = $1", oids=(20,))
        client.bind([struct.pack("!q", 2500)], parameter_formats=(1,))
        client.execute()
        client.sync()
        messages = client.read_until(b"Z")
        shown = client.query("SHOW application_name; SHOW statement_timeout")

    assert _types(messages) == b"12SC12CZ"
    assert parameter_statuses(messages) == {"application_name": "from-bind"}
    rows = [data_row(body) for kind, body in shown if kind == b"D"]
    assert rows == [[b"from-bind"], [b"2500"]]


def test_extended_protocol_unknown_names(cluster_for: ClusterFor) -> None:
    with _logged_in(cluster_for("mixed")) as client:
        client.bind([], statement="missing")
        client.sync()
        statement_error = client.read_until(b"Z")
        client.execute(portal="missing")
        client.sync()
        portal_error = client.read_until(b"Z")

    assert error_fields(statement_error[0][1])["C"] == "26000"
    assert error_fields(portal_error[0][1])["C"] == "34000"


def test_psycopg_prepared_and_binary_cursors(cluster_for: ClusterFor) -> None:
    with connect(cluster_for("hardened")) as connection:
        text_rows = connection.execute("SHOW SCHEDULES").fetchall()
        for _ in range(2):
            prepared = connection.execute("SHOW USERS", prepare=True).fetchall()
        binary_rows = connection.cursor(binary=True).execute("SHOW SCHEDULES").fetchall()
        binary_users = connection.cursor(binary=True).execute("SHOW USERS").fetchall()

    assert binary_rows == text_rows
    assert binary_users == prepared


def test_explicit_transaction_status(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")

    with psycopg.crdb.connect(cluster.url()) as connection:
        connection.execute("SHOW CLUSTER SETTING version")
        in_transaction = connection.info.transaction_status
        connection.commit()
        after_commit = connection.info.transaction_status

    assert in_transaction == psycopg.pq.TransactionStatus.INTRANS
    assert after_commit == psycopg.pq.TransactionStatus.IDLE


def test_statements_are_recorded_in_order() -> None:
    with SimulatedCluster(scenario_named("insecure")) as cluster:
        with psycopg.crdb.connect(cluster.url(), autocommit=True) as connection:
            connection.execute("SET default_transaction_read_only = on; SELECT 1")
            connection.execute("SHOW CLUSTER SETTING version", prepare=True)
        statements = cluster.statements
        cluster.clear_statements()

        assert statements == [
            "SET default_transaction_read_only = on",
            "SELECT 1",
            "SHOW CLUSTER SETTING version",
        ]
        assert cluster.statements == []


def test_concurrent_connections(cluster_for: ClusterFor) -> None:
    cluster = cluster_for("mixed")
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                with connect(cluster) as connection:
                    assert connection.execute("SHOW DATABASES").fetchall()
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert failures == []


def test_stop_closes_idle_connections_quickly() -> None:
    cluster = SimulatedCluster(scenario_named("mixed")).start()
    threads_before = threading.active_count()
    connection = connect(cluster)
    certificate_directory = cluster.ca_cert_path.parent if cluster.ca_cert_path else None

    started = time.monotonic()
    cluster.stop()
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert threading.active_count() < threads_before
    assert certificate_directory is not None and not certificate_directory.exists()
    with pytest.raises(psycopg.OperationalError):
        connection.execute("SELECT 1")
    connection.close()


def test_ipv6_loopback() -> None:
    cluster = SimulatedCluster(scenario_named("mixed"), host="::1")
    try:
        cluster.start()
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    try:
        with connect(cluster) as connection:
            assert "@[::1]:" in cluster.url()
            assert connection.execute("SELECT 1").fetchall() == [(1,)]
    finally:
        cluster.stop()


@pytest.mark.parametrize("host", ["10.0.0.1", "0.0.0.0", "example.com", "::"])
def test_only_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match=r"use 127\.0\.0\.1 or ::1"):
        SimulatedCluster(scenario_named("mixed"), host=host)


def test_sequential_connections_leave_no_threads() -> None:
    with SimulatedCluster(scenario_named("insecure")) as cluster:
        baseline = threading.active_count()
        for _ in range(30):
            with psycopg.crdb.connect(cluster.url(), autocommit=True) as connection:
                connection.execute("SELECT 1")
        deadline = time.monotonic() + 2
        while threading.active_count() > baseline and time.monotonic() < deadline:
            time.sleep(0.01)

        assert threading.active_count() == baseline


def test_array_options_quoted_on_the_wire() -> None:
    scenario = scenario_named("hardened")
    carol = User("carol", "sim-test-carol", ("CREATEROLE", "VALID UNTIL=2025-10-10 00:00:00+00:00"))
    scenario = dataclasses.replace(scenario, users=(*scenario.users, carol))

    with SimulatedCluster(scenario) as cluster, _logged_in(cluster) as client:
        messages = client.query("SHOW USERS")

    rows = [data_row(body) for kind, body in messages if kind == b"D"]
    carol_row = next(row for row in rows if row[0] == b"carol")
    assert carol_row[1] == b'{CREATEROLE,"VALID UNTIL=2025-10-10 00:00:00+00:00"}'
