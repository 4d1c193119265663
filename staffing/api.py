"""Specialist positions and their candidates as a read-only API, as the position pages.

Whoever may open the position pages (``staffing.view_position``: coordination staff
and auditors) reads positions and their candidates by number with their scores;
candidates' personal data (name, e-mail, phone, identity document, CV, the
evaluator's notes) is given only to those ``permissions.can_see_personal_data``
allows, the rule the pages and task panels follow. For anyone else those fields
are null, and ``personal_data`` says so.
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
from rest_framework.permissions import BasePermission, IsAuthenticated

from workflows.api_filters import IdFilter, SlugFilter, StrictFilterSet

from .models import Candidate, Position
from .permissions import can_see_personal_data

VIEW_POSITIONS = "staffing.view_position"


class MayViewPositions(BasePermission):
    """The position pages' permission."""

    def has_permission(self, request, view):
        return request.user.has_perm(VIEW_POSITIONS)


class CandidateSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    anonymised = serializers.BooleanField(source="is_anonymised", read_only=True)
    chosen = serializers.SerializerMethodField()
    evaluated = serializers.SerializerMethodField()
    expertise = serializers.SerializerMethodField()
    experience = serializers.SerializerMethodField()
    fit = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    full_name = serializers.SerializerMethodField(help_text="Personal data: null if withheld.")
    email = serializers.SerializerMethodField(help_text="Personal data: null if withheld.")
    phone = serializers.SerializerMethodField(help_text="Personal data: null if withheld.")
    national_id = serializers.SerializerMethodField(help_text="Personal data: null if withheld.")
    cv_url = serializers.SerializerMethodField(help_text="Personal data: null if withheld.")
    notes = serializers.SerializerMethodField(
        help_text="The evaluator's notes. Personal data: null if withheld."
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            "number",
            "label",
            "anonymised",
            "chosen",
            "registered_at",
            "evaluated",
            "expertise",
            "experience",
            "fit",
            "total",
            "full_name",
            "email",
            "phone",
            "national_id",
            "cv_url",
            "notes",
        ]

    def _evaluation(self, candidate):
        return getattr(candidate, "evaluation", None)

    def _personal(self, candidate):
        return self.context["personal"] and not candidate.is_anonymised

    def get_chosen(self, candidate) -> bool:
        return candidate.position.hired_id == candidate.pk

    def get_evaluated(self, candidate) -> bool:
        return self._evaluation(candidate) is not None

    def _score(self, candidate, name):
        evaluation = self._evaluation(candidate)
        return getattr(evaluation, name) if evaluation is not None else None

    def get_expertise(self, candidate) -> int | None:
        return self._score(candidate, "expertise")

    def get_experience(self, candidate) -> int | None:
        return self._score(candidate, "experience")

    def get_fit(self, candidate) -> int | None:
        return self._score(candidate, "fit")

    def get_total(self, candidate) -> int | None:
        return self._score(candidate, "total")

    def _own(self, candidate, field):
        return getattr(candidate, field) if self._personal(candidate) else None

    def get_full_name(self, candidate) -> str | None:
        return self._own(candidate, "full_name")

    def get_email(self, candidate) -> str | None:
        return self._own(candidate, "email")

    def get_phone(self, candidate) -> str | None:
        return self._own(candidate, "phone")

    def get_national_id(self, candidate) -> str | None:
        return self._own(candidate, "national_id")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cv_url(self, candidate):
        if not (self._personal(candidate) and candidate.cv):
            return None
        path = reverse("staffing:candidate_cv", args=[candidate.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_notes(self, candidate) -> str | None:
        evaluation = self._evaluation(candidate)
        if not self._personal(candidate) or evaluation is None:
            return None
        return evaluation.notes


class PositionSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    theme_name = serializers.CharField(source="theme.name", read_only=True)
    network = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    network_name = serializers.CharField(
        source="network.name", read_only=True, allow_null=True, default=None
    )
    serves = serializers.CharField(read_only=True)
    candidate_count = serializers.SerializerMethodField()
    personal_data = serializers.SerializerMethodField(
        help_text="Whether the candidates' personal data is given to the caller."
    )
    candidates = CandidateSerializer(many=True, read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "title",
            "state",
            "state_label",
            "profile",
            "expertise",
            "theme",
            "theme_name",
            "network",
            "network_name",
            "project_name",
            "serves",
            "term_months",
            "created",
            "ended_at",
            "decision_comment",
            "candidate_count",
            "personal_data",
            "candidates",
        ]

    def get_candidate_count(self, position) -> int:
        return len(position.candidates.all())

    def get_personal_data(self, position) -> bool:
        return self.context["personal"]


CANDIDATE = {
    "id": 31,
    "number": 1,
    "label": "Candidatura 1",
    "anonymised": False,
    "chosen": False,
    "registered_at": "2026-02-03T10:00:00-04:00",
    "evaluated": True,
    "expertise": 4,
    "experience": 5,
    "fit": 4,
    "total": 13,
}
PERSONAL = {
    "full_name": "Ana Salcedo",
    "email": "ana@correo.example",
    "phone": "+58 212 555 0101",
    "national_id": "V-12345678",
    "cv_url": "https://pagg.example.org/staffing/candidates/31/cv/",
    "notes": "Amplia experiencia en catastro.",
}
POSITION = {
    "id": 5,
    "title": "Especialista en catastro",
    "state": "evaluated",
    "state_label": "Evaluada: decisión pendiente",
    "profile": "Acompañar a los municipios.",
    "expertise": "Catastro.",
    "theme": "servicios-publicos",
    "theme_name": "Servicios públicos",
    "network": None,
    "network_name": None,
    "project_name": "",
    "serves": "Servicios públicos",
    "term_months": 12,
    "created": "2026-02-01T09:00:00-04:00",
    "ended_at": None,
    "decision_comment": "",
    "candidate_count": 1,
}
WITH_PERSONAL = {**POSITION, "personal_data": True, "candidates": [{**CANDIDATE, **PERSONAL}]}
WITHOUT_PERSONAL = {
    **POSITION,
    "personal_data": False,
    "candidates": [{**CANDIDATE, **dict.fromkeys(PERSONAL)}],
}


def _examples():
    return [
        OpenApiExample("As the coordination reads it", value=WITH_PERSONAL, response_only=True),
        OpenApiExample(
            "As an auditor reads it (no personal data)",
            value=WITHOUT_PERSONAL,
            response_only=True,
        ),
    ]


class PositionFilter(StrictFilterSet):
    """The position list's filter (state), and what a position serves."""

    theme = SlugFilter(field_name="theme__slug", help_text="Theme slug")
    network = IdFilter(field_name="network_id", help_text="Network id")

    class Meta:
        model = Position
        fields = ["state", "theme", "network"]


@extend_schema_view(
    list=extend_schema(summary="Specialist positions", examples=_examples()),
    retrieve=extend_schema(summary="One position with its candidates", examples=_examples()),
)
class PositionViewSet(viewsets.ReadOnlyModelViewSet):
    """Positions for specialists and their candidates; personal data for coordination only."""

    serializer_class = PositionSerializer
    permission_classes = [IsAuthenticated, MayViewPositions]
    filterset_class = PositionFilter
    lookup_value_regex = r"[0-9]+"
    queryset = Position.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Position.objects.none()
        candidates = Candidate.objects.select_related("evaluation").order_by("number")
        return (
            Position.objects.select_related("theme", "network")
            .prefetch_related(Prefetch("candidates", queryset=candidates))
            .order_by("-created", "-pk")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["personal"] = can_see_personal_data(self.request.user)
        return context
