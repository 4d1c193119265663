"""The library's read side: what each person may see, full-text search, facets, related cases.

Search on PostgreSQL uses the ``es_unaccent`` text search configuration (Spanish
stemming after removing accents), so that "participación" finds "participativo"
and "PARTICIPACION"; SQLite, the zero-setup default, falls back to matching every
word in an unaccented copy of the text.
"""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from agreements.models import Region
from networks.models import Theme
from workflows.permissions import scope_ids
from workflows.roles import Role, has_role

from .models import Case, Replication
from .services import CURATE, plain

SIZE_BANDS = [
    ("small", _("Up to 50,000 inhabitants"), 0, 50_000),
    ("medium", _("50,001 to 200,000 inhabitants"), 50_001, 200_000),
    ("large", _("More than 200,000 inhabitants"), 200_001, None),
]
PAGE_SIZE = 20


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
                rank=SearchRank(F("search_vector"), search)
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
        queryset = queryset.filter(municipality__region_id=int(params["region"]))
    if str(params.get("year") or "").isdigit():
        queryset = queryset.filter(started_on__year=int(params["year"]))
    if params.get("results"):
        queryset = queryset.filter(results_type=params["results"])
    for key, _label, low, high in SIZE_BANDS:
        if params.get("size") == key:
            queryset = queryset.filter(municipality__population__gte=low)
            if high:
                queryset = queryset.filter(municipality__population__lte=high)
    return queryset


def library(params, page=1, with_facets=True):
    """Published cases matching the query and filters, best first, with facet counts."""
    base = Case.objects.filter(state=Case.State.PUBLISHED)
    matched, ranked = _search(base, (params.get("q") or "").strip())
    filtered = _filter(matched, params)
    order = ["-rank", "-published_at"] if ranked else ["-published_at", "-pk"]
    total = filtered.count()
    start = (page - 1) * PAGE_SIZE
    results = list(
        filtered.select_related("municipality__region", "theme")
        .annotate(
            replicated=Count(
                "replications",
                filter=~Q(replications__state=Replication.State.ABANDONED),
                distinct=True,
            )
        )
        .order_by(*order)[start : start + PAGE_SIZE]
    )
    facets = facet_counts(filtered) if with_facets else {}
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return Library(results, total, facets, page, pages)


def facet_counts(queryset):
    """How many matching cases each facet value has (values with none are left out)."""
    themes = dict(Theme.objects.values_list("pk", "name"))
    slugs = dict(Theme.objects.values_list("pk", "slug"))
    regions = dict(Region.objects.values_list("pk", "name"))
    facets = {
        "theme": [
            (slugs[row["theme"]], themes[row["theme"]], row["n"])
            for row in queryset.order_by().values("theme").annotate(n=Count("pk")).order_by("-n")
        ],
        "region": [
            (str(row["municipality__region"]), regions[row["municipality__region"]], row["n"])
            for row in queryset.order_by()
            .values("municipality__region")
            .annotate(n=Count("pk"))
            .order_by("-n")
        ],
        "year": [
            (str(row["year"]), str(row["year"]), row["n"])
            for row in queryset.order_by()
            .annotate(year=ExtractYear("started_on"))
            .values("year")
            .annotate(n=Count("pk"))
            .order_by("-year")
        ],
        "results": [
            (row["results_type"], Case.ResultsType(row["results_type"]).label, row["n"])
            for row in queryset.order_by()
            .exclude(results_type="")
            .values("results_type")
            .annotate(n=Count("pk"))
            .order_by("-n")
        ],
    }
    size = []
    for key, label, low, high in SIZE_BANDS:
        band = queryset.filter(municipality__population__gte=low)
        if high:
            band = band.filter(municipality__population__lte=high)
        size.append((key, label, band.order_by().count()))
    facets["size"] = [row for row in size if row[2]]
    return facets


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
