"""Query phase of a connection: simple Query and the extended Parse/Bind/Execute flow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pytest_crdb_security.simulator import pgwire
from pytest_crdb_security.simulator.errors import SqlError
from pytest_crdb_security.simulator.parameters import format_codes_for, parameter_literal
from pytest_crdb_security.simulator.pgwire import BodyReader, MessageStream
from pytest_crdb_security.simulator.results import BEGIN, COMMIT, ROLLBACK, Result
from pytest_crdb_security.simulator.runtime import ClusterRuntime
from pytest_crdb_security.simulator.session_state import (
    FAILED_TRANSACTION,
    IDLE,
    IN_TRANSACTION,
    Session,
)
from pytest_crdb_security.simulator.session_vars import VARIABLES
from pytest_crdb_security.simulator.sqltypes import STRING, encode_binary, encode_text
from pytest_crdb_security.simulator.statements import (
    placeholder_count,
    split_statements,
    substitute_placeholders,
)


@dataclass
class PreparedStatement:
    """A statement parsed by the extended protocol."""

    text: str
    parameter_oids: list[int]


@dataclass
class Portal:
    """A bound statement; its result is computed once, then read by Execute calls."""

    text: str
    result_formats: list[int]
    result: Result | None = None
    next_row: int = 0
    applied: bool = False


class QueryLoop:
    """Reads client messages until Terminate and handles each one."""

    def __init__(self, stream: MessageStream, session: Session, runtime: ClusterRuntime) -> None:
        self._stream = stream
        self._session = session
        self._runtime = runtime
        self._statements: dict[str, PreparedStatement] = {}
        self._portals: dict[str, Portal] = {}
        self._skipping_until_sync = False
        self._handlers: dict[bytes, Callable[[BodyReader], None]] = {
            b"Q": self._simple_query,
            b"P": self._parse,
            b"B": self._bind,
            b"D": self._describe,
            b"E": self._execute,
            b"S": self._sync,
            b"H": self._flush,
            b"C": self._close,
        }

    def run(self) -> None:
        while True:
            message_type, body = self._stream.read_message()
            if message_type == b"X":
                return
            if self._skipping_until_sync and message_type != b"S":
                continue
            handler = self._handlers.get(message_type)
            try:
                if handler is None:
                    raise SqlError("08P01", f"unrecognized client message type {message_type!r}")
                handler(BodyReader(body))
            except SqlError as error:
                self._fail(error, extended=message_type != b"Q")

    def _fail(self, error: SqlError, *, extended: bool) -> None:
        self._stream.write(pgwire.error_response(error))
        if self._session.transaction_status == IN_TRANSACTION:
            self._session.transaction_status = FAILED_TRANSACTION
        if extended:
            self._skipping_until_sync = True
        else:
            self._stream.write(pgwire.ready_for_query(self._session.transaction_status))
            self._stream.flush()

    # Simple protocol.

    def _simple_query(self, reader: BodyReader) -> None:
        statements = split_statements(reader.cstring())
        if not statements:
            self._stream.write(pgwire.empty_query_response())
        for statement in statements:
            self._runtime.record_statement(statement)
            result = self._runtime.executor.execute(statement, self._session)
            self._apply(result)
            self._send_result(result, formats=[], max_rows=0, start=0)
        self._stream.write(pgwire.ready_for_query(self._session.transaction_status))
        self._stream.flush()

    # Extended protocol.

    def _parse(self, reader: BodyReader) -> None:
        name = reader.cstring()
        query = reader.cstring()
        oids = [reader.int32() for _ in range(reader.int16())]
        if name and name in self._statements:
            raise SqlError("42P05", f'prepared statement "{name}" already exists')
        statements = split_statements(query)
        if len(statements) > 1:
            raise SqlError("42601", "cannot insert multiple commands into a prepared statement")
        text = statements[0] if statements else ""
        self._runtime.record_statement(text)
        count = max(placeholder_count(text), len(oids))
        oids += [0] * (count - len(oids))
        self._statements[name] = PreparedStatement(text, oids)
        self._stream.write(pgwire.parse_complete())

    def _bind(self, reader: BodyReader) -> None:
        portal_name = reader.cstring()
        statement_name = reader.cstring()
        statement = self._statements.get(statement_name)
        if statement is None:
            raise SqlError("26000", f'unknown prepared statement "{statement_name}"')
        if portal_name and portal_name in self._portals:
            raise SqlError("42P03", f'portal "{portal_name}" already exists')

        parameter_codes = [reader.int16() for _ in range(reader.int16())]
        values: list[bytes | None] = []
        for _ in range(reader.int16()):
            length = reader.int32()
            values.append(None if length == -1 else reader.raw(length))
        result_codes = [reader.int16() for _ in range(reader.int16())]

        expected = len(statement.parameter_oids)
        if len(values) != expected:
            raise SqlError("08P01", f"expected {expected} arguments, got {len(values)}")
        codes = format_codes_for(parameter_codes, len(values), "parameter")
        literals = [
            parameter_literal(value, code, oid)
            for value, code, oid in zip(values, codes, statement.parameter_oids, strict=True)
        ]
        text = substitute_placeholders(statement.text, literals)
        self._portals[portal_name] = Portal(text, result_codes)
        self._stream.write(pgwire.bind_complete())

    def _describe(self, reader: BodyReader) -> None:
        kind = reader.byte()
        name = reader.cstring()
        if kind == b"S":
            statement = self._statements.get(name)
            if statement is None:
                raise SqlError("26000", f'unknown prepared statement "{name}"')
            oids = [oid or STRING.oid for oid in statement.parameter_oids]
            self._stream.write(pgwire.parameter_description(oids))
            result = self._plan(statement.text) if statement.text else None
            self._describe_result(result, [])
            return
        portal = self._portal(name)
        self._describe_result(self._portal_result(portal), portal.result_formats)

    def _describe_result(self, result: Result | None, codes: list[int]) -> None:
        if result is None or not result.returns_rows:
            self._stream.write(pgwire.no_data())
            return
        formats = format_codes_for(codes, len(result.columns), "result")
        columns = [(column.name, column.type) for column in result.columns]
        self._stream.write(pgwire.row_description(columns, formats))

    def _execute(self, reader: BodyReader) -> None:
        portal = self._portal(reader.cstring())
        max_rows = reader.int32()
        result = self._portal_result(portal)
        if result is None:
            self._stream.write(pgwire.empty_query_response())
            return
        if not portal.applied:
            portal.applied = True
            self._apply(result)
        formats = format_codes_for(portal.result_formats, len(result.columns), "result")
        portal.next_row = self._send_result(
            result, formats, max_rows, portal.next_row, describe=False
        )

    def _sync(self, reader: BodyReader) -> None:
        self._skipping_until_sync = False
        if self._session.transaction_status == IDLE:
            self._portals.clear()
        self._stream.write(pgwire.ready_for_query(self._session.transaction_status))
        self._stream.flush()

    def _flush(self, reader: BodyReader) -> None:
        self._stream.flush()

    def _close(self, reader: BodyReader) -> None:
        kind = reader.byte()
        name = reader.cstring()
        if kind == b"S":
            self._statements.pop(name, None)
        else:
            self._portals.pop(name, None)
        self._stream.write(pgwire.close_complete())

    def _portal(self, name: str) -> Portal:
        portal = self._portals.get(name)
        if portal is None:
            raise SqlError("34000", f'unknown portal "{name}"')
        return portal

    def _portal_result(self, portal: Portal) -> Result | None:
        if not portal.text:
            return None
        if portal.result is None:
            portal.result = self._plan(portal.text)
        return portal.result

    def _plan(self, text: str) -> Result:
        return self._runtime.executor.execute(text, self._session)

    # Results.

    def _apply(self, result: Result) -> None:
        """Apply the session side effects of a statement that runs."""
        session = self._session
        if result.transaction == BEGIN:
            session.transaction_status = IN_TRANSACTION
        elif result.transaction in (COMMIT, ROLLBACK):
            session.transaction_status = IDLE
        for name, value in result.variable_updates:
            session.variables[name] = value
            status_name = VARIABLES[name].status_name
            if status_name is not None:
                self._stream.write(pgwire.parameter_status(status_name, value))

    def _send_result(
        self,
        result: Result,
        formats: list[int],
        max_rows: int,
        start: int,
        *,
        describe: bool = True,
    ) -> int:
        """Send rows from `start`; return the index of the next unsent row.

        The simple protocol sends RowDescription itself (`describe`); the
        extended protocol sends it only in response to Describe.
        """
        if result.returns_rows:
            formats = formats or [pgwire.TEXT_FORMAT] * len(result.columns)
            if describe:
                columns = [(column.name, column.type) for column in result.columns]
                self._stream.write(pgwire.row_description(columns, formats))
            end = len(result.rows) if max_rows <= 0 else min(len(result.rows), start + max_rows)
            for row in result.rows[start:end]:
                self._stream.write(pgwire.data_row(_encode_row(result, row, formats)))
            if end < len(result.rows):
                self._stream.write(pgwire.portal_suspended())
                return end
            row_count = end - start
        else:
            end = row_count = 0
        for notice in result.notices:
            self._stream.write(pgwire.notice_response(notice))
        self._stream.write(pgwire.command_complete(result.command_tag(row_count)))
        return end


def _encode_row(result: Result, row: tuple[object, ...], formats: list[int]) -> list[bytes | None]:
    encoded: list[bytes | None] = []
    for column, value, format_code in zip(result.columns, row, formats, strict=True):
        if value is None:
            encoded.append(None)
        elif format_code == pgwire.BINARY_FORMAT:
            encoded.append(encode_binary(column.type, value))
        else:
            encoded.append(encode_text(column.type, value))
    return encoded
