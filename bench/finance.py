"""Finance: validate and store submissions, against a raw COPY; the comparison page.

Targets (issue 6): a 2,000-line submission checked and stored in under 1 s, a
200,000-line file in under 20 s (reported as a ratio to a raw COPY of the same
rows), and the comparison page over 335 municipalities x 40 periods under 200 ms.
"""

import csv
import io
import time
from decimal import Decimal

from . import common

SMALL, LARGE = 2_000, 200_000


def leaf_codes():
    from finance.models import ClassifierEntry

    codes = list(ClassifierEntry.objects.values_list("code", flat=True))
    parents = {ClassifierEntry.parent_code(code) for code in codes}
    return [code for code in codes if code not in parents]


def build_file(lines):
    """A consistent quarterly CSV in Spanish format, ``lines`` long, over several programmes.

    Each programme reports every classifier code, parents summed from the leaves,
    so that every check (sums included) has work to do.
    """
    from finance.demo import spanish, with_parents

    leaves = leaf_codes()
    revenue = [c for c in leaves if c.startswith("3")]
    spending = [c for c in leaves if c.startswith("4")]
    amounts = {
        code: {
            "initial": Decimal("1000.00"),
            "modified": Decimal("1100.00"),
            "committed": Decimal("600.00"),
            "caused": Decimal("500.00"),
            "paid": Decimal("400.00"),
        }
        for code in spending
    }
    total = Decimal("1000.00") * len(spending)
    for code in revenue:  # the same total on both sides, so that the budget balances
        share = total if code == revenue[0] else Decimal(0)
        amounts[code] = {"estimated": share, "liquidated": share / 2, "collected": share / 4}
    block = with_parents(amounts)
    stages = ["initial", "modified", "committed", "caused", "paid"]
    stages += ["estimated", "liquidated", "collected"]
    rendered = [
        [code] + [spanish(block[code][s]) if s in block[code] else "" for s in stages]
        for code in sorted(block)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        ["Programa", "Código", "Presupuesto inicial", "Presupuesto modificado", "Comprometido"]
        + ["Causado", "Pagado", "Estimado", "Liquidado", "Recaudado"]
    )
    programmes = max(1, round(lines / len(rendered)))
    for index in range(programmes):
        program = f"{index // 100:02d}.{index % 100:02d}.00.51"
        for row in rendered:
            writer.writerow([program, *row])
    return buffer.getvalue().encode("cp1252"), programmes * len(rendered)


def run(total=LARGE, repeat=5):
    common.fresh_database()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from agreements.models import Municipality
    from finance import services
    from finance.models import Line, Submission, Upload

    settings.DEBUG = False
    settings.FINANCE_MAX_UPLOAD_SIZE = 500 * 1024 * 1024
    officer = User.objects.create_user("bench", password="x", is_superuser=True)
    municipality = Municipality.objects.order_by("code").first()
    period = services.open_period(2026, 1, start_processes=False)

    def submission():
        version = Submission.objects.filter(municipality=municipality, period=period).count() + 1
        return Submission.objects.create(municipality=municipality, period=period, version=version)

    figures = {}
    rows = []
    for label, lines in (("small", SMALL), ("large", int(total))):
        data, count = build_file(lines)
        results = []

        def once(data=data, results=results):
            upload = services.receive_upload(
                submission(), officer, "datos.csv", data, background=False
            )
            assert upload.result == Upload.Result.ACCEPTED, upload.findings[:3]
            results.append(upload)

        runs = repeat if label == "small" else max(2, repeat // 2)
        if label == "small":
            once()  # warm-up: imports, the classifier's first read
        figure = common.measure(once, repeat=runs)
        figure["lines"] = count
        figure["bytes"] = len(data)

        # Baseline: the same rows, already parsed, sent by a raw COPY.
        stored = list(
            Line.objects.filter(submission=results[-1].submission).values_list(
                "program",
                "code",
                "row",
                "initial",
                "modified",
                "committed",
                "caused",
                "paid",
                "estimated",
                "liquidated",
                "collected",
            )
        )
        copy_times = []
        for _ in range(runs):
            target = submission()
            with transaction.atomic():
                start = time.perf_counter()
                with connection.cursor() as cursor:
                    with cursor.cursor.copy(
                        "COPY finance_line (submission_id, program, code, row, initial, modified, "
                        "committed, caused, paid, estimated, liquidated, collected) FROM STDIN"
                    ) as copy:
                        for row in stored:
                            copy.write_row((target.pk, *row))
                copy_times.append(time.perf_counter() - start)
        copy_times.sort()
        figure["raw_copy_median_s"] = round(copy_times[len(copy_times) // 2], 4)
        figure["ratio_to_copy"] = round(figure["median_s"] / figure["raw_copy_median_s"], 1)
        figures[label] = figure
        rows.append(
            (
                f"check and store {count:,} lines",
                figure["median_s"],
                figure["p95_s"],
                figure["raw_copy_median_s"],
                f"{figure['ratio_to_copy']}x",
                figure["queries"],
            )
        )

    figures["compare"] = compare_page(repeat=20)
    rows.append(
        (
            "comparison page, 335 x 40 periods",
            figures["compare"]["median_s"],
            figures["compare"]["p95_s"],
            "",
            "",
            figures["compare"]["queries"],
        )
    )
    figures["peak_rss_mb"] = common.peak_rss_mb()
    common.table(rows, ["measure", "median s", "p95 s", "raw COPY s", "ratio", "queries"])
    print(f"peak RSS {figures['peak_rss_mb']} MB")
    common.write("finance", figures)
    common.drop_database()
    return figures


def compare_page(repeat=20, periods=40):
    """Published indicators for every municipality over ``periods`` quarters, by SQL."""
    from django.db import connection
    from django.test import Client

    from finance.indicators import INDICATORS
    from finance.models import FiscalPeriod

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM finance_currency ORDER BY valid_from DESC LIMIT 1")
        currency = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO finance_fiscalperiod (year, quarter, currency_id, opens_on, deadline,
                state, created)
            SELECT 2010 + g / 4, 1 + g %% 4, %s, make_date(2010 + g / 4, 1, 1),
                   make_date(2010 + g / 4, 2, 1), 'closed', now()
            FROM generate_series(0, %s - 1) g
            ON CONFLICT DO NOTHING
            """,
            [currency, periods],
        )
        cursor.execute(
            """
            INSERT INTO finance_submission (municipality_id, period_id, version, state,
                checks_run, checks_failed, justification, review_comment, created, quality)
            SELECT m.id, p.id, 1, 'published', 100, 2, '', '', now(), 0.98
            FROM agreements_municipality m CROSS JOIN finance_fiscalperiod p
            WHERE NOT EXISTS (SELECT 1 FROM finance_submission s
                              WHERE s.municipality_id = m.id AND s.period_id = p.id)
            """
        )
        keys = [indicator.key for indicator in INDICATORS]
        cursor.execute(
            """
            INSERT INTO finance_indicatorvalue (submission_id, municipality_id, period_id,
                indicator, value)
            SELECT s.id, s.municipality_id, s.period_id, k, random()
            FROM finance_submission s CROSS JOIN unnest(%s::text[]) k
            """,
            [keys],
        )
        cursor.execute("ANALYZE")
    period = FiscalPeriod.objects.order_by("-year", "-quarter").first()
    client = Client()
    url = f"/finance/compare/?period={period.pk}&indicator=fiscal_autonomy"

    def once():
        response = client.get(url)
        assert response.status_code == 200 and b"ranking" in response.content

    figure = common.measure(once, repeat=repeat)
    figure["municipalities"] = 335
    figure["periods"] = periods
    return figure
