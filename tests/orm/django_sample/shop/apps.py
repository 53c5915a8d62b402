from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped,unused-ignore]


class ShopConfig(AppConfig):  # type: ignore[misc]
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"
