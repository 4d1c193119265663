from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from . import scope
from .models import Agreement, Municipality

MUNICIPALITY_EXAMPLE = OpenApiExample(
    "Municipio",
    response_only=True,
    value={
        "id": 231,
        "code": "1521",
        "name": "Sucre",
        "region": "Miranda",
        "seat": "Petare",
        "population": 601233,
        "is_member": True,
        "member_since": "2026-03-15",
        "facilitator": "facilitador.capital",
    },
)
AGREEMENT_EXAMPLE = OpenApiExample(
    "Convenio",
    response_only=True,
    value={
        "id": 58,
        "municipality": "Sucre (Miranda)",
        "state": "active",
        "start_date": "2026-03-15",
        "end_date": "2028-03-14",
        "signed_on": "2026-03-10",
        "renewal_of": None,
        "created": "2026-02-20T10:31:07-04:00",
    },
)


class MunicipalitySerializer(serializers.ModelSerializer):
    region = serializers.StringRelatedField()
    facilitator = serializers.CharField(
        source="facilitator.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Municipality
        fields = [
            "id",
            "code",
            "name",
            "region",
            "seat",
            "population",
            "is_member",
            "member_since",
            "facilitator",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    municipality = serializers.StringRelatedField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "municipality",
            "state",
            "start_date",
            "end_date",
            "signed_on",
            "renewal_of",
            "created",
        ]


@extend_schema_view(
    list=extend_schema(examples=[MUNICIPALITY_EXAMPLE]),
    retrieve=extend_schema(examples=[MUNICIPALITY_EXAMPLE]),
)
class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    filterset_fields = ["region", "is_member"]
    queryset = Municipality.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Municipality.objects.none()
        return scope.visible_municipalities(self.request.user).order_by("region__name", "name")


@extend_schema_view(
    list=extend_schema(examples=[AGREEMENT_EXAMPLE]),
    retrieve=extend_schema(examples=[AGREEMENT_EXAMPLE]),
)
class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgreementSerializer
    filterset_fields = ["state", "municipality"]
    queryset = Agreement.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Agreement.objects.none()
        municipalities = scope.visible_municipalities(self.request.user)
        return (
            Agreement.objects.filter(municipality__in=municipalities)
            .select_related("municipality")
            .order_by("-created")
        )
