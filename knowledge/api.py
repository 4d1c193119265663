"""The public library as a read-only API: published cases, searchable and filterable."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
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


@extend_schema_view(
    list=extend_schema(parameters=[LibraryQuery], examples=[CASE_EXAMPLE]),
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
        query = LibraryQuery.read(request)
        params = {k: str(query.get(k, "")) for k in selectors.LIBRARY_PARAMS}
        with selectors.through_the_index(bool(params["q"].strip())):
            page = self.paginate_queryset(selectors.matching(params).values_list("pk", flat=True))
        by_pk = self.get_queryset().in_bulk(page)
        cases = [by_pk[pk] for pk in page if pk in by_pk]
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)


# The cases at work -------------------------------------------------------------------


class CaseFileSerializer(serializers.ModelSerializer):
    """A case as the people working on it read it: every state, the working fields too."""

    url = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    # Named apart from ``state``, the case's standing: the municipality's entidad federal.
    federal_entity = serializers.CharField(
        source="municipality.region.name",
        read_only=True,
        help_text="The federal entity (entidad federal) of the municipality.",
    )
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    theme_name = serializers.CharField(source="theme.name", read_only=True)
    results_type_label = serializers.CharField(source="get_results_type_display", read_only=True)
    specialist = serializers.CharField(
        source="specialist.username", read_only=True, allow_null=True, default=None
    )
    registered_by = serializers.CharField(source="registered_by.username", read_only=True)
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "url",
            "title",
            "state",
            "state_label",
            "version",
            "revises",
            "municipality_code",
            "municipality",
            "federal_entity",
            "theme",
            "theme_name",
            "summary",
            "contact_name",
            "contact_email",
            "contact_phone",
            "started_on",
            "ended_on",
            "partners",
            "situation_before",
            "records",
            "guiding_questions",
            "objectives",
            "process",
            "resources",
            "reflection",
            "results",
            "results_type",
            "results_type_label",
            "lessons",
            "sustainability",
            "replicability",
            "milestones",
            "specialist",
            "registered_by",
            "review_comment",
            "created",
            "draft_saved_at",
            "published_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case):
        """The case's page, which those who may read the case open in any state."""
        path = reverse("knowledge:case_detail", args=[case.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(
        inline_serializer(
            "CaseMilestone",
            {
                "date": serializers.DateField(),
                "title": serializers.CharField(),
                "description": serializers.CharField(),
            },
            many=True,
        )
    )
    def get_milestones(self, case):
        return [
            {"date": m.date.isoformat(), "title": m.title, "description": m.description}
            for m in case.milestones.all()
        ]


class CaseFileFilter(rest.FilterSet):
    theme = rest.SlugFilter(field_name="theme__slug", help_text="Theme slug")
    municipality = rest.SlugFilter(field_name="municipality__code", help_text="Municipality code")

    class Meta:
        model = Case
        fields = ["state", "theme", "municipality"]


CASE_FILE = {
    "id": 42,
    "url": "https://pagg.example.org/knowledge/cases/42/",
    "title": "Catastro comunitario",
    "state": "in_systematisation",
    "state_label": "En sistematización",
    "version": 1,
    "revises": None,
    "municipality_code": "1501",
    "municipality": "Acevedo",
    "federal_entity": "Miranda",
    "theme": "servicios-publicos",
    "theme_name": "Servicios públicos",
    "summary": "Vecinos censistas actualizan el catastro.",
    "contact_name": "María González",
    "contact_email": "catastro@acevedo.example",
    "contact_phone": "",
    "started_on": "2024-03-01",
    "ended_on": None,
    "partners": "",
    "situation_before": "El catastro tenía veinte años.",
    "records": "",
    "guiding_questions": "",
    "objectives": "",
    "process": "",
    "resources": "",
    "reflection": "",
    "results": "",
    "results_type": "",
    "results_type_label": "",
    "lessons": "",
    "sustainability": "",
    "replicability": "",
    "milestones": [
        {"date": "2024-03-01", "title": "Primer censo", "description": "Tres parroquias."}
    ],
    "specialist": "esp",
    "registered_by": "off_a",
    "review_comment": "",
    "created": "2026-02-10T11:00:00-04:00",
    "draft_saved_at": "2026-02-12T16:20:00-04:00",
    "published_at": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="Innovation cases the caller may read, in any state",
        examples=[OpenApiExample("A page of cases", value=CASE_FILE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One innovation case, in any state",
        examples=[OpenApiExample("A case in systematisation", value=CASE_FILE, response_only=True)],
    ),
)
class CaseFileViewSet(viewsets.ReadOnlyModelViewSet):
    """Innovation cases at work, for the people the case pages show them to.

    Published cases for everyone signed in; registered, in systematisation, in
    curation and returned ones for those who registered them, their specialist and
    their theme's specialists, the facilitators and officers of their municipality,
    curators and coordination staff (``selectors.visible_cases``, the pages' rule).
    The public library stays at ``knowledge/cases``.
    """

    serializer_class = CaseFileSerializer
    filterset_class = CaseFileFilter
    lookup_value_regex = r"[0-9]+"
    queryset = Case.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return (
            selectors.visible_cases(self.request.user)
            .select_related("municipality__region", "theme", "specialist", "registered_by")
            .prefetch_related("milestones")
            .order_by("-created", "-pk")
        )
