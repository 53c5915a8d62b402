"""Django's command-line entry point for the sample project."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import (  # type: ignore[import-untyped,unused-ignore]
        execute_from_command_line,
    )

    execute_from_command_line(sys.argv)
