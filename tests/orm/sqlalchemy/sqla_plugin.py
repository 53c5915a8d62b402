"""SQLAlchemy's own pytest plugin, as its "Dialect Test Suite" README prescribes for a conftest.

Loaded with ``-p sqla_plugin`` by ``tools/run_sqlalchemy_suite.py`` (which starts edb-proxy and
passes ``--dburi``) rather than as a conftest.py, so the repository's default test run never
imports SQLAlchemy. This directory has its own pytest.ini (the repository's settings do not
apply), and the suite module is ``sqla_suite.py`` (not collected by the default run).
"""

import pytest
from sqlalchemy.dialects import registry  # noqa: F401  (the plugin expects it imported)

pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402, F403
