"""Finance: a 200,000-finding file checked and kept, and its findings report page.

Every line of the file is wrong in one of five ways (an unknown code, a code that is no
budget code, an amount that is no number, a negative amount, a formula in the
denomination). The upload is checked and its findings kept, with the cap per check
(``FINANCE_FINDINGS_PER_RULE``) and without it (every finding in ``Upload.findings``),
and the report page is timed at its first page and a later one.
"""

import csv
import io
import json

from . import common

FAULTS = (
    lambda i: ["4.99.99.99.00", "Código inexistente", "100,00"],  # FIN-003
    lambda i: ["4.01.01.01.00", "Sueldos", f"cien{i}"],  # FIN-006
    lambda i: ["4.02.01.01.00", "Alimentos", "-5,00"],  # FIN-007
    lambda i: ["4.03.04.01.00", '=HYPERLINK("http://x.example")', "10,00"],  # FIN-017
    lambda i: [f"x.{i}", "Código mal escrito", "10,00"],  # FIN-004
)


def build_file(lines):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Programa", "Código", "Denominación", "Causado"])
    for index in range(lines):
        writer.writerow([f"{index:06d}", *FAULTS[index % len(FAULTS)](index)])
    return buffer.getvalue().encode("utf-8")


def run(total=200_000, repeat=5):
    common.fresh_database()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from agreements.models import Municipality
    from finance import services
    from finance.models import Submission, Upload

    settings.DEBUG = False
    settings.FINANCE_MAX_UPLOAD_SIZE = 500 * 1024 * 1024
    officer = User.objects.create_user("bench", password="x", is_superuser=True)
    municipality = Municipality.objects.order_by("code").first()
    period = services.open_period(2026, 1, start_processes=False)
    data = build_file(total)
    client = Client()
    client.force_login(officer)
    figures, rows = {}, []

    for label, cap in (("capped", 1000), ("uncapped", 0)):
        settings.FINANCE_FINDINGS_PER_RULE = cap
        uploads = []

        def once(uploads=uploads):
            version = Submission.objects.filter(municipality=municipality).count() + 1
            submission = Submission.objects.create(
                municipality=municipality, period=period, version=version
            )
            upload = services.receive_upload(
                submission, officer, "errores.csv", data, background=False
            )
            assert upload.result == Upload.Result.REJECTED
            uploads.append(upload)

        check = common.measure(once, repeat=max(1, repeat // 2))
        upload = Upload.objects.get(pk=uploads[-1].pk)
        kept = len(upload.findings)
        counted = kept + sum(group["more"] for group in upload.findings_counts.values())
        stored_mb = round(len(json.dumps(upload.findings).encode()) / 1e6, 1)
        url = reverse("finance:upload_findings", args=[upload.pk])
        last_page = max(1, -(-kept // 100))
        later = max(1, last_page * 4 // 5)

        def page(number, url=url):
            def get():
                response = client.get(f"{url}?page={number}")
                assert response.status_code == 200 and b"findings-page" in response.content

            return get

        page(1)()  # warm-up: templates, translations
        first = common.measure(page(1), repeat=repeat * 2)
        deep = common.measure(page(later), repeat=repeat * 2)
        html_kb = round(len(client.get(f"{url}?page=1").content) / 1024)
        figures[label] = {
            "lines": total,
            "bytes": len(data),
            "findings": counted,
            "kept": kept,
            "stored_json_mb": stored_mb,
            "check": check,
            "page_1": first,
            f"page_{later}": deep,
            "page_kb": html_kb,
        }
        name = f"cap {cap:,}" if cap else "no cap"
        rows.append(
            (
                f"check {total:,} faulty lines ({name})",
                check["median_s"],
                check["p95_s"],
                f"{counted:,} / {kept:,}",
                f"{stored_mb} MB",
                check["queries"],
            )
        )
        for number, figure in ((1, first), (later, deep)):
            rows.append(
                (
                    f"  report page {number} of {last_page}",
                    figure["median_s"],
                    figure["p95_s"],
                    "",
                    f"{html_kb} KB",
                    figure["queries"],
                )
            )
    figures["peak_rss_mb"] = common.peak_rss_mb()
    common.table(rows, ["measure", "median s", "p95 s", "found / kept", "size", "queries"])
    print(f"peak RSS {figures['peak_rss_mb']} MB")
    common.write("finance_findings", figures)
    common.drop_database()
    return figures
