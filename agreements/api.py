from rest_framework import serializers, viewsets

from . import scope
from .models import Agreement, Municipality


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


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    filterset_fields = ["region", "is_member"]
    queryset = Municipality.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Municipality.objects.none()
        return scope.visible_municipalities(self.request.user).order_by("region__name", "name")


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
