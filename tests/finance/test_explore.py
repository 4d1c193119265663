"""The public exploration pages: classifier drill-down, series in today's bolívar, up to five
municipalities side by side, and the delivery calendar.

Published data is stored the way publication leaves it (a published submission, its lines
and its indicators); the figures the pages show are checked against sums computed here
from the lines.
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements import scope
from agreements.models import Municipality
from finance import explore, indicators, services
from finance.models import ClassifierEntry, FiscalPeriod, Line, Submission
from tests.conftest import make_user
from workflows.roles import Role

from .conftest import EXPENDITURE, REVENUE, quarter_amounts, with_parents

CARACAS = ZoneInfo("America/Caracas")


def es_money(value):
    """A Decimal as es-VE writes money, computed here rather than by the project's module."""
    text = f"{Decimal(value).quantize(Decimal('0.01')):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def store(municipality, period, rows, *, state=Submission.State.PUBLISHED, version=1, **extra):
    """A submission in ``state`` with ``rows`` (code -> stage amounts) as its lines."""
    submission = Submission.objects.create(
        municipality=municipality,
        period=period,
        version=version,
        state=state,
        published_at=timezone.now() if state == Submission.State.PUBLISHED else None,
        **extra,
    )
    Line.objects.bulk_create(
        Line(submission=submission, code=code, row=number, **amounts)
        for number, (code, amounts) in enumerate(sorted(rows.items()), start=2)
    )
    if state == Submission.State.PUBLISHED:
        indicators.store(submission, indicators.compute(submission))
    return submission


def table(html, element_id):
    match = re.search(rf'<table[^>]*id="{element_id}"[^>]*>(.*?)</table>', html, re.S)
    return match.group(1) if match else ""


def row_cells(html, code):
    """The amounts shown in the drill-down row of ``code``."""
    match = re.search(rf'<tr data-code="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert match, code
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', match.group(1))


@pytest.fixture
def quarter(coordinator):
    return services.open_period(2026, 1, by=coordinator, start_processes=False)


@pytest.fixture
def towns(db):
    return list(Municipality.objects.select_related("region").order_by("code")[:6])


# The sums ------------------------------------------------------------------------------

LEAVES = sorted(REVENUE) + sorted(EXPENDITURE)
amount = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    leaves=st.dictionaries(st.sampled_from(LEAVES), amount, min_size=1),
    with_ancestors=st.booleans(),
    programmes=st.lists(st.sampled_from(["", "01", "02"]), min_size=1, max_size=3, unique=True),
)
def test_node_totals_sum_each_leaf_once_whatever_the_file_gives(leaves, with_ancestors, programmes):
    """Every level is the sum of the leaves under it, whether or not the file repeats the
    parents, across programmes; and it agrees with the indicators' roll-up."""
    lines = []
    for programme in programmes:
        rows = {code: {"caused": value} for code, value in leaves.items()}
        if with_ancestors:
            rows = with_parents(rows)
        lines += [(programme, code, amounts) for code, amounts in rows.items()]
    totals = explore.node_totals(lines)
    parent_of = {code: ClassifierEntry.parent_code(code) for _p, code, _a in lines}
    for node in totals:
        prefix = explore.prefix_of(node)
        expected = len(programmes) * sum(
            (v for code, v in leaves.items() if code == node or code.startswith(prefix + ".")),
            Decimal(0),
        )
        assert totals[node]["caused"] == expected
        assert indicators.rollup(lines, parent_of, "caused", ["+" + prefix]) == expected
    # Every chapter of every leaf is there, and nothing else at the chapter level.
    chapters = {".".join(code.split(".")[:2]) + ".00.00.00" for code in leaves}
    assert {c for c in totals if ClassifierEntry.level_of(c) == 1} == chapters


def test_classifier_drill_down_amounts_links_and_breadcrumb(client, quarter, towns):
    town = towns[0]
    leaves = quarter_amounts()
    store(town, quarter, with_parents(leaves))
    url = reverse("finance:classifier", args=[town.code, quarter.pk])

    html = client.get(url).content.decode()  # anonymous
    # Chapter 4.01 holds one leaf: 900,000 initial, a quarter of it caused.
    assert row_cells(html, "4.01.00.00.00") == [
        es_money(leaves["4.01.01.01.00"][stage])
        for stage in ("initial", "modified", "committed", "caused", "paid")
    ]
    # Chapter 3.01: three own-revenue leaves, summed here from the fixture.
    own = [code for code in REVENUE if code.startswith("3.01.")]
    assert row_cells(html, "3.01.00.00.00") == [
        es_money(sum(leaves[code][stage] for code in own))
        for stage in ("estimated", "liquidated", "collected")
    ]
    expenditure = table(html, "drill-expenditure")
    total_caused = sum(leaves[code]["caused"] for code in EXPENDITURE)
    assert es_money(total_caused) in re.search(r"<tfoot>(.*?)</tfoot>", expenditure, re.S).group(1)
    down = reverse("finance:classifier_node", args=[town.code, quarter.pk, "4.01.00.00.00"])
    assert f'href="{down}"' in html
    assert reverse("finance:series", args=[town.code, "4.01.00.00.00"]) in html

    # One level down, then to the specific line; the breadcrumb leads back up.
    html = client.get(down).content.decode()
    assert [code for code in re.findall(r'<tr data-code="([^"]+)"', html)] == ["4.01.01.00.00"]
    deeper = reverse("finance:classifier_node", args=[town.code, quarter.pk, "4.01.01.00.00"])
    html = client.get(deeper).content.decode()
    crumbs = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert f'href="{url}"' in crumbs and f'href="{down}"' in crumbs
    assert 'aria-current="page">4.01.01.00.00' in crumbs
    assert row_cells(html, "4.01.01.01.00")[3] == es_money(leaves["4.01.01.01.00"]["caused"])
    # A code with no amount in this submission is not a page.
    empty = reverse("finance:classifier_node", args=[town.code, quarter.pk, "4.09.00.00.00"])
    assert client.get(empty).status_code == 404


def test_unpublished_data_is_never_shown(client, quarter, towns, coordinator):
    town, other = towns[0], towns[1]
    store(town, quarter, with_parents(quarter_amounts()), state=Submission.State.IN_REVIEW)
    store(other, quarter, with_parents(quarter_amounts()))
    facilitator = make_user("fac_x", Role.FACILITATOR)
    scope.grant_facilitator_municipality(facilitator, town, by=coordinator)
    for user in (None, facilitator, coordinator):
        if user:
            client.force_login(user)
        assert (
            client.get(reverse("finance:classifier", args=[town.code, quarter.pk])).status_code
            == 404
        )
        assert (
            client.get(reverse("finance:series", args=[town.code, "4.00.00.00.00"])).status_code
            == 404
        )
        compared = client.get(
            reverse("finance:compare"), {"m": [town.code, other.code], "period": quarter.pk}
        ).content.decode()
        side = table(compared, "side-by-side-table")
        # The unpublished municipality's column has no figure.
        cells = re.findall(r'<td class="num">([^<]*)</td>', side)
        assert cells[0] == "—" and cells[1] != "—"
        client.logout()
    # What does not exist is no page either.
    assert client.get(reverse("finance:calendar", args=[9999])).status_code == 404
    assert (
        client.get(reverse("finance:series", args=[other.code, "4.99.00.00.00"])).status_code == 404
    )
    assert client.get(reverse("finance:classifier", args=["0000", quarter.pk])).status_code == 404


# Series in today's bolívar -------------------------------------------------------------


def test_series_restates_amounts_across_the_2021_redenomination(client, coordinator, towns):
    town = towns[0]
    before = services.open_period(2019, 1, by=coordinator, start_processes=False)
    after = services.open_period(2022, 1, by=coordinator, start_processes=False)
    assert (before.currency.code, after.currency.code) == ("VES", "VED")
    store(town, before, with_parents({"4.01.01.01.00": {"caused": Decimal("900000000.00")}}))
    store(town, after, with_parents({"4.01.01.01.00": {"caused": Decimal("1000.00")}}))
    # A newer period not yet published stays out of the series.
    later = services.open_period(2022, 2, by=coordinator, start_processes=False)
    store(
        town,
        later,
        with_parents({"4.01.01.01.00": {"caused": Decimal("5.00")}}),
        state=Submission.State.IN_REVIEW,
    )

    url = reverse("finance:series", args=[town.code, "4.01.00.00.00"])
    html = client.get(url).content.decode()
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table(html, "series-table"), re.S)
    assert len(rows) == 2
    # 900,000,000 VES are 900 VED: a million bolívares soberanos make one digital.
    caused = [re.findall(r'data-label="Causado">([^<]*)<', row)[0] for row in rows]
    assert caused == ["900,00", "1.000,00"]
    assert "declarado en Bs.S" in rows[0] and "declarado en" not in rows[1]
    restatement = re.search(r'<p id="restatement">(.*?)</p>', html, re.S).group(1)
    assert "Bolívar digital (VED)" in restatement and "1.000.000 en 2021" in restatement
    # The chart: an SVG with a title and description, one point per period.
    svg = re.search(r"<svg viewBox.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert len(re.findall(r"<circle ", svg)) == 2
    assert "Datos al " in html
    # Each period leads to the level where the line's row stands in that period.
    leaf = client.get(reverse("finance:series", args=[town.code, "4.01.01.01.00"]))
    parent = reverse("finance:classifier_node", args=[town.code, before.pk, "4.01.01.00.00"])
    assert f'href="{parent}"' in leaf.content.decode()
    assert client.get(parent).status_code == 200


def test_series_points_equal_the_restated_sums():
    points = [Decimal("0"), Decimal("1500.50"), None, Decimal("-20")]
    from finance import charts

    chart = charts.line_chart(["a", "b", "c", "d"], [("x", points)])
    assert len(chart["series"][0]["segments"]) == 2  # the gap splits the line
    assert len(chart["series"][0]["marks"]) == 3
    assert chart["scale_words"] == "miles"


# Compare up to five ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6])
def test_compare_side_by_side_up_to_five(client, quarter, towns, coordinator, count):
    previous = services.open_period(2025, 4, by=coordinator, start_processes=False)
    for index, town in enumerate(towns):
        rows = quarter_amounts()
        rows["4.01.01.01.00"]["caused"] += index * 1000
        store(town, previous, with_parents(rows))
        store(town, quarter, with_parents(rows))
    chosen = towns[:count]
    response = client.get(
        reverse("finance:compare"),
        {"period": quarter.pk, "indicator": "personnel_share", "m": [t.code for t in chosen]},
    )
    html = response.content.decode()
    side = table(html, "side-by-side-table")
    if count > explore.MAX_COMPARED:
        message = re.search(r'<ul class="messages" id="too-many">(.*?)</ul>', html, re.S)
        assert message and "Eligió 6 municipios" in message.group(1)
        assert "como máximo 5" in message.group(1)
        assert side == "" and 'id="compare-chart"' not in html
        # The six stay ticked so that one can be unticked.
        assert len(re.findall(r'name="m" value="[^"]+" checked', html)) == 6
        return
    headers = re.findall(r'<th scope="col" class="num">([^<]*)</th>', side)
    assert headers == [t.name for t in chosen]
    # Each figure equals the share computed here from the lines.
    for index in range(count):
        personnel = Decimal("225000.00") + index * 1000
        total = sum(quarter_amounts()[code]["caused"] for code in EXPENDITURE) + index * 1000
        share = (personnel / total * 100).quantize(Decimal("0.1"))
        cells = re.findall(r"<tr><th scope=\"row\">[^<]*</th>(.*?)</tr>", side)
        for cell in cells:
            shown = re.findall(r'<td class="num">([^<]*)</td>', cell)[index]
            assert shown == f"{share}".replace(".", ",") + " %"
    svg = re.search(r'<figure class="svg-chart" id="compare-chart">(.*?)</figure>', html, re.S)
    assert svg, "one chart"
    legend = re.findall(r"<li><svg[^>]*>.*?</svg> ([^<]*)</li>", svg.group(1), re.S)
    assert legend == [t.name for t in chosen]
    assert len(re.findall(r"<polyline ", svg.group(1))) == count


def test_compare_queries_do_not_grow_with_the_chosen(
    client, quarter, towns, django_assert_max_num_queries
):
    for town in towns:
        store(town, quarter, with_parents(quarter_amounts()))
    url = reverse("finance:compare")
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"period": quarter.pk, "m": [towns[0].code]})
    with django_assert_max_num_queries(len(one)):
        client.get(url, {"period": quarter.pk, "m": [t.code for t in towns[:5]]})


# Delivery calendar -----------------------------------------------------------------------


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CARACAS)


def test_calendar_on_time_at_the_deadline_late_after_missing_without(client, coordinator, towns):
    for town in towns[:4]:
        town.is_member = True
        town.save(update_fields=["is_member"])
    deadline = datetime.date(2026, 5, 15)
    period = services.open_period(
        2026,
        1,
        by=coordinator,
        start_processes=False,
        opens_on=datetime.date(2026, 4, 1),
        deadline=deadline,
    )
    on_time, late, missing, corrected = towns[:4]
    rows = with_parents(quarter_amounts())
    store(on_time, period, rows, submitted_at=at(deadline, 23, 59))
    store(late, period, rows, submitted_at=at(deadline + datetime.timedelta(days=1), 0, 0))
    # A correction sent later does not make a delivery that was on time late.
    first = store(corrected, period, rows, submitted_at=at(deadline, 9))
    store(
        corrected,
        period,
        rows,
        version=2,
        corrects=first,
        submitted_at=at(deadline + datetime.timedelta(days=30), 9),
    )
    url = reverse("finance:calendar", args=[period.pk])

    def shown(**params):
        html = client.get(url, params).content.decode()
        return dict(re.findall(r'<tr data-code="([^"]+)" data-delivery="([^"]+)">', html)), html

    with time_machine.travel(at(deadline, 12), tick=False):
        states, html = shown()
        assert states[missing.code] == "due"
        assert states[on_time.code] == "on_time" and states[late.code] == "late"
        # Closing the period ends the wait: nothing sent is missing, deadline or not.
        services.close_period(period, coordinator)
        assert shown()[0][missing.code] == "missing"
    with time_machine.travel(at(deadline + datetime.timedelta(days=2), 12), tick=False):
        states, html = shown()
        assert states == {
            on_time.code: "on_time",
            late.code: "late",
            missing.code: "missing",
            corrected.code: "on_time",
        }
        counts = dict(re.findall(r'<div class="stat" id="count-([a-z_]+)">(\d+)</div>', html))
        assert counts == {"on_time": "2", "late": "1", "missing": "1", "due": "0"}
        assert "15/05/2026" in html  # the deadline in es-VE
        late_row = re.search(rf'data-code="{late.code}".*?</tr>', html, re.S).group(0)
        assert re.search(r'data-label="Días de retraso">1</td>', late_row)
        on_time_row = re.search(rf'data-code="{on_time.code}".*?</tr>', html, re.S).group(0)
        assert re.search(r'data-label="Días de retraso">—</td>', on_time_row)
        # Filtered by delivery and by entidad federal.
        assert set(shown(status="late")[0]) == {late.code}
        region = on_time.region
        expected = {t.code for t in towns[:4] if t.region_id == region.pk}
        assert set(shown(region=region.pk)[0]) == expected


def test_calendar_sorts_paginates_and_keeps_queries_constant(
    client, coordinator, django_assert_max_num_queries, monkeypatch
):
    from finance import views_explore

    period = services.open_period(2026, 1, by=coordinator, start_processes=False)
    towns = list(Municipality.objects.order_by("code")[:12])
    for town in towns[:3]:
        town.is_member = True
        town.save(update_fields=["is_member"])
    url = reverse("finance:calendar", args=[period.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for town in towns[3:]:
        town.is_member = True
        town.save(update_fields=["is_member"])
    monkeypatch.setattr(views_explore, "CALENDAR_PAGE_SIZE", 5)
    with django_assert_max_num_queries(len(few) + 1):  # + the page's count
        html = client.get(url, {"order": "region"}).content.decode()
    codes = re.findall(r'<tr data-code="([^"]+)"', html)
    assert len(codes) == 5
    ordered = sorted(towns, key=lambda t: (t.region.name, t.name, t.pk))
    assert codes == [t.code for t in ordered[:5]]
    assert "page=2" in html and "order=region" in html


def test_exploration_pages_open_to_anonymous_with_constant_queries(
    client, quarter, towns, django_assert_max_num_queries
):
    town = towns[0]
    store(town, quarter, with_parents(quarter_amounts()))
    pages = [
        reverse("finance:classifier", args=[town.code, quarter.pk]),
        reverse("finance:classifier_node", args=[town.code, quarter.pk, "4.01.00.00.00"]),
        reverse("finance:series", args=[town.code, "4.00.00.00.00"]),
        reverse("finance:calendar", args=[quarter.pk]),
    ]
    counts = {}
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counts[page] = len(queries)
    # More periods and many more lines: the same number of queries.
    for year in (2024, 2025):
        period = FiscalPeriod.objects.filter(year=year, quarter=1).first() or (
            services.open_period(year, 1, start_processes=False)
        )
        store(town, period, with_parents(quarter_amounts()))
    for page in pages:
        with django_assert_max_num_queries(counts[page]):
            assert client.get(page).status_code == 200
    # The public index and the profile lead to the new pages.
    index = client.get(reverse("finance:public_index")).content.decode()
    assert reverse("finance:calendar", args=[quarter.pk]) in index
    profile = client.get(reverse("finance:profile", args=[town.code])).content.decode()
    assert reverse("finance:classifier", args=[town.code, quarter.pk]) in profile


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(minutes=st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60))
def test_calendar_on_time_is_the_caracas_day_of_sending(coordinator, towns, minutes):
    """Sent at any minute around the deadline: on time exactly when the day it was sent, in
    Caracas, is not after the deadline day."""
    deadline = datetime.date(2026, 5, 15)
    period = FiscalPeriod.objects.filter(year=2026, quarter=1).first() or services.open_period(
        2026,
        1,
        by=coordinator,
        start_processes=False,
        opens_on=datetime.date(2026, 4, 1),
        deadline=deadline,
    )
    town = towns[0]
    sent = at(deadline, 12) + datetime.timedelta(minutes=minutes)
    submission = Submission.objects.filter(municipality=town, period=period).first()
    if submission is None:
        submission = store(town, period, {}, submitted_at=sent)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=sent)
    rows, _counts = explore.calendar(period, today=deadline + datetime.timedelta(days=5))
    delivery = rows.get(pk=town.pk).delivery
    expected = "on_time" if sent.astimezone(CARACAS).date() <= deadline else "late"
    assert delivery == expected
