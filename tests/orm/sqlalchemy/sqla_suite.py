"""SQLAlchemy's dialect compliance suite, collected unchanged from the installed package."""

from sqlalchemy.testing.suite import *  # noqa: F403
