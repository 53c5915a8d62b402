"""Uniform adapters over the real MySQL clients the product supports.

Each adapter connects over verified TLS (server CA from the data dir) as a password user or as
the X.509 user, and offers ``query(sql, params) -> rows``, ``commit``, ``rollback``, ``close``
and ``errno(exc)``. Nothing here fakes a server or a client.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import subprocess
import warnings
from collections.abc import Sequence
from typing import Any

from tests.integration.harness import ServerInfo

Row = tuple[Any, ...]


class ClientError(Exception):
    def __init__(self, errno: int, sqlstate: str | None, message: str) -> None:
        super().__init__(f"{errno} ({sqlstate}): {message}")
        self.errno = errno
        self.sqlstate = sqlstate


class Client:
    name = "base"
    server_side_prepared = False

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        raise NotImplementedError

    def commit(self) -> None:
        self.query("COMMIT")

    def rollback(self) -> None:
        self.query("ROLLBACK")

    def close(self) -> None:
        raise NotImplementedError


def _ssl_context(info: ServerInfo, x509: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(info.server_ca))
    if x509:
        ctx.load_cert_chain(str(info.client_cert), str(info.client_key))
    return ctx


class PyMySQLClient(Client):
    name = "pymysql"

    def __init__(self, info: ServerInfo, user: str, password: str, x509: bool, db: str) -> None:
        import pymysql

        self._mod = pymysql
        kwargs: dict[str, Any] = {
            "ssl_ca": str(info.server_ca),
            "ssl_verify_cert": True,
            "ssl_verify_identity": True,
        }
        if x509:
            kwargs |= {"ssl_cert": str(info.client_cert), "ssl_key": str(info.client_key)}
        try:
            self.conn = pymysql.connect(
                host=info.host,
                port=info.port,
                user=user,
                password=password,
                database=db,
                autocommit=True,
                **kwargs,
            )
        except pymysql.err.MySQLError as exc:
            raise _wrap(exc) from None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
        except self._mod.err.MySQLError as exc:
            raise _wrap(exc) from None

    def close(self) -> None:
        self.conn.close()


def _wrap(exc: BaseException) -> ClientError:
    args = getattr(exc, "args", ())
    errno = getattr(exc, "errno", None)
    if not isinstance(errno, int) or errno < 0:
        errno = args[0] if args and isinstance(args[0], int) else -1
    sqlstate = getattr(exc, "sqlstate", None)
    msg = getattr(exc, "msg", None) or (args[1] if len(args) > 1 else str(exc))
    return ClientError(int(errno), sqlstate, str(msg))


class AioMySQLClient(Client):
    name = "aiomysql"

    def __init__(self, info: ServerInfo, user: str, password: str, x509: bool, db: str) -> None:
        import aiomysql
        import pymysql

        self._err = pymysql.err.MySQLError
        self.loop = asyncio.new_event_loop()
        try:
            self.conn = self.loop.run_until_complete(
                aiomysql.connect(
                    host=info.host,
                    port=info.port,
                    user=user,
                    password=password,
                    db=db,
                    ssl=_ssl_context(info, x509),
                    autocommit=True,
                )
            )
        except self._err as exc:
            self.loop.close()
            raise _wrap(exc) from None

    async def _query(self, sql: str, params: Sequence[Any] | None) -> list[Row]:
        async with self.conn.cursor() as cur:
            await cur.execute(sql, params)
            return list(await cur.fetchall()) if cur.description else []

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        try:
            with warnings.catch_warnings():
                # aiomysql turns server notes (e.g. DROP TABLE IF EXISTS) into Python warnings.
                warnings.simplefilter("ignore")
                return self.loop.run_until_complete(self._query(sql, params))
        except self._err as exc:
            raise _wrap(exc) from None

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.ensure_closed())
        self.loop.run_until_complete(asyncio.sleep(0.01))  # let the transport finish closing
        self.loop.close()


class ConnectorClient(Client):
    """mysql-connector-python; ``prepared=True`` uses server-side prepared statements."""

    server_side_prepared = True

    def __init__(
        self, info: ServerInfo, user: str, password: str, x509: bool, db: str, *, pure: bool
    ) -> None:
        import mysql.connector

        self.name = "connector-pure" if pure else "connector-cext"
        self._err = mysql.connector.Error
        kwargs: dict[str, Any] = {"ssl_ca": str(info.server_ca), "ssl_verify_cert": True}
        if x509:
            kwargs |= {"ssl_cert": str(info.client_cert), "ssl_key": str(info.client_key)}
        try:
            self.conn = mysql.connector.connect(
                host=info.host,
                port=info.port,
                user=user,
                password=password,
                database=db,
                use_pure=pure,
                autocommit=True,
                **kwargs,
            )
        except self._err as exc:
            raise _wrap(exc) from None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        try:
            cur = self.conn.cursor(prepared=params is not None)
            try:
                cur.execute(sql, tuple(params) if params is not None else None)
                return [tuple(r) for r in cur.fetchall()] if cur.description else []
            finally:
                cur.close()
        except self._err as exc:
            raise _wrap(exc) from None

    def close(self) -> None:
        self.conn.close()


class MySQLdbClient(Client):
    name = "mysqlclient"

    def __init__(self, info: ServerInfo, user: str, password: str, x509: bool, db: str) -> None:
        import MySQLdb

        self._err = MySQLdb.MySQLError
        ssl_opts = {"ca": str(info.server_ca)}
        if x509:
            ssl_opts |= {"cert": str(info.client_cert), "key": str(info.client_key)}
        try:
            self.conn = MySQLdb.connect(
                host=info.host,
                port=info.port,
                user=user,
                password=password,
                database=db,
                ssl=ssl_opts,
                autocommit=True,
            )
        except self._err as exc:
            raise _wrap(exc) from None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        try:
            cur = self.conn.cursor()
            try:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
            finally:
                cur.close()
        except self._err as exc:
            raise _wrap(exc) from None

    def close(self) -> None:
        self.conn.close()


class MySQLCLIClient(Client):
    """The Debian ``mysql`` command (MariaDB client); one process per statement batch."""

    name = "mysql-cli"

    def __init__(self, info: ServerInfo, user: str, password: str, x509: bool, db: str) -> None:
        self.base = [
            "mysql",
            "-h",
            info.host,
            "-P",
            str(info.port),
            "-u",
            user,
            "--batch",
            "--skip-column-names",
            "--ssl-verify-server-cert",
            f"--ssl-ca={info.server_ca}",
        ]
        if password:
            self.base.append(f"--password={password}")
        if x509:
            self.base += [f"--ssl-cert={info.client_cert}", f"--ssl-key={info.client_key}"]
        self.db = db
        self.pending: list[str] = []
        self.query("SELECT 1")

    def run(self, script: str) -> list[Row]:
        proc = subprocess.run(
            [*self.base, self.db], input=script.encode(), capture_output=True, timeout=60
        )
        stdout = proc.stdout.decode("utf-8", "surrogateescape")
        stderr = proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            match = re.search(r"ERROR (\d+) \((\w+)\)", stderr)
            if match:
                raise ClientError(int(match.group(1)), match.group(2), stderr.strip())
            raise ClientError(-1, None, stderr.strip())
        return [tuple(line.split("\t")) for line in stdout.splitlines()]

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
        assert params is None, "the CLI takes literal SQL"
        return self.run(sql.rstrip(";") + ";\n")

    def close(self) -> None:
        pass


def connector_cext_available() -> bool:
    try:
        import mysql.connector

        return bool(getattr(mysql.connector, "HAVE_CEXT", False))
    except ImportError:
        return False


CLIENT_NAMES = [
    "pymysql",
    "aiomysql",
    "connector-pure",
    "connector-cext",
    "mysqlclient",
    "mysql-cli",
]


def connect(
    name: str, info: ServerInfo, user: str, password: str, *, x509: bool = False, db: str = "app"
) -> Client:
    if name == "pymysql":
        return PyMySQLClient(info, user, password, x509, db)
    if name == "aiomysql":
        return AioMySQLClient(info, user, password, x509, db)
    if name == "connector-pure":
        return ConnectorClient(info, user, password, x509, db, pure=True)
    if name == "connector-cext":
        return ConnectorClient(info, user, password, x509, db, pure=False)
    if name == "mysqlclient":
        return MySQLdbClient(info, user, password, x509, db)
    if name == "mysql-cli":
        return MySQLCLIClient(info, user, password, x509, db)
    raise ValueError(name)
