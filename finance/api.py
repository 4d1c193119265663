"""Finance API: public read-only open data, and submission with a personal token."""

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from workflows import rest
from workflows.services import TaskUnavailable

from . import services
from .forms import too_large_message
from .models import (
    STAGES,
    ClassifierEntry,
    FiscalPeriod,
    IndicatorValue,
    Line,
    Part,
    Submission,
    Upload,
)
from .scope import submission_filter

# Examples of each answer and body, as a client sees them (list answers are wrapped in
# their page by the schema generator); tests check them against the schema.
PERIOD_VALUE = {
    "id": 12,
    "year": 2026,
    "quarter": 3,
    "label": "3.er trimestre de 2026",
    "currency": "VES",
    "opens_on": "2026-10-01",
    "deadline": "2026-10-31",
    "state": "open",
}
PERIOD_EXAMPLE = OpenApiExample("Periodo fiscal", response_only=True, value=PERIOD_VALUE)
CLASSIFIER_EXAMPLE = OpenApiExample(
    "Partida del clasificador",
    response_only=True,
    value={
        "code": "4.01.01.01.00",
        "name": "Sueldos básicos personal fijo a tiempo completo",
        "kind": "expenditure",
        "level": 3,
        "parent": "4.01.01.00.00",
        "cofog": "",
        "is_active": True,
    },
)
INDICATOR_EXAMPLE = OpenApiExample(
    "Indicador",
    response_only=True,
    value={
        "municipality_code": "1521",
        "municipality": "Sucre",
        "year": 2026,
        "quarter": 2,
        "currency": "VES",
        "indicator": "fiscal_autonomy",
        "value": "0.4123",
    },
)
LINE_EXAMPLE = OpenApiExample(
    "Línea publicada",
    response_only=True,
    value={
        "id": 905113,
        "municipality_code": "1521",
        "year": 2026,
        "quarter": 2,
        "currency": "VES",
        "program": "01",
        "code": "4.01.01.01.00",
        "initial": "1250000.00",
        "modified": "1310000.00",
        "committed": "640000.00",
        "caused": "612500.00",
        "paid": "598000.00",
        "estimated": None,
        "liquidated": None,
        "collected": None,
    },
)
UPLOAD_ACCEPTED = {
    "id": 3307,
    "original_name": "api.json",
    "format": "json",
    "part": "expenditure",
    "result": "accepted",
    "progress": 100,
    "line_count": 2,
    "checks_run": 14,
    "findings": [],
    "findings_counts": {},
    "uploaded_at": "2026-10-14T09:30:02-04:00",
}
UPLOAD_EXAMPLES = [
    OpenApiExample("Aceptado", response_only=True, status_codes=["201"], value=UPLOAD_ACCEPTED),
    OpenApiExample(
        "Rechazado por las validaciones",
        response_only=True,
        status_codes=["422"],
        value={
            **UPLOAD_ACCEPTED,
            "result": "rejected",
            "findings": [
                {
                    "rule": "unknown_code",
                    "severity": "error",
                    "message": "El código 4.99.01.00.00 no está en el clasificador.",
                    "row": 2,
                    "column": "code",
                    "code": "4.99.01.00.00",
                }
            ],
            "findings_counts": {"unknown_code": {"severity": "error", "kept": 1, "more": 0}},
        },
    ),
    OpenApiExample(
        "Gastos en JSON",
        request_only=True,
        media_type="application/json",
        value={
            "part": "expenditure",
            "lines": [
                {
                    "code": "4.01.01.01.00",
                    "program": "01",
                    "initial": "1250000.00",
                    "modified": "1310000.00",
                    "committed": "640000.00",
                    "caused": "612500.00",
                    "paid": "598000.00",
                },
                {"code": "4.02.01.01.00", "initial": "80000.00", "caused": "15000.00"},
            ],
        },
    ),
    OpenApiExample(
        "Archivo CSV o XLSX",
        request_only=True,
        media_type="multipart/form-data",
        value={"file": "ejecucion-2026-T3.xlsx", "part": "both"},
    ),
]
SUBMISSION_VALUE = {
    "id": 741,
    "municipality_code": "1521",
    "period": PERIOD_VALUE,
    "version": 1,
    "state": "validated",
    "quality": "0.96",
    "checks_run": 28,
    "checks_failed": 1,
    "expenditure_upload": 3307,
    "revenue_upload": 3310,
    "missing_parts": [],
    "submitted_at": None,
    "published_at": None,
}
SUBMISSION_EXAMPLE = OpenApiExample("Envío", response_only=True, value=SUBMISSION_VALUE)
SUBMIT_EXAMPLES = [
    OpenApiExample(
        "Enviado a revisión",
        response_only=True,
        value={
            **SUBMISSION_VALUE,
            "state": "in_review",
            "submitted_at": "2026-10-15T16:20:45-04:00",
        },
    ),
    *(
        OpenApiExample(
            "Con justificación",
            request_only=True,
            media_type=media_type,
            value={"justification": "La partida 4.07 incluye un aporte extraordinario."},
        )
        for media_type in (
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
    ),
]


class PeriodSerializer(serializers.ModelSerializer):
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = FiscalPeriod
        fields = ["id", "year", "quarter", "label", "currency", "opens_on", "deadline", "state"]


class ClassifierSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = ClassifierEntry
        fields = ["code", "name", "kind", "level", "parent", "cofog", "is_active"]


class IndicatorSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)
    quarter = serializers.IntegerField(source="period.quarter", read_only=True)
    currency = serializers.CharField(source="period.currency.code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "municipality_code",
            "municipality",
            "year",
            "quarter",
            "currency",
            "indicator",
            "value",
        ]


class LineSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="submission.municipality.code", read_only=True)
    year = serializers.IntegerField(source="submission.period.year", read_only=True)
    quarter = serializers.IntegerField(source="submission.period.quarter", read_only=True)
    currency = serializers.CharField(source="submission.period.currency.code", read_only=True)

    class Meta:
        model = Line
        fields = [
            "id",
            "municipality_code",
            "year",
            "quarter",
            "currency",
            "program",
            "code",
            *STAGES,
        ]


class IndicatorFilter(rest.FilterSet):
    municipality = filters.CharFilter(field_name="municipality__code")
    region = filters.CharFilter(field_name="municipality__region__code")
    year = rest.IntegerFilter(field_name="period__year", min_value=1, max_value=9999)
    quarter = rest.IntegerFilter(field_name="period__quarter", min_value=0, max_value=4)

    class Meta:
        model = IndicatorValue
        fields = ["municipality", "region", "year", "quarter", "indicator"]


class LineFilter(rest.FilterSet):
    municipality = filters.CharFilter(field_name="submission__municipality__code")
    period = rest.IntegerFilter(field_name="submission__period", min_value=1)
    code = filters.CharFilter(field_name="code", lookup_expr="startswith")

    class Meta:
        model = Line
        fields = ["municipality", "period", "code"]


class LinePagination(CursorPagination):
    ordering = "id"
    page_size = 500


class PublicReadOnly(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    authentication_classes = []


@extend_schema_view(
    list=extend_schema(examples=[PERIOD_EXAMPLE]), retrieve=extend_schema(examples=[PERIOD_EXAMPLE])
)
class FiscalPeriodViewSet(PublicReadOnly):
    serializer_class = PeriodSerializer
    queryset = FiscalPeriod.objects.select_related("currency").order_by("-year", "-quarter")
    filterset_fields = ["year", "quarter", "state"]


@extend_schema_view(
    list=extend_schema(examples=[CLASSIFIER_EXAMPLE]),
    retrieve=extend_schema(examples=[CLASSIFIER_EXAMPLE]),
)
class ClassifierViewSet(PublicReadOnly):
    serializer_class = ClassifierSerializer
    queryset = ClassifierEntry.objects.select_related("parent").order_by("code")
    filterset_fields = ["kind", "level", "is_active"]
    lookup_field = "code"
    lookup_value_regex = r"[34](\.\d{2}){4}"


@extend_schema_view(
    list=extend_schema(examples=[INDICATOR_EXAMPLE]),
    retrieve=extend_schema(examples=[INDICATOR_EXAMPLE]),
)
class IndicatorViewSet(PublicReadOnly):
    """Indicators of published data; amounts in the currency of their period."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    queryset = (
        IndicatorValue.objects.filter(submission__state=Submission.State.PUBLISHED)
        .exclude(indicator__startswith="total:")
        .select_related("municipality", "period__currency")
        .order_by("municipality__code", "period__year", "period__quarter", "indicator")
    )


@extend_schema_view(
    list=extend_schema(examples=[LINE_EXAMPLE]), retrieve=extend_schema(examples=[LINE_EXAMPLE])
)
class LineViewSet(PublicReadOnly):
    """Published budget lines, cursor-paginated so that deep pages stay cheap."""

    serializer_class = LineSerializer
    filterset_class = LineFilter
    pagination_class = LinePagination
    queryset = Line.objects.filter(submission__state=Submission.State.PUBLISHED).select_related(
        "submission__municipality", "submission__period__currency"
    )


class UploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Upload
        fields = [
            "id",
            "original_name",
            "format",
            "part",
            "result",
            "progress",
            "line_count",
            "checks_run",
            "findings",
            "findings_counts",
            "uploaded_at",
        ]


class SubmissionSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)
    period = PeriodSerializer(read_only=True)
    expenditure_upload = serializers.IntegerField(
        source="expenditure_upload_id",
        read_only=True,
        allow_null=True,
        help_text="The accepted file whose lines stand for the expenditure part, if any.",
    )
    revenue_upload = serializers.IntegerField(
        source="revenue_upload_id",
        read_only=True,
        allow_null=True,
        help_text="The accepted file whose lines stand for the revenue part, if any.",
    )
    missing_parts = serializers.ListField(
        child=serializers.ChoiceField(choices=[Part.EXPENDITURE, Part.REVENUE]),
        read_only=True,
        help_text="Parts no accepted file has filled yet; the data is submitted once empty.",
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "municipality_code",
            "period",
            "version",
            "state",
            "quality",
            "checks_run",
            "checks_failed",
            "expenditure_upload",
            "revenue_upload",
            "missing_parts",
            "submitted_at",
            "published_at",
        ]


part_input = serializers.ChoiceField(
    choices=Part.choices,
    required=False,
    help_text=(
        "The part the data is: expenditure, revenue, or both. Without it, the columns "
        "(the stages given) decide. A part replaces the earlier data of that part only."
    ),
)

line_input = inline_serializer(
    "FinanceLineInput",
    {
        "code": serializers.CharField(),
        "program": serializers.CharField(required=False),
        **{stage: serializers.DecimalField(24, 2, required=False) for stage in STAGES},
    },
)


@extend_schema_view(
    list=extend_schema(examples=[SUBMISSION_EXAMPLE]),
    retrieve=extend_schema(examples=[SUBMISSION_EXAMPLE]),
)
class SubmissionViewSet(viewsets.ReadOnlyModelViewSet):
    """Submissions in the user's territory; officers upload and submit with their token."""

    serializer_class = SubmissionSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["state", "period"]
    queryset = Submission.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        return (
            Submission.objects.filter(submission_filter(self.request.user))
            .select_related("municipality", "period__currency")
            .order_by("-period__year", "-period__quarter", "municipality__code", "-version")
        )

    @extend_schema(
        request={
            "application/json": inline_serializer(
                "FinanceUploadInput",
                {
                    "lines": serializers.ListField(child=line_input, min_length=1),
                    "part": part_input,
                },
            ),
            "multipart/form-data": inline_serializer(
                "FinanceUploadFile", {"file": serializers.FileField(), "part": part_input}
            ),
        },
        responses={201: UploadSerializer, 422: UploadSerializer},
        examples=UPLOAD_EXAMPLES,
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def upload(self, request, pk=None, format=None):
        """Send lines as JSON (or a file); the checks run as for an uploaded file.

        Expenditure and revenue may be sent separately, in either order: ``part`` names
        the part, or the columns decide (expenditure stages only: the expenditure part).
        """
        submission = self.get_object()
        limit = settings.FINANCE_MAX_UPLOAD_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > limit:  # before anything is read
            return Response({"detail": [too_large_message()]}, status=413)
        if "file" in request.FILES:
            handle = request.FILES["file"]
            if handle.size > limit:
                return Response({"detail": [too_large_message()]}, status=413)
            name, data = handle.name, handle.read()
            part = request.data.get("part")
        else:
            payload = request.data if isinstance(request.data, dict | list) else {}
            part = payload.get("part") if isinstance(payload, dict) else None
            name = "api.json"
            data = json.dumps(payload, default=str, ensure_ascii=False).encode("utf-8")
        if part not in (None, "", *Part.values):
            return Response(
                {"part": [_("Send expenditure, revenue or both as the part, or leave it out.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            upload = services.receive_upload(
                submission, request.user, name, data, background=False, part=part or None
            )
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if upload.result == Upload.Result.ACCEPTED else 422
        return Response(UploadSerializer(upload).data, status=code)

    @extend_schema(
        request=inline_serializer(
            "FinanceSubmitInput", {"justification": serializers.CharField(required=False)}
        ),
        responses={200: SubmissionSerializer},
        examples=SUBMIT_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):
        """Send the validated data for review (completes the submission task)."""
        submission = self.get_object()
        data = request.data if isinstance(request.data, dict) else None
        justification = data.get("justification", "") if data is not None else None
        if not isinstance(justification, str):
            return Response(
                {"justification": [_("Send an object whose justification is text.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            services.submit_for_review(submission, request.user, justification.replace("\x00", ""))
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except (ValidationError, TaskUnavailable) as error:
            detail = error.messages if isinstance(error, ValidationError) else [str(error)]
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        submission.refresh_from_db()
        return Response(SubmissionSerializer(submission).data)
