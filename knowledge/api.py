"""The public library as a read-only API: published cases, searchable and filterable."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from . import selectors
from .models import Case


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


CASE_EXAMPLE = OpenApiExample(
    "Caso publicado",
    response_only=True,
    value={
        "id": 17,
        "url": "https://pagg.example.org/knowledge/cases/17/",
        "title": "Catastro participativo en Sucre",
        "municipality_code": "1521",
        "municipality": "Sucre",
        "state_name": "Miranda",
        "theme": "Hacienda municipal",
        "summary": "Los consejos comunales actualizaron el catastro junto con la alcaldía.",
        "started_on": "2024-02-01",
        "ended_on": "2025-06-30",
        "contact_name": "Dirección de Catastro",
        "partners": "Consejos comunales de Petare",
        "situation_before": "El catastro tenía diez años sin actualizarse.",
        "objectives": "Actualizar el catastro y aumentar la recaudación del impuesto inmobiliario.",
        "process": "Jornadas por parroquia con brigadas mixtas.",
        "resources": "Tabletas, formación de 40 brigadistas.",
        "reflection": "La confianza de la comunidad fue decisiva.",
        "results": "28 % más de inmuebles registrados.",
        "results_type": "fiscal",
        "lessons": "Empezar por las parroquias con más organización comunal.",
        "sustainability": "La actualización quedó en la ordenanza de catastro.",
        "replicability": "Aplicable a municipios urbanos con consejos comunales activos.",
        "milestones": [
            {"date": "2024-02-01", "title": "Inicio", "description": "Primera jornada."}
        ],
        "version": 2,
        "published_at": "2025-09-12T11:00:00-04:00",
    },
)

FILTERS = [
    OpenApiParameter("q", str, description="Full-text search (Spanish, accents ignored)"),
    OpenApiParameter("theme", str, description="Theme slug"),
    OpenApiParameter("region", int, description="State id"),
    OpenApiParameter("year", int, description="Year the experience started"),
    OpenApiParameter("size", str, enum=["small", "medium", "large"]),
    OpenApiParameter("results", str, enum=list(Case.ResultsType.values)),
]


@extend_schema_view(
    list=extend_schema(parameters=FILTERS, examples=[CASE_EXAMPLE]),
    retrieve=extend_schema(examples=[CASE_EXAMPLE]),
)
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
        params = {k: request.query_params.get(k, "") for k in selectors.LIBRARY_PARAMS}
        with selectors.through_the_index(bool(params["q"].strip())):
            page = self.paginate_queryset(selectors.matching(params).values_list("pk", flat=True))
        by_pk = self.get_queryset().in_bulk(page)
        cases = [by_pk[pk] for pk in page if pk in by_pk]
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)
