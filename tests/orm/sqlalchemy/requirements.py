"""Which optional SQLAlchemy suite features apply to a MySQL 8.0 server (edb-proxy claims
8.0.36). Written for this project from MySQL's documented feature set; everything not named
here keeps SQLAlchemy's conservative default."""

from typing import Any

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

# SQLAlchemy's testing helpers are untyped; name them once with an explicit Any.
_open: Any = exclusions.open
_closed: Any = exclusions.closed


class Requirements(SuiteRequirements):
    @property
    def schemas(self) -> Any:
        # MySQL "schemas" are databases; the runner creates test_schema and test_schema_2.
        return _open()

    @property
    def ctes(self) -> Any:
        return _open()

    @property
    def window_functions(self) -> Any:
        return _open()

    @property
    def json_type(self) -> Any:
        return _open()

    @property
    def views(self) -> Any:
        return _open()

    @property
    def foreign_key_constraint_reflection(self) -> Any:
        return _open()

    @property
    def datetime_microseconds(self) -> Any:
        return _open()

    @property
    def time_microseconds(self) -> Any:
        return _open()

    @property
    def autoincrement_without_sequence(self) -> Any:
        return _open()

    @property
    def precision_numerics_general(self) -> Any:
        return _open()

    @property
    def savepoints(self) -> Any:
        return _open()

    @property
    def sequences(self) -> Any:
        return _closed()
