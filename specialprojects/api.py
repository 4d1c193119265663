"""Special projects and their milestones as a read-only API, scoped as the portfolio is.

Coordination staff and auditors see every project; anyone else the projects whose
team they are on (``selectors.visible_projects``); another project answers 404.
"""

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets

from workflows.api_filters import BooleanFilter, IdFilter, StrictFilterSet

from . import selectors
from .models import Milestone, Project, TeamMember


def person_name(user):
    return user.get_full_name() or user.get_username()


class MilestoneSerializer(serializers.ModelSerializer):
    responsible = serializers.CharField(
        source="responsible.username", read_only=True, allow_null=True, default=None
    )
    responsible_name = serializers.SerializerMethodField()
    is_late = serializers.BooleanField(read_only=True)
    deliverable_url = serializers.SerializerMethodField(
        help_text="The delivered file, for those who may read the project; null until delivered."
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "title",
            "deliverable",
            "starts_on",
            "due_on",
            "responsible",
            "responsible_name",
            "completed_at",
            "is_late",
            "report",
            "deliverable_url",
        ]

    def get_responsible_name(self, milestone) -> str | None:
        return person_name(milestone.responsible) if milestone.responsible_id else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_deliverable_url(self, milestone):
        if not milestone.file:
            return None
        path = reverse("specialprojects:milestone_file", args=[milestone.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class TeamMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    answer = serializers.ChoiceField(
        source="answer_code", choices=TeamMember.Answer.choices, read_only=True
    )
    answer_label = serializers.CharField(source="answer", read_only=True)

    class Meta:
        model = TeamMember
        fields = [
            "username",
            "name",
            "role",
            "role_label",
            "responsibility",
            "answer",
            "answer_label",
        ]


class ProjectIndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.DecimalField(max_digits=18, decimal_places=2)
    target = serializers.DecimalField(max_digits=18, decimal_places=2)
    current = serializers.DecimalField(max_digits=18, decimal_places=2)


class ProjectSerializer(serializers.ModelSerializer):
    line = serializers.PrimaryKeyRelatedField(read_only=True)
    line_name = serializers.CharField(source="line.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    lead = serializers.CharField(source="lead.username", read_only=True)
    lead_name = serializers.SerializerMethodField()
    currency = serializers.CharField(
        source="currency.code", read_only=True, allow_null=True, default=None
    )
    municipalities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    milestone_count = serializers.IntegerField(read_only=True)
    milestones_done = serializers.IntegerField(source="done", read_only=True)
    milestones_late = serializers.IntegerField(source="late", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    team = TeamMemberSerializer(many=True, read_only=True)
    indicators = ProjectIndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "line",
            "line_name",
            "state",
            "state_label",
            "lead",
            "lead_name",
            "objectives",
            "expected_results",
            "risks",
            "budget",
            "currency",
            "municipalities",
            "launched_on",
            "closed_on",
            "created",
            "milestone_count",
            "milestones_done",
            "milestones_late",
            "milestones",
            "team",
            "indicators",
        ]

    def get_lead_name(self, project) -> str:
        return person_name(project.lead)


class ProjectFilter(StrictFilterSet):
    """The portfolio's filters: line, state, and only those with late milestones."""

    # A line by its id; an id no line has lists nothing (it is not a malformed request).
    line = IdFilter(field_name="line_id", help_text="Project line id")
    late = BooleanFilter(
        method="filter_late",
        help_text="true: only projects with a milestone past due; false: only those without.",
    )

    class Meta:
        model = Project
        fields = ["line", "state", "late"]

    def filter_late(self, queryset, name, value):
        return queryset.filter(late__gt=0) if value else queryset.filter(late=0)


MILESTONE = {
    "id": 12,
    "title": "Plantilla",
    "deliverable": "Plantilla XLSX",
    "starts_on": "2026-02-01",
    "due_on": "2026-03-31",
    "responsible": "esp",
    "responsible_name": "Elena Pérez",
    "completed_at": "2026-03-20T15:10:00-04:00",
    "is_late": False,
    "report": "Entregada a los municipios.",
    "deliverable_url": "https://pagg.example.org/projects/milestones/12/deliverable/",
}
EXAMPLE = {
    "id": 3,
    "title": "Finanzas municipales",
    "line": 1,
    "line_name": "Finanzas",
    "state": "in_execution",
    "state_label": "En ejecución",
    "lead": "esp",
    "lead_name": "Elena Pérez",
    "objectives": "Publicar los datos fiscales.",
    "expected_results": "Datos publicados.",
    "risks": "",
    "budget": "1000.00",
    "currency": "VES",
    "municipalities": ["1501"],
    "launched_on": "2026-02-01",
    "closed_on": None,
    "created": "2026-01-20T09:00:00-04:00",
    "milestone_count": 1,
    "milestones_done": 1,
    "milestones_late": 0,
    "milestones": [MILESTONE],
    "team": [
        {
            "username": "esp",
            "name": "Elena Pérez",
            "role": "lead",
            "role_label": "Líder del proyecto",
            "responsibility": "",
            "answer": "confirmed",
            "answer_label": "Confirmó su participación",
        }
    ],
    "indicators": [
        {
            "name": "Municipios",
            "unit": "municipios",
            "baseline": "0.00",
            "target": "2.00",
            "current": "1.00",
        }
    ],
}


@extend_schema_view(
    list=extend_schema(
        summary="Special projects the caller may see",
        examples=[OpenApiExample("A page of projects", value=EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One special project, with its milestones, team and indicators",
        examples=[OpenApiExample("A project", value=EXAMPLE, response_only=True)],
    ),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Special projects with their milestones, as the portfolio and project pages show them."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    lookup_value_regex = r"[0-9]+"
    queryset = Project.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return (
            selectors.portfolio(self.request.user, {})
            .select_related("line", "lead", "currency")
            .prefetch_related(
                Prefetch("milestones", queryset=Milestone.objects.select_related("responsible")),
                Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("pk")),
                "indicators",
                "municipalities",
            )
            .order_by("line__name", "title", "pk")
        )
