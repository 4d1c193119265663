"""Thematic networks as a read-only API, scoped as the network pages are.

Anyone lists the public networks that are live; the lead, members and coordination
staff also see the others (``services.visible_networks``). Who the members are is
private content: it is listed only to those who read a network's private content
(``services.private_content_networks``), as on the network's page.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from workflows.api_filters import SlugFilter, StrictFilterSet

from . import services
from .models import Membership, Network


def person_name(user):
    return user.get_full_name() or user.get_username()


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    municipality_code = serializers.CharField(
        source="municipality.code", read_only=True, allow_null=True, default=None
    )
    municipality = serializers.CharField(
        source="municipality.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Membership
        fields = [
            "username",
            "name",
            "role",
            "role_label",
            "municipality_code",
            "municipality",
            "joined",
        ]

    def get_name(self, membership) -> str:
        return person_name(membership.user)


class NetworkSerializer(serializers.ModelSerializer):
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    theme_name = serializers.CharField(source="theme.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    visibility_label = serializers.CharField(source="get_visibility_display", read_only=True)
    specialist = serializers.CharField(source="specialist.username", read_only=True)
    specialist_name = serializers.SerializerMethodField()
    members_visible = serializers.SerializerMethodField(
        help_text="Whether the caller reads the network's members (its private content)."
    )
    members = serializers.SerializerMethodField(
        help_text="The network's members; empty unless ``members_visible``."
    )

    class Meta:
        model = Network
        fields = [
            "id",
            "name",
            "theme",
            "theme_name",
            "sector",
            "objectives",
            "state",
            "state_label",
            "visibility",
            "visibility_label",
            "specialist",
            "specialist_name",
            "launched_on",
            "created",
            "members_visible",
            "members",
        ]

    def get_specialist_name(self, network) -> str:
        return person_name(network.specialist)

    def _private(self, network):
        return network.pk in self.context["private_ids"]

    def get_members_visible(self, network) -> bool:
        return self._private(network)

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, network):
        if not self._private(network):
            return []
        return MemberSerializer(network.memberships.all(), many=True).data


class NetworkFilter(StrictFilterSet):
    theme = SlugFilter(field_name="theme__slug", help_text="Theme slug")

    class Meta:
        model = Network
        fields = ["state", "visibility", "theme"]


EXAMPLE = {
    "id": 7,
    "name": "Red de hacienda municipal",
    "theme": "finanzas-municipales",
    "theme_name": "Finanzas municipales",
    "sector": "Hacienda",
    "objectives": "Compartir prácticas de recaudación.",
    "state": "active",
    "state_label": "Activa",
    "visibility": "private",
    "visibility_label": "Privada: solo la ven sus miembros",
    "specialist": "esp",
    "specialist_name": "Elena Pérez",
    "launched_on": "2026-03-02",
    "created": "2026-01-15T10:30:00-04:00",
    "members_visible": True,
    "members": [
        {
            "username": "off_a",
            "name": "Luis Rojas",
            "role": "member",
            "role_label": "Miembro",
            "municipality_code": "1501",
            "municipality": "Acevedo",
            "joined": "2026-03-02T09:00:00-04:00",
        }
    ],
}


@extend_schema_view(
    list=extend_schema(
        summary="Networks the caller may see",
        examples=[OpenApiExample("A page of networks", value=EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One network",
        examples=[OpenApiExample("A network with its members", value=EXAMPLE, response_only=True)],
    ),
)
class NetworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Thematic networks: public live ones for anyone, the others for the people inside."""

    serializer_class = NetworkSerializer
    permission_classes = [AllowAny]
    filterset_class = NetworkFilter
    lookup_value_regex = r"[0-9]+"
    queryset = Network.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Network.objects.none()
        return (
            services.visible_networks(self.request.user)
            .select_related("theme", "specialist")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("user", "municipality").order_by(
                        "joined", "pk"
                    ),
                )
            )
            .order_by("name", "pk")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            context["private_ids"] = set()
            return context
        context["private_ids"] = set(
            services.private_content_networks(self.request.user).values_list("pk", flat=True)
        )
        return context
