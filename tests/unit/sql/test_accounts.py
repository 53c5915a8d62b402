"""Accounts: password hashing, CREATE/ALTER/DROP USER, GRANT/REVOKE, what is stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from edb_proxy.errors import AuthenticationError, SQLError
from edb_proxy.sql import Database, check_password, dummy_password_hash, hash_password
from tests.unit.sql.helpers import Client


def test_hash_format_and_check() -> None:
    h = hash_password("s3cret")
    scheme, iterations, salt, digest = h.split(b"$")
    assert scheme == b"pbkdf2-sha256" and int(iterations) >= 1000
    assert salt and digest
    assert hash_password("s3cret") != h  # salted
    check_password(h, b"s3cret")
    with pytest.raises(AuthenticationError) as info:
        check_password(h, b"wrong")
    assert info.value.errno == 1045
    for bad in (b"", b"garbage", b"md5$1$a$b", h.replace(b"5000", b"0")):
        with pytest.raises(AuthenticationError):
            check_password(bad, b"s3cret")


def test_dummy_hash_is_valid_and_unguessable() -> None:
    dummy = dummy_password_hash()
    assert dummy.startswith(b"pbkdf2-sha256$")
    for guess in (b"", b"password", b"root"):
        with pytest.raises(AuthenticationError):
            check_password(dummy, guess)


def test_create_user_variants(client: Client, database: Database) -> None:
    client.ok("CREATE USER 'alice'@'%' IDENTIFIED BY 'pw1'")
    client.ok(
        "CREATE USER bob@localhost IDENTIFIED WITH mysql_native_password BY 'pw2' REQUIRE SSL"
    )
    client.ok(
        "CREATE USER 'carol' IDENTIFIED WITH caching_sha2_password BY 'pw3'"
        " REQUIRE ISSUER '/CN=ca' AND SUBJECT '/CN=carol'"
    )
    client.ok("CREATE USER 'dave' REQUIRE X509")
    alice = database.lookup_account("alice")
    assert alice is not None and alice.plugin == "caching_sha2_password"
    assert alice.native_stage2 == b"" and alice.has_password
    check_password(alice.password_hash, b"pw1")
    bob = database.lookup_account("bob")
    assert bob is not None and bob.plugin == "mysql_native_password" and bob.require_ssl
    assert bob.native_stage2 == hashlib.sha1(hashlib.sha1(b"pw2").digest()).digest()
    carol = database.lookup_account("carol")
    assert carol is not None and carol.require_x509
    assert (carol.x509_issuer, carol.x509_subject) == ("/CN=ca", "/CN=carol")
    dave = database.lookup_account("dave")
    assert dave is not None and dave.require_x509 and not dave.has_password
    assert database.lookup_account("nobody") is None


def test_user_errors(client: Client) -> None:
    client.ok("CREATE USER 'u' IDENTIFIED BY 'x'")
    assert client.error("CREATE USER 'u' IDENTIFIED BY 'y'").errno == 1396
    client.ok("CREATE USER IF NOT EXISTS 'u' IDENTIFIED BY 'y'")
    assert client.error("CREATE USER ''@'%' IDENTIFIED BY 'x'").errno == 1396
    assert client.error("CREATE USER 'e'").errno == 1396  # empty password refused
    assert client.error("CREATE USER 'e' IDENTIFIED BY ''").errno == 1396
    assert client.error("CREATE USER 'h'@'10.0.0.1' IDENTIFIED BY 'x'").errno == 1235
    assert client.error("CREATE USER 'p' IDENTIFIED WITH sha256_password BY 'x'").errno == 1251
    assert client.error("CREATE USER 'z' IDENTIFIED BY 'x' GARBAGE").errno == 1064
    assert client.error("DROP USER 'ghost'").errno == 1396
    client.ok("DROP USER IF EXISTS 'ghost'")


def test_alter_and_drop_user(client: Client, database: Database) -> None:
    client.ok("CREATE USER 'u' IDENTIFIED BY 'old'")
    client.ok("ALTER USER 'u'@'%' IDENTIFIED BY 'new'")
    account = database.lookup_account("u")
    assert account is not None
    check_password(account.password_hash, b"new")
    with pytest.raises(AuthenticationError):
        check_password(account.password_hash, b"old")
    client.ok("ALTER USER 'u' REQUIRE SSL")
    account = database.lookup_account("u")
    assert account is not None and account.require_ssl
    client.ok("DROP USER 'u'@'%'")
    assert database.lookup_account("u") is None


def test_grants_model(client: Client, database: Database) -> None:
    client.ok("CREATE USER 'g' IDENTIFIED BY 'x'")
    client.ok("GRANT SELECT ON *.* TO 'g'")
    client.ok("GRANT INSERT, UPDATE ON app.* TO 'g'@'%' WITH GRANT OPTION")
    client.ok("GRANT DELETE ON app.t TO 'g'")
    client.ok("GRANT ALL PRIVILEGES ON other.* TO 'g'")
    lines = client.rows("SHOW GRANTS FOR 'g'")
    assert lines == [
        ("GRANT SELECT ON *.* TO `g`@`%`",),
        ("GRANT INSERT, UPDATE ON `app`.* TO `g`@`%` WITH GRANT OPTION",),
        ("GRANT DELETE ON `app`.`t` TO `g`@`%`",),
        ("GRANT ALL PRIVILEGES ON `other`.* TO `g`@`%`",),
    ]
    client.ok("REVOKE UPDATE ON app.* FROM 'g'")
    client.ok("REVOKE ALL ON other.* FROM 'g'")
    account = database.lookup_account("g")
    assert account is not None
    assert account.grants == (
        "GRANT SELECT ON *.* TO `g`@`%`",
        "GRANT INSERT ON `app`.* TO `g`@`%` WITH GRANT OPTION",
        "GRANT DELETE ON `app`.`t` TO `g`@`%`",
    )
    assert client.error("GRANT SELECT ON app.* TO 'ghost'").errno == 1396
    assert client.error("GRANT FLY ON app.* TO 'g'").errno == 1064
    assert client.error("SHOW GRANTS FOR 'ghost'").errno == 1141


def test_no_plaintext_password_on_disk(db_path: Path) -> None:
    db = Database(db_path)
    password = "Plaintext-Canary-8d1f"
    db.initialize([f"CREATE USER 'canary' IDENTIFIED WITH mysql_native_password BY '{password}'"])
    db.close()
    for suffix in ("", "-wal", "-shm"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            assert password.encode() not in path.read_bytes()


def test_initialize_is_all_or_nothing(db_path: Path) -> None:
    db = Database(db_path)
    assert not db.is_initialized()
    manifest = [
        "CREATE DATABASE shop",
        "CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(10))",
        "INSERT INTO shop.items VALUES (1, 'x')",
        "CREATE USER 'app' IDENTIFIED BY 'pw'",
        "INSERT INTO shop.items VALUES (1, 'dup')",
    ]
    with pytest.raises(SQLError) as info:
        db.initialize(manifest)
    assert info.value.errno == 1062
    assert "#4" in info.value.message and "dup" not in info.value.message
    assert not db.is_initialized()
    assert db.lookup_account("app") is None
    assert not db.catalog.has_database("shop")
    db.initialize([*manifest[:-1], "GRANT SELECT ON shop.* TO app"])
    assert db.is_initialized()
    session = db.session(connection_id=1, user="app")
    assert Client(session).rows("SELECT name FROM shop.items") == [("x",)]
    session.close()
    with pytest.raises(SQLError):
        db.initialize([])
    db.close()
    reopened = Database(db_path)
    assert reopened.is_initialized() and reopened.lookup_account("app") is not None
    reopened.close()


def test_empty_passwords_when_allowed(db_path: Path) -> None:
    db = Database(db_path)
    db.initialize(["CREATE USER 'guest'"], allow_empty_passwords=True)
    account = db.lookup_account("guest")
    assert account is not None and not account.has_password and account.password_hash == b""
    assert db.allow_empty_passwords
    session = db.session(connection_id=1, user="root")
    Client(session).ok("CREATE USER 'guest2' IDENTIFIED BY ''")
    session.close()
    db.close()


def test_manifest_rejects_transaction_control(db_path: Path) -> None:
    db = Database(db_path)
    with pytest.raises(SQLError):
        db.initialize(["CREATE DATABASE a", "COMMIT"])
    assert not db.catalog.has_database("a")
    db.close()
