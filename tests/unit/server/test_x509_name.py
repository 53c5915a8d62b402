"""Certificate names are formatted the way MySQL's REQUIRE SUBJECT/ISSUER compares them."""

from __future__ import annotations

from edb_proxy.server.auth import x509_name


def test_getpeercert_subject_formats_like_openssl_oneline() -> None:
    subject = (
        (("countryName", "DE"),),
        (("organizationName", "Example"),),
        (("commonName", "alice"),),
    )
    assert x509_name(subject) == "/C=DE/O=Example/CN=alice"


def test_missing_name_is_empty() -> None:
    assert x509_name(None) == ""
