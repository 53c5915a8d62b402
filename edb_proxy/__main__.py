"""``python -m edb_proxy`` runs the command-line interface."""

from edb_proxy.server.cli import main

raise SystemExit(main())
