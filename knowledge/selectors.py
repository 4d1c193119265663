"""The library's read side: what each person may see, full-text search, facets, related cases.

The library reads ``LibraryEntry`` rows (one per published case, narrow) and only
then the page's cases. Search on PostgreSQL uses the ``es_unaccent`` text search
configuration (Spanish stemming after removing accents), so that "participacion"
finds "PARTICIPACIÓN" and "plaza" finds "plazas" (the stemmer, seeing no accents, does
not join "participación" with "participativo"); SQLite, the zero-setup default, falls
back to matching every word in an unaccented copy of the text.
"""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Prefetch, Q
from django.urls import reverse

from agreements.models import Region
from networks.models import Theme
from workflows import rounds
from workflows.audit_scan import planner
from workflows.permissions import scope_ids
from workflows.roles import Role, has_role

from .models import (
    CRITERIA,
    DETAILS_STEP,
    SIZE_BANDS,
    STEP_FIELDS,
    STEPS,
    Case,
    Evidence,
    LibraryEntry,
    Milestone,
    Replication,
    ResultIndicator,
)
from .services import CURATE, plain

PAGE_SIZE = 20
# The library's query parameters, for the page and the API alike.
LIBRARY_PARAMS = ("q", "theme", "region", "year", "size", "results")


def visible_filter(user):
    """Published cases for everyone; working cases for the people involved and their territory."""
    published = Q(state=Case.State.PUBLISHED)
    if not user.is_authenticated:
        return published
    ids = scope_ids(user)
    if ids is None or user.has_perm(CURATE):
        return Q()
    mine = Q(registered_by=user) | Q(specialist=user) | Q(municipality_id__in=ids)
    if has_role(user, Role.SPECIALIST):
        mine |= Q(theme__specialists=user)
    return published | mine


def visible_cases(user):
    return Case.objects.filter(visible_filter(user)).distinct()


def can_view(user, case):
    return visible_cases(user).filter(pk=case.pk).exists()


@dataclass
class Library:
    results: list
    total: int
    facets: dict = field(default_factory=dict)
    page: int = 1
    pages: int = 1


def _search(queryset, query):
    words = query.split()
    if not words:
        return queryset, False
    if connection.vendor == "postgresql":
        search = SearchQuery(query, config="es_unaccent", search_type="websearch")
        return (
            queryset.filter(search_vector=search).annotate(
                rank=SearchRank(F("rank_vector"), search)
            ),
            True,
        )
    for word in plain(query).split():
        queryset = queryset.filter(search_text__contains=word.rstrip("s") or word)
    return queryset, False


def _filter(queryset, params):
    if params.get("theme"):
        queryset = queryset.filter(theme__slug=params["theme"])
    if str(params.get("region") or "").isdigit():
        queryset = queryset.filter(region_id=int(params["region"]))
    if str(params.get("year") or "").isdigit() and 1 <= int(params["year"]) <= 9999:
        queryset = queryset.filter(year=int(params["year"]))
    if params.get("results"):
        queryset = queryset.filter(results_type=params["results"])
    if params.get("size") in {key for key, *_rest in SIZE_BANDS}:
        queryset = queryset.filter(size_band=params["size"])
    return queryset


# The planner does not count that ``@@`` on a sequential scan reads each entry's full
# vector back from TOAST (where ``LibraryEntry`` keeps it); for a word in every case it
# chose that scan: about 0.6 s where the GIN index takes 0.2-0.3 s at 100,000 cases.
# Turning scans off adds 10^10 to the cost of any scan left (a small table's), far
# over ``jit_above_cost``: JIT compilation then took 10-50 ms of a 24-row query.
# ``ts_rank`` costs the planner what ``+`` does, so sending rows from parallel workers
# never looked worth it; with these costs a search with tens of thousands of matches
# ranks them on both cores, one with a few hundred stays serial. A search prepared on
# the server (settings.py) is still planned for its own words: a generic plan cannot
# tell a word in every case from a word in three.
THROUGH_THE_INDEX = {
    "plan_cache_mode": "force_custom_plan",
    "enable_seqscan": "off",
    "jit": "off",
    "parallel_setup_cost": "100",
    "parallel_tuple_cost": "0",
}


@contextmanager
def through_the_index(ranked=True):
    """A search's statements inside find their matches through the GIN index."""
    if not ranked or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        with planner(cursor, THROUGH_THE_INDEX):
            yield


def _matches(params):
    """The entries matching ``params``, and whether a query ranks them."""
    matched, ranked = _search(LibraryEntry.objects.all(), (params.get("q") or "").strip())
    return _filter(matched, params), ranked


def _order(ranked):
    """Best first, then newest; newest first without a query."""
    return ("-rank", "-published_at", "-pk") if ranked else ("-published_at", "-pk")


def matching(params):
    """The library entries for ``params``, in the library's order."""
    filtered, ranked = _matches(params)
    return filtered.order_by(*_order(ranked))


def library(params, page=1, with_facets=True):
    """Published cases matching the query and filters, best first, with facet counts.

    On PostgreSQL a search reads its matches once: one statement ranks them for the
    page and counts them for the total and every facet. Without a query, the page comes
    from the publication-date index and the counts from one GROUPING SETS query. The
    facets' labels and the page's cases (20 rows, with their relations) are read after.
    """
    filtered, ranked = _matches(params)
    start = (page - 1) * PAGE_SIZE
    counts = total = None
    with through_the_index(ranked):
        if with_facets and connection.vendor == "postgresql" and ranked:
            window, counts = _ranked_page_and_counts(filtered, start)
        else:
            window = _window(filtered, start, ranked)
            if with_facets and connection.vendor == "postgresql":
                counts = _counts(filtered)
            elif with_facets:
                counts = _tally_rows(filtered)
            else:
                total = filtered.count()
    facets = {}
    if counts is not None:  # the labels are read outside: only the search needs the index
        facets, total = _facets(counts)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return Library(_page_cases(window), total, facets, page, pages)


def _window(queryset, start, ranked):
    """The page's (pk, rank) pairs, best first (newest first without a query)."""
    rows = queryset.order_by(*_order(ranked)).values_list("pk", *(["rank"] if ranked else []))
    return [(row[0], row[1] if ranked else None) for row in rows[start : start + PAGE_SIZE]]


def _page_cases(window):
    """The cases of the page in its order, with their relations and replication counts."""
    by_pk = (
        Case.objects.filter(pk__in=[pk for pk, _rank in window])
        .select_related("municipality__region", "theme")
        .annotate(
            replicated=Count(
                "replications",
                filter=~Q(replications__state=Replication.State.ABANDONED),
                distinct=True,
            )
        )
        .in_bulk()
    )
    results = []
    for pk, rank in window:
        case = by_pk.get(pk)
        if case is None:  # deleted or unpublished since the page was chosen
            continue
        if rank is not None:
            case.rank = rank
        results.append(case)
    return results


FACET_COLUMNS = ["theme_id", "region_id", "year", "results_type", "size_band"]


def _facet_rows(queryset, *fields):
    """SQL for the matches with ``fields`` and the facet columns, and its parameters."""
    return queryset.order_by().values(*fields, *FACET_COLUMNS).query.sql_with_params()


# Two grouping sets, not one per facet: each match is hashed twice instead of five
# times, and the sets stay small (themes x states, years x types x size bands).
FACET_SETS = [FACET_COLUMNS[:2], FACET_COLUMNS[2:]]


def _grouping_sql(source, alias, extra=""):
    """GROUPING SETS over ``source``: rows of (grouping, count, *facet values[, extra])."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(c)}" for c in FACET_COLUMNS)
    sets = ", ".join(
        "(" + ", ".join(f"{alias}.{quote(c)}" for c in group) + ")" for group in FACET_SETS
    )
    return (
        f"SELECT GROUPING({columns}), COUNT(*), {columns}{extra} FROM {source} {alias} "
        f"GROUP BY GROUPING SETS ({sets})"
    )


def _tally(grouped):
    """{facet column: {value: count}} from GROUPING SETS rows (grouping, n, *values)."""
    counts = {column: Counter() for column in FACET_COLUMNS}
    last = len(FACET_COLUMNS) - 1
    for grouping, n, *values in grouped:
        # GROUPING() has a 0 bit for each column the row is grouped by.
        for i, column in enumerate(FACET_COLUMNS):
            if not grouping >> (last - i) & 1:
                counts[column][values[i]] += n
    return counts


def _counts(queryset):
    """Every facet's counts in one query (GROUPING SETS over the matches)."""
    inner, params = _facet_rows(queryset)
    with connection.cursor() as cursor:
        cursor.execute(_grouping_sql(f"({inner})", "s"), params)
        return _tally(cursor.fetchall())


def _ranked_page_and_counts(queryset, start):
    """Rank the matches and count them by facet in one pass over them.

    The matches (id, rank, publication date and the facet columns) are read once into
    a CTE; the page is its best ``PAGE_SIZE`` rows from ``start`` (the order of
    ``_window``), the counts its GROUPING SETS. Returns the page's (pk, rank) pairs
    and the counts.
    """
    inner, params = _facet_rows(queryset, "pk", "rank", "published_at")
    quote = connection.ops.quote_name
    pk, rank, published = quote("pk"), quote("rank"), quote("published_at")
    nulls = ", ".join("NULL" for _column in FACET_COLUMNS)
    sql = (
        f"WITH m AS MATERIALIZED ({inner}) "
        f"(SELECT NULL, NULL, {nulls}, m.{pk}, m.{rank}, m.{published} FROM m "
        f"ORDER BY m.{rank} DESC, m.{published} DESC, m.{pk} DESC LIMIT %s OFFSET %s) "
        f"UNION ALL ({_grouping_sql('m', 'g', ', NULL, NULL, NULL')})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, PAGE_SIZE, start))
        rows = cursor.fetchall()
    width = len(FACET_COLUMNS) + 2
    page = [row[width:] for row in rows if row[0] is None]
    # The statement's order, in Python: best rank, then newest (NULL first), then id.
    page.sort(key=lambda row: (row[1], row[2] is None, row[2] or 0, row[0]), reverse=True)
    return [(pk, rank) for pk, rank, _published in page], _tally(
        row[:width] for row in rows if row[0] is not None
    )


def _facets(counts):
    """The facets as (value, label, count) lists, and the total, from ``_tally``'s counts."""
    themes = {
        pk: (slug, name) for pk, slug, name in Theme.objects.values_list("pk", "slug", "name")
    }
    regions = dict(Region.objects.values_list("pk", "name"))
    labels = dict(Case.ResultsType.choices)

    def by_count(rows):
        return sorted(rows, key=lambda row: (-row[2], str(row[1])))

    sizes = counts["size_band"]
    facets = {
        "theme": by_count((*themes[pk], n) for pk, n in counts["theme_id"].items() if pk),
        "region": by_count(
            (str(pk), regions[pk], n) for pk, n in counts["region_id"].items() if pk
        ),
        "year": [
            (str(year), str(year), n)
            for year, n in sorted(
                ((year, n) for year, n in counts["year"].items() if year is not None),
                reverse=True,
            )
        ],
        "results": by_count(
            (key, labels[key], n) for key, n in counts["results_type"].items() if key
        ),
        "size": [(key, label, sizes[key]) for key, label, *_ in SIZE_BANDS if sizes.get(key)],
    }
    return facets, sum(counts["theme_id"].values())


def _tally_rows(queryset):
    """``_tally``'s counts from the matches' facet columns, counted here (SQLite)."""
    counts = {column: Counter() for column in FACET_COLUMNS}
    for row in queryset.order_by().values_list(*FACET_COLUMNS):
        for column, value in zip(FACET_COLUMNS, row, strict=True):
            counts[column][value] += 1
    return counts


def related(case, limit=4):
    """Published cases of the same theme, the most replicated and best rated first."""
    return list(
        Case.objects.filter(state=Case.State.PUBLISHED, theme=case.theme)
        .exclude(pk=case.pk)
        .select_related("municipality")
        .annotate(
            replicated=Count("replications", distinct=True),
            usefulness=Avg("ratings__usefulness"),
        )
        .order_by("-replicated", F("usefulness").desc(nulls_last=True), "-published_at")[:limit]
    )


# What the case's task pages show above their forms ------------------------------------
#
# Each ``*_panel`` is a node's ``panel_context``: the case is read with its milestones,
# results and evidence in a fixed number of queries, however many of them it has.


@dataclass
class Step:
    """One of the five steps as a reader (or the specialist) sees it."""

    number: int
    label: str
    complete: bool
    url: str
    sections: list  # (label, text) of each filled field, in the form's order


def case_for_panel(subject):
    return (
        Case.objects.select_related(
            "municipality__region", "theme", "specialist", "registered_by", "revises"
        )
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("date", "pk")),
            Prefetch("indicators", queryset=ResultIndicator.objects.order_by("pk")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("added", "pk")),
        )
        .get(pk=subject.pk)
    )


def case_steps(case):
    """The five steps with their texts; a step is complete as ``Case.step_complete`` says.

    ``case`` comes from ``case_for_panel``: with its milestones read, checking step 3
    costs no query.
    """
    steps = []
    for number, label in STEPS:
        sections = []
        for name in STEP_FIELDS[number]:
            text = (getattr(case, name) or "").strip()
            if text:
                verbose = str(Case._meta.get_field(name).verbose_name)
                # A field named as its step ("Critical reflection") needs no heading of its own.
                same = verbose.casefold() == str(label).casefold()
                sections.append(("" if same else verbose[:1].upper() + verbose[1:], text))
        steps.append(
            Step(
                number=number,
                label=str(label),
                complete=case.step_complete(number),
                url=reverse("knowledge:systematise", args=[case.pk, number]),
                sections=sections,
            )
        )
    return steps


def _case_context(subject):
    case = case_for_panel(subject)
    return {
        "case": case,
        "steps": case_steps(case),
        "milestones": list(case.milestones.all()),
        "indicators": list(case.indicators.all()),
        "evidence": list(case.evidence.all()),
    }


def curation_before(case, task):
    """The last curation of ``case`` made before ``task`` was opened: the one its round
    answers (a rework, a second curation, the publication), not a later one."""
    return (
        case.curations.filter(created__lte=task.created)
        .select_related("reviewer")
        .order_by("-created", "-pk")
        .first()
    )


def systematise_panel(*, task, subject, user):
    """The steps and where the specialist left off; what the curation found on a return.

    The findings come from the round (the curation whose return opened this task), not
    from the case's state: the first edit of a rework moves the case on, and the
    findings must stay on the page until the case goes back.
    """
    context = _case_context(subject)
    case, steps = context["case"], context["steps"]
    missing = [step for step in steps if not step.complete]
    context.update(
        {
            "may_edit": task.is_open and task.owner_id == user.pk and case.is_editable,
            "next_step": missing[0] if missing else steps[0],
            "all_complete": not missing,
            "missing": missing,
            "details_url": reverse("knowledge:systematise", args=[case.pk, DETAILS_STEP]),
        }
    )
    returned = rounds.sent_back_by(task)
    if returned is not None and returned.flow_task.name == "curate":
        curation = curation_before(case, task)
        if curation is not None and not curation.approved:
            context["curation"] = curation
            context["criteria"] = _criteria(curation)
    return context


def _criteria(curation):
    return [(label, bool(curation.criteria.get(key))) for key, label in CRITERIA]


def curation_panel(*, task, subject, user):
    """The whole systematised case, as the curator judges it.

    The specialist's note on sending it is the engine's (the previous step's note).
    """
    return _case_context(subject)


def publication_panel(*, task, subject, user):
    """The case as it will be published, and the curation that approved it (as it stood
    when this task opened; the curator's note is the engine's)."""
    context = _case_context(subject)
    curation = curation_before(context["case"], task)
    context["curation"] = curation
    context["criteria"] = _criteria(curation) if curation is not None else []
    return context
