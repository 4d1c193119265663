"""The public library as a read-only API: published cases, searchable and filterable."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from workflows import rest

from . import selectors
from .models import SIZE_BANDS, Case


class CaseSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    state_name = serializers.CharField(source="municipality.region.name", read_only=True)
    theme = serializers.CharField(source="theme.name", read_only=True)
    url = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "url",
            "title",
            "municipality_code",
            "municipality",
            "state_name",
            "theme",
            "summary",
            "started_on",
            "ended_on",
            "contact_name",
            "partners",
            "situation_before",
            "objectives",
            "process",
            "resources",
            "reflection",
            "results",
            "results_type",
            "lessons",
            "sustainability",
            "replicability",
            "milestones",
            "version",
            "published_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case):
        """The case's public page (a plain page, so no API format suffix such as ``.json``)."""
        path = reverse("knowledge:case_detail", args=[case.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_milestones(self, case) -> list[dict]:
        return [
            {"date": m.date.isoformat(), "title": m.title, "description": m.description}
            for m in case.milestones.all()
        ]


class LibraryQuery(rest.QueryParameters):
    """The library's search and filters, as the public library page takes them."""

    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Full-text search (Spanish, accents ignored)"
    )
    theme = serializers.SlugField(required=False, allow_blank=True, help_text="Theme slug")
    region = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="State id"
    )
    year = serializers.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="Year the experience started"
    )
    size = serializers.ChoiceField([key for key, *_rest in SIZE_BANDS], required=False)
    results = serializers.ChoiceField(Case.ResultsType.values, required=False)


@extend_schema_view(list=extend_schema(parameters=[LibraryQuery]))
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Published innovation cases: the library as open data."""

    serializer_class = CaseSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    filter_backends = []
    queryset = Case.objects.filter(state=Case.State.PUBLISHED)

    def get_queryset(self):
        return self.queryset.select_related("municipality__region", "theme").prefetch_related(
            "milestones"
        )

    def list(self, request, *args, **kwargs):
        """A page of the library's entries, best first, then those cases in that order."""
        query = LibraryQuery.read(request)
        params = {k: str(query.get(k, "")) for k in selectors.LIBRARY_PARAMS}
        with selectors.through_the_index(bool(params["q"].strip())):
            page = self.paginate_queryset(selectors.matching(params).values_list("pk", flat=True))
        by_pk = self.get_queryset().in_bulk(page)
        cases = [by_pk[pk] for pk in page if pk in by_pk]
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)
