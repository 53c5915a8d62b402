"""Run the Django sample project (tests/orm/django_sample) against a real edb-proxy over TLS.

Usage: .venv/bin/python tools/run_django_sample.py [--json PATH]

Starts edb-proxy (database ``django_sample``, user ``django``), points Django's MySQL backend
(mysqlclient) at it with ``OPTIONS['ssl']['ca']`` = the server's instance CA, then runs each step
and reports pass/fail per step: connect, migrate, create, query, update, delete, aggregates,
transaction (commit and rollback), unique violation, inspectdb. Steps run in order; a failing
step is reported with its exception and the run continues.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from _orm_server import REPO, orm_server

SAMPLE = REPO / "tests" / "orm" / "django_sample"
USER, PASSWORD, DB = "django", "Django-Pw-1", "django_sample"


def _steps() -> list[tuple[str, Callable[[], str]]]:
    # Django modules can only be imported after django.setup() (run_steps) configured them.
    from django.core.management import call_command  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415
    from django.db import IntegrityError, connection, transaction  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415
    from django.db.models import Avg, Count, Max, Sum  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415
    from shop.models import Category, Product  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415

    now = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)

    def connect() -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
        return f"server {row[0]}"

    def migrate() -> str:
        out = io.StringIO()
        call_command("migrate", interactive=False, verbosity=1, stdout=out)
        applied = out.getvalue().count(" OK")
        assert applied > 0, out.getvalue()
        return f"{applied} migrations applied"

    def create() -> str:
        tools = Category.objects.create(name="tools")
        toys = Category.objects.create(name="toys")
        Product.objects.create(
            category=tools, sku="T-1", title="hammer", price=Decimal("12.50"), created=now
        )
        Product.objects.create(
            category=tools,
            sku="T-2",
            title="saw",
            price=Decimal("20.25"),
            in_stock=False,
            description="a long\ntext",
            created=now,
        )
        Product.objects.bulk_create(
            [
                Product(
                    category=toys, sku=f"Y-{i}", title=f"toy {i}", price=Decimal(i), created=now
                )
                for i in range(1, 6)
            ]
        )
        assert Product.objects.count() == 7
        return "2 categories, 7 products"

    def query() -> str:
        saw = Product.objects.select_related("category").get(sku="T-2")
        assert saw.category.name == "tools" and saw.in_stock is False
        assert saw.price == Decimal("20.25") and saw.created == now, (saw.price, saw.created)
        assert saw.description == "a long\ntext"
        cheap = list(
            Product.objects.filter(price__lt=3).order_by("sku").values_list("sku", flat=True)
        )
        assert cheap == ["Y-1", "Y-2"], cheap
        names = list(
            Category.objects.filter(products__in_stock=False)
            .distinct()
            .values_list("name", flat=True)
        )
        assert names == ["tools"], names
        assert Product.objects.filter(title__icontains="TOY").count() == 5
        return "get, filter, join, icontains"

    def update() -> str:
        n = Product.objects.filter(category__name="toys").update(in_stock=False)
        assert n == 5, n
        p = Product.objects.get(sku="T-1")
        p.price = Decimal("13.75")
        p.save()
        assert Product.objects.get(sku="T-1").price == Decimal("13.75")
        return f"bulk update {n} rows, save()"

    def delete() -> str:
        deleted, _ = Product.objects.filter(sku="Y-5").delete()
        assert deleted == 1
        assert Product.objects.count() == 6
        return "1 row deleted"

    def aggregates() -> str:
        agg = Product.objects.aggregate(total=Sum("price"), top=Max("price"), avg=Avg("price"))
        assert agg["total"] == Decimal("44.00"), agg
        assert agg["top"] == Decimal("20.25"), agg
        per = dict(Category.objects.annotate(n=Count("products")).values_list("name", "n"))
        assert per == {"tools": 2, "toys": 4}, per
        return f"sum {agg['total']}, max {agg['top']}, per-category counts"

    def transactions() -> str:
        with transaction.atomic():
            Category.objects.create(name="garden")
        try:
            with transaction.atomic():
                Category.objects.create(name="books")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        assert Category.objects.filter(name="garden").exists()
        assert not Category.objects.filter(name="books").exists()
        with transaction.atomic():
            Category.objects.create(name="music")
            try:
                with transaction.atomic():  # a savepoint
                    Category.objects.create(name="music")
            except IntegrityError:
                pass
        assert Category.objects.filter(name="music").count() == 1
        return "commit, rollback, savepoint rollback"

    def unique_violation() -> str:
        try:
            Category.objects.create(name="tools")
        except IntegrityError as exc:
            return f"IntegrityError {exc.args[0]}"
        raise AssertionError("duplicate name was accepted")

    def inspectdb() -> str:
        out = io.StringIO()
        call_command("inspectdb", "shop_category", "shop_product", stdout=out)
        text = out.getvalue()
        for needle in ("class ShopProduct", "ShopCategory, models.DO_NOTHING", "DecimalField"):
            assert needle in text, f"{needle!r} missing from inspectdb output:\n{text}"
        return f"{len(text.splitlines())} lines of models"

    return [
        ("connect", connect),
        ("migrate", migrate),
        ("create", create),
        ("query", query),
        ("update", update),
        ("delete", delete),
        ("aggregates", aggregates),
        ("transaction", transactions),
        ("unique violation", unique_violation),
        ("inspectdb", inspectdb),
    ]


def _bypass_tz_probe() -> None:
    """Diagnostic only: answer Django's server probe without its CONVERT_TZ column.

    Django's MySQL backend asks ``CONVERT_TZ('2001-01-01 01:00:00', 'UTC', 'UTC') IS NOT NULL``
    on its first connection; when the server rejects CONVERT_TZ nothing else can run. With
    ``--bypass-tz-probe`` the same probe minus that column is run and its answer cached, so the
    remaining steps show what fails next. Results of such a run are labelled as diagnostic.
    """
    from django.db import connections  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    wrapper = connections["default"]
    settings = wrapper.get_connection_params()
    raw = wrapper.Database.connect(**settings)
    try:
        cur = raw.cursor()
        cur.execute(
            "SELECT VERSION(), @@sql_mode, @@default_storage_engine, @@sql_auto_is_null, "
            "@@lower_case_table_names"
        )
        row = cur.fetchone()
    finally:
        raw.close()
    wrapper.__dict__["mysql_server_data"] = {
        "version": row[0],
        "sql_mode": row[1],
        "default_storage_engine": row[2],
        "sql_auto_is_null": bool(row[3]),
        "lower_case_table_names": bool(row[4]),
        "has_zoneinfo_database": False,
    }


def run_steps(*, bypass_tz_probe: bool = False) -> list[dict[str, Any]]:
    import django  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415 - optional dependency, only needed for this run

    sys.path.insert(0, str(SAMPLE))
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    django.setup()
    results = []
    if bypass_tz_probe:
        try:
            _bypass_tz_probe()
            results.append({"step": "bypass tz probe", "ok": True, "detail": "diagnostic run"})
        except Exception as exc:  # noqa: BLE001
            detail = traceback.format_exception_only(exc)[-1].strip()[:300]
            results.append({"step": "bypass tz probe", "ok": False, "detail": detail})
    for name, step in _steps():
        try:
            detail = step()
            results.append({"step": name, "ok": True, "detail": detail})
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then we go on
            last = traceback.format_exception_only(exc)[-1].strip()
            results.append({"step": name, "ok": False, "detail": last[:300]})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--bypass-tz-probe",
        action="store_true",
        help="diagnostic: skip Django's CONVERT_TZ server probe to see what fails next",
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="django-edb-") as tmp_name,
        orm_server(Path(tmp_name), user=USER, password=PASSWORD, databases=[DB]) as info,
    ):
        os.environ.update(
            EDB_DJANGO_DB=DB,
            EDB_DJANGO_USER=USER,
            EDB_DJANGO_PASSWORD=PASSWORD,
            EDB_DJANGO_HOST=info.host,
            EDB_DJANGO_PORT=str(info.port),
            EDB_DJANGO_CA=str(info.server_ca),
        )
        results = run_steps(bypass_tz_probe=args.bypass_tz_probe)
        from django.db import connection  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415 - after django.setup()

        connection.close()
    import django  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415

    for r in results:
        print(f"{'PASS' if r['ok'] else 'FAIL'}  {r['step']:<17} {r['detail']}")
    passed = sum(r["ok"] for r in results)
    print(f"Django {django.get_version()}: {passed}/{len(results)} steps passed")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
