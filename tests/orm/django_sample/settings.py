"""Settings of the Django sample run against edb-proxy (see tools/run_django_sample.py).

Connection details come from the environment so the runner can point them at a fresh server.
"""

from __future__ import annotations

import os

SECRET_KEY = "edb-proxy-django-sample-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("EDB_DJANGO_DB", "django_sample"),
        "USER": os.environ.get("EDB_DJANGO_USER", "django"),
        "PASSWORD": os.environ.get("EDB_DJANGO_PASSWORD", ""),
        "HOST": os.environ.get("EDB_DJANGO_HOST", "127.0.0.1"),
        "PORT": os.environ.get("EDB_DJANGO_PORT", "3306"),
        "OPTIONS": {
            "charset": "utf8mb4",
            "ssl": {"ca": os.environ.get("EDB_DJANGO_CA", "")},
        },
    }
}
