"""A small shop: categories and products (FK, unique, indexes, Decimal/Boolean/Text/DateTime)."""

from __future__ import annotations

from django.db import models  # type: ignore[import-untyped,unused-ignore]


class Category(models.Model):  # type: ignore[misc]  # Django ships no type stubs
    name = models.CharField(max_length=50, unique=True)

    def __str__(self) -> str:
        return str(self.name)


class Product(models.Model):  # type: ignore[misc]
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    in_stock = models.BooleanField(default=True)
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["category", "price"], name="shop_cat_price_idx")]

    def __str__(self) -> str:
        return str(self.sku)
