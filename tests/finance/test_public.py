"""Public finance pages and open-data downloads, as an anonymous visitor sees them.

Data is published through the services (upload, then each task of the flow), so
that the pages are tested against what the flow really stores. UI strings are not
asserted (the Spanish catalogue is not written yet): numbers in the es-ve format,
element ids, municipality names and file contents are.
"""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agreements.models import Municipality
from finance import exports, indicators, services, validation
from finance import views as finance_views
from finance.models import STAGES, Line, Submission, Upload
from tests.conftest import open_task
from workflows import services as tasks
from workflows.models import Process

from .conftest import HEADER, csv_bytes, quarter_amounts, quarter_file, submission_of, with_parents

CARACAS = ZoneInfo("America/Caracas")


# Helpers -------------------------------------------------------------------


def upload(municipality, period, officer, data=None, name="f.csv"):
    """Receive a file for the municipality's current submission; it must pass the checks."""
    submission = submission_of(municipality, period)
    received = services.receive_upload(
        submission, officer, name, data if data is not None else quarter_file()
    )
    assert received.result == Upload.Result.ACCEPTED, received.findings
    submission.refresh_from_db()
    return submission


def _finish(process, user, form):
    task = open_task(process)
    if task.owner_id != user.pk:
        tasks.claim(task, user)
    tasks.complete(task, user, form)


def submit(submission, officer, justification=""):
    _finish(Process.for_subject(submission), officer, {"justification": justification})
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    return submission


def publish(
    municipality,
    period,
    officer,
    facilitator,
    specialist,
    data=None,
    name="f.csv",
    justification="",
):
    """Upload, submit, recommend and approve: the submission ends published with indicators."""
    submission = upload(municipality, period, officer, data, name)
    submit(submission, officer, justification)
    process = Process.for_subject(submission)
    _finish(process, facilitator, {"decision": "approve", "comment": ""})
    _finish(process, specialist, {"decision": "approve", "comment": "", "line_comments": []})
    submission.refresh_from_db()
    assert submission.state == Submission.State.PUBLISHED
    return submission


def json_file(rows, program=""):
    """A JSON upload of ``rows`` (code -> stage amounts), amounts as strings like "1234.50"."""
    lines = []
    for code in sorted(rows):
        line = {"code": code, **{stage: f"{value:.2f}" for stage, value in rows[code].items()}}
        if program:
            line["program"] = program
        lines.append(line)
    return json.dumps({"lines": lines}).encode()


def other_amounts():
    """Member B's quarter: more own revenue collected, less situado, more spent on personnel.

    Own revenue collected 212,500 of 425,000 (fiscal autonomy 50 %, higher than A's
    42.5 %); personnel 412,500 of 687,500 caused (60 %, worse than A's 45 %).
    """
    leaves = quarter_amounts()
    for code in ("3.01.02.05.00", "3.01.02.07.00", "3.01.03.54.00"):
        leaves[code]["collected"] = leaves[code]["liquidated"]
    leaves["3.05.03.01.00"]["collected"] = Decimal("212500.00")
    leaves["4.01.01.01.00"].update(committed=Decimal("412500.00"), caused=Decimal("412500.00"))
    return with_parents(leaves)


def extra_member(region, period, population, index=1):
    """Another member municipality of ``region`` with its submission process started."""
    municipality = Municipality.objects.filter(region=region).order_by("code")[index]
    municipality.is_member = True
    municipality.population = population
    municipality.save(update_fields=["is_member", "population"])
    services.start_submission(municipality, period)
    return municipality


def section(html, element_id):
    """The HTML of the table with ``element_id`` (empty when there is none)."""
    match = re.search(rf'<table id="{element_id}">(.*?)</table>', html, re.S)
    return match.group(1) if match else ""


def ranking(client, **params):
    """(municipality code, shown value) in the order the compare page ranks them."""
    html = client.get(reverse("finance:compare"), params).content.decode()
    table = section(html, "ranking")
    return re.findall(
        r'href="/finance/municipalities/([^/]+)/">.*?<td class="num">([^<]*)</td></tr>', table
    )


def profile_cells(table):
    """Indicator key -> the value shown in the (single-period) profile table."""
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    keys = [indicator.key for indicator in indicators.INDICATORS]
    return dict(zip(keys, cells, strict=True))


def csv_rows(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    comment, _newline, table = text[1:].partition("\r\n")
    assert comment.startswith("# ")  # "data as of" (see test_downloads.py)
    return list(csv.reader(io.StringIO(table)))


# Profile -------------------------------------------------------------------


def test_profile_shows_indicators_in_es_ve_format_and_local_chartjs(
    client, period, member_a, member_b, officer_a, facilitator_a, specialist
):
    publish(member_a, period, officer_a, facilitator_a, specialist)

    response = client.get(reverse("finance:profile", args=[member_a.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert member_a.name in html
    table = section(html, "profile-table")
    # From the fixture quarter: own revenue 191,250 of 450,000 collected; 500,000 caused
    # of 2,000,000 modified; personnel 225,000; investment 175,000; debt 25,000;
    # current revenue 450,000 − current expenditure 300,000; population 100,000.
    expected = {
        "fiscal_autonomy": "42,5 %",
        "transfer_dependence": "57,5 %",
        "execution_rate": "25,0 %",
        "personnel_share": "45,0 %",
        "investment_share": "35,0 %",
        "spending_per_inhabitant": "5,00",
        "own_revenue_per_inhabitant": "1,91",
        "current_savings": "150.000,00",
        "fiscal_balance": "-50.000,00",
    }
    shown = profile_cells(table)
    del shown["debt_service_ratio"]  # see test_profile_rounds_rather_than_truncates
    assert shown == expected

    chart = json.loads(
        re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html).group(1)
    )
    with translation.override("es-ve"):
        label = str(period)
    assert chart["labels"] == [label]
    assert chart["series"]["fiscal_autonomy"] == [0.425]
    assert chart["revenue"] == [450000.0]
    assert chart["expenditure"] == [500000.0]

    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert "/static/vendor/chartjs/chart.umd.min.js" in sources
    assert not [src for src in sources if src.startswith(("http:", "https:", "//"))]


def test_profile_rounds_rather_than_truncates(
    client, period, member_a, member_b, officer_a, facilitator_a, specialist
):
    publish(member_a, period, officer_a, facilitator_a, specialist)
    html = client.get(reverse("finance:profile", args=[member_a.code])).content.decode()
    # Debt service 25,000 ÷ current revenue 450,000 = 5.5556 %.
    assert profile_cells(section(html, "profile-table"))["debt_service_ratio"] == "5,6 %"


def test_profile_without_published_data_has_no_table(client, period, member_a, member_b, officer_b):
    upload(member_b, period, officer_b)  # lines stored, but not published

    html = client.get(reverse("finance:profile", args=[member_b.code])).content.decode()
    assert member_b.name in html
    assert 'id="profile-table"' not in html
    assert 'id="chart-data"' not in html
    assert client.get(reverse("finance:profile", args=["no-such-code"])).status_code == 404


# Compare -------------------------------------------------------------------


def test_compare_ranks_by_direction_filters_and_keeps_queries_constant(
    client,
    period,
    region_a,
    region_b,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
    django_assert_max_num_queries,
    monkeypatch,
):
    publish(member_a, period, officer_a, facilitator_a, specialist)
    # B's file has a column the checks do not know: a warning, so a lower data quality.
    b_file = csv_bytes(other_amounts(), header=[*HEADER, "Observaciones"])
    publish(
        member_b,
        period,
        officer_b,
        facilitator_b,
        specialist,
        data=b_file,
        justification="La columna de observaciones es interna.",
    )
    quality_a = submission_of(member_a, period).quality
    quality_b = submission_of(member_b, period).quality
    assert quality_a == 1 and quality_b < 1

    assert indicators.BY_KEY["fiscal_autonomy"].higher_is == "better"
    assert ranking(client, indicator="fiscal_autonomy") == [
        (member_b.code, "50,0 %"),
        (member_a.code, "42,5 %"),
    ]
    # Personnel share: higher is worse, so the lower share ranks first.
    assert indicators.BY_KEY["personnel_share"].higher_is == "worse"
    assert ranking(client, indicator="personnel_share") == [
        (member_a.code, "45,0 %"),
        (member_b.code, "60,0 %"),
    ]
    assert [code for code, _v in ranking(client, indicator="quality")] == [
        member_a.code,
        member_b.code,
    ]
    # An unknown indicator falls back to fiscal autonomy rather than failing.
    assert [code for code, _v in ranking(client, indicator="nonsense")] == [
        member_b.code,
        member_a.code,
    ]

    # Region and population band (A has 100,000 inhabitants, B 400,000).
    assert [c for c, _v in ranking(client, region=region_a.pk)] == [member_a.code]
    assert [c for c, _v in ranking(client, region=region_b.pk)] == [member_b.code]
    assert [c for c, _v in ranking(client, band="medium")] == [member_a.code]
    assert [c for c, _v in ranking(client, band="large")] == [member_b.code]
    assert ranking(client, band="small") == []
    assert ranking(client, band="large", region=region_a.pk) == []

    url = reverse("finance:compare")
    params = {"period": period.pk, "indicator": "fiscal_autonomy"}
    with CaptureQueriesContext(connection) as two:
        assert client.get(url, params).status_code == 200
    with_two = len(two)  # read now: later requests reset the connection's query log
    assert with_two > 0

    third = extra_member(region_a, period, 30_000)
    fourth = extra_member(region_b, period, 250_000)
    publish(third, period, facilitator_a, facilitator_a, specialist)
    publish(fourth, period, facilitator_b, facilitator_b, specialist)
    assert len(ranking(client, **params)) == 4
    assert [c for c, _v in ranking(client, band="small")] == [third.code]

    with django_assert_max_num_queries(with_two):
        response = client.get(url, params)
    assert len(re.findall(r"<tr><td>\d+</td>", section(response.content.decode(), "ranking"))) == 4
    whole = ranking(client, **params)

    # At national scale the ranking is paged; the ranks go on across pages.
    monkeypatch.setattr(finance_views, "COMPARE_PAGE_SIZE", 3)
    first = client.get(url, params).content.decode()
    second = client.get(url, {**params, "page": 2}).content.decode()
    assert re.findall(r"<tr><td>(\d+)</td>", section(first, "ranking")) == ["1", "2", "3"]
    assert re.findall(r"<tr><td>(\d+)</td>", section(second, "ranking")) == ["4"]
    assert ranking(client, **params) + ranking(client, **params, page=2) == whole
    assert re.search(r'href="\?[^"]*indicator=fiscal_autonomy[^"]*page=2"', first)


# Delivery board ------------------------------------------------------------


def board_states(client, period, **params):
    html = client.get(reverse("finance:board", args=[period.pk]), params).content.decode()
    rows = re.findall(r'<tr class="board-row" data-code="([^"]+)">(.*?)</tr>', html, re.S)
    states = {}
    for code, row in rows:
        badge = re.search(r'<span class="badge (\w+)">', row)
        states[code] = badge.group(1)
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', html))
    return states, {key: int(value) for key, value in counts.items()}


def test_board_states_lateness_scope_and_queries(
    client,
    period,
    region_a,
    region_b,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
    django_assert_max_num_queries,
):
    publish(member_a, period, officer_a, facilitator_a, specialist)
    submit(upload(member_b, period, officer_b), officer_b)
    missing = extra_member(region_a, period, 20_000)
    members = set(Municipality.objects.filter(is_member=True).values_list("code", flat=True))
    assert members == {member_a.code, member_b.code, missing.code}

    before = datetime.datetime.combine(period.deadline, datetime.time(12), CARACAS)
    with time_machine.travel(before, tick=False):
        states, counts = board_states(client, period)
    assert states == {
        member_a.code: "published",
        member_b.code: "in_review",
        missing.code: "missing",
    }
    assert counts == {"missing": 1, "late": 0, "in_progress": 0, "in_review": 1, "published": 1}

    after = before + datetime.timedelta(days=1)
    with time_machine.travel(after, tick=False):
        states, counts = board_states(client, period)
        region_only, _counts = board_states(client, period, region=region_b.pk)
    assert states[missing.code] == "late"
    assert states[member_a.code] == "published" and states[member_b.code] == "in_review"
    assert counts["late"] == 1 and counts["missing"] == 0
    assert set(region_only) == {member_b.code}

    client.force_login(facilitator_a)
    states, _counts = board_states(client, period)
    assert set(states) == {member_a.code, missing.code}
    client.logout()

    with CaptureQueriesContext(connection) as three:
        client.get(reverse("finance:board", args=[period.pk]))
    with_three = len(three)
    assert with_three > 0
    for index in (2, 3, 4):
        extra_member(region_a, period, 10_000, index=index)
    extra_member(region_b, period, 10_000, index=1)
    with django_assert_max_num_queries(with_three):
        states, _counts = board_states(client, period)
    assert len(states) == 7


# Downloads -----------------------------------------------------------------


def test_line_and_indicator_downloads_hold_published_data_only(
    client, period, member_a, member_b, officer_a, officer_b, facilitator_a, specialist
):
    rows = with_parents(quarter_amounts())
    publish(
        member_a,
        period,
        officer_a,
        facilitator_a,
        specialist,
        data=json_file(rows, program="=1+1"),
        name="f.json",
    )
    draft = upload(member_b, period, officer_b)  # validated, not published
    assert draft.lines.count() == len(rows)
    published_lines = Line.objects.filter(submission__state=Submission.State.PUBLISHED).count()
    assert published_lines == len(rows)

    url = reverse("finance:download_lines", args=["csv"])
    table = csv_rows(client.get(url, {"period": period.pk}))
    assert table[0] == exports.LINE_COLUMNS
    body = table[1:]
    assert len(body) == published_lines
    column = {name: index for index, name in enumerate(exports.LINE_COLUMNS)}
    assert {row[column["municipality_code"]] for row in body} == {member_a.code}
    assert {row[column["version"]] for row in body} == {"1"}
    # A formula-looking programme is written as text.
    assert {row[column["program"]] for row in body} == {"'=1+1"}
    situado = next(row for row in body if row[column["code"]] == "3.05.03.01.00")
    assert Decimal(situado[column["collected"]]) == Decimal("258750.00")
    assert situado[column["name"]]  # the classifier's name of the code
    assert situado[column["paid"]] == ""

    response = client.get(reverse("finance:download_lines", args=["xlsx"]), {"period": period.pk})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [str(title) for title in exports.line_titles()]
    assert len(values) - 1 == published_lines
    program_cells = {row[column["program"]] for row in sheet.iter_rows(min_row=2)}
    assert {cell.value for cell in program_cells} == {"'=1+1"}
    assert {cell.data_type for cell in program_cells} == {"s"}

    indicator_table = csv_rows(client.get(reverse("finance:download_indicators", args=["csv"])))
    assert indicator_table[0] == exports.INDICATOR_COLUMNS
    indicator_rows = indicator_table[1:]
    assert len(indicator_rows) == len(indicators.INDICATORS)
    by_key = {row[6]: row for row in indicator_rows}
    assert set(by_key) == set(indicators.BY_KEY)
    assert by_key["fiscal_autonomy"][0] == member_a.code
    assert by_key["fiscal_autonomy"][7] == "ratio"
    assert Decimal(by_key["fiscal_autonomy"][8]) == Decimal("0.425")
    assert Decimal(by_key["current_savings"][8]) == Decimal("150000")

    response = client.get(reverse("finance:download_indicators", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row - 1 == len(indicator_rows)

    assert client.get("/finance/data/lines.pdf", {"period": period.pk}).status_code == 404
    assert client.get("/finance/data/indicators.pdf").status_code == 404
    assert client.get(url).status_code == 404  # no period named


def test_datapackage_describes_each_published_period_once(
    client,
    period,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
):
    publish(member_a, period, officer_a, facilitator_a, specialist)
    publish(member_b, period, officer_b, facilitator_b, specialist)
    second = services.open_period(2026, 2)
    upload(member_a, second, officer_a, quarter_file(Decimal("0.5")))  # a draft only

    response = client.get(reverse("finance:datapackage"))
    assert response.status_code == 200
    package = response.json()
    assert package["profile"] == "fiscal-data-package"
    assert len(package["resources"]) == 1
    resource = package["resources"][0]
    assert resource["path"].endswith(
        reverse("finance:download_lines", args=["csv"]) + f"?period={period.pk}"
    )
    assert resource["path"].startswith("http")
    assert resource["name"] == "lines-2026-q1"
    assert [field["name"] for field in resource["schema"]["fields"]] == exports.LINE_COLUMNS
    measures = package["model"]["measures"]
    assert set(measures) == set(STAGES)
    assert all(measures[stage]["source"] == stage for stage in STAGES)
    assert {measures[s]["direction"] for s in ("estimated", "liquidated", "collected")} == {
        "revenue"
    }
    assert measures["caused"]["direction"] == "expenditure"


# Methodology ---------------------------------------------------------------


def test_methodology_lists_every_indicator_and_rule(client, db):
    response = client.get(reverse("finance:methodology"))
    assert response.status_code == 200
    html = response.content.decode()
    for indicator in indicators.INDICATORS:
        assert f'<tr id="{indicator.key}">' in html
    rules = section(html, "rules")
    assert re.findall(r"<td>(FIN-\d{3})</td>", rules) == list(validation.RULES)
    assert len(validation.RULES) >= 15


# Working pages -------------------------------------------------------------


def test_bad_query_parameters_are_ignored_or_not_found(client, period, member_a, officer_a):
    board = client.get(reverse("finance:board", args=[period.pk]), {"region": "abc"})
    assert member_a.name in board.content.decode()  # the filter is ignored, not a 500
    compare = client.get(reverse("finance:compare"), {"region": "abc", "period": "x"})
    assert compare.status_code == 200
    lines = client.get(reverse("finance:download_lines", args=["csv"]), {"period": "abc"})
    assert lines.status_code == 404


def test_working_pages_need_login_and_scope(
    client, period, member_a, officer_a, facilitator_a, facilitator_b
):
    submission = submission_of(member_a, period)
    services.receive_upload(submission, officer_a, "f.csv", quarter_file())
    received = submission.uploads.get()
    detail = reverse("finance:submission_detail", args=[submission.pk])
    file_url = reverse("finance:upload_file", args=[received.pk])
    login = reverse("login")

    for url in (reverse("finance:period_list"), detail, file_url):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url

    client.force_login(facilitator_b)
    assert client.get(detail).status_code == 404
    assert client.get(file_url).status_code == 404
    assert client.get(reverse("finance:upload_status", args=[received.pk])).status_code == 404

    client.force_login(facilitator_a)
    assert client.get(detail).status_code == 200
    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == quarter_file()


@pytest.mark.parametrize("name", ["public_index", "compare", "methodology", "downloads"])
def test_public_pages_without_data_answer(client, db, name):
    assert client.get(reverse(f"finance:{name}")).status_code == 200
