"""The engine's REST API: the same queues, tasks and histories, with the same scoping."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from . import display, permissions, selectors, services
from .models import AuditEvent, Process, Task


class TaskSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    process_title = serializers.CharField(source="process.title", read_only=True)
    municipality = serializers.StringRelatedField()
    owner = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "status",
            "role",
            "process",
            "process_title",
            "municipality",
            "owner",
            "created",
            "due_at",
            "is_overdue",
            "finished",
        ]


class HistoryPagination(PageNumberPagination):
    """A long history is read page by page; ``page_size`` up to 1,000 events a page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        """The size asked for, from 1 to 1,000; anything else is a malformed request (400),
        not silently another size."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        field = forms.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.clean(value)
        except DjangoValidationError as error:
            raise ValidationError({self.page_size_query_param: error.messages}) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


# An event's before/after: the values it recorded, by key, or null.
RECORDED = {"type": "object", "additionalProperties": True, "nullable": True}


class AuditEventSerializer(serializers.ModelSerializer):
    """An event as recorded, but for the personal data the reader may not see.

    Values the subject model marks personal (``audit_personal``) are null for a reader
    without its permission, and their keys are listed in ``withheld``, as the history
    page, its CSV and its PDF withhold them (``display.Reader.withholds``).
    """

    actor = serializers.CharField(
        source="actor.username", read_only=True, allow_null=True, default=None
    )
    actor_name = serializers.SerializerMethodField()
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()
    withheld = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "chain_key",
            "seq",
            "at",
            "actor",
            "actor_name",
            "actor_label",
            "action",
            "task",
            "subject_repr",
            "before",
            "after",
            "withheld",
            "comment",
            "prev_hash",
            "hash",
        ]

    def _withheld(self, event):
        reader, model = self.context["reader"], display.event_model(event)
        keys = set()
        for values in (event.before, event.after):
            if isinstance(values, dict):
                keys.update(key for key in values if reader.withholds(model, key))
        return keys

    def _shown(self, event, values):
        withheld = self._withheld(event)
        if not isinstance(values, dict) or not withheld:
            return values
        return {key: None if key in withheld else value for key, value in values.items()}

    def get_actor_name(self, event) -> str:
        return display.actor_name(event)

    @extend_schema_field(RECORDED)
    def get_before(self, event):
        return self._shown(event, event.before)

    @extend_schema_field(RECORDED)
    def get_after(self, event):
        return self._shown(event, event.after)

    def get_withheld(self, event) -> list[str]:
        return sorted(self._withheld(event))


EVENT = {
    "id": 1204,
    "chain_key": "agreements.agreement:17",
    "seq": 3,
    "at": "2026-03-04T10:15:00-04:00",
    "actor": "coord",
    "actor_name": "Carmen Díaz",
    "actor_label": "coord",
    "action": "agreement.approve",
    "task": 88,
    "subject_repr": "Convenio de Acevedo",
    "before": {"state": "in_review"},
    "after": {"state": "approved"},
    "withheld": [],
    "comment": "Conforme.",
    "prev_hash": "9f2c0d5e7a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5",
    "hash": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
}


class ProcessSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="flow_title", read_only=True)
    municipality = serializers.StringRelatedField()

    class Meta:
        model = Process
        fields = ["id", "title", "flow", "status", "municipality", "created", "finished"]


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        if self.action == "list":
            kind = self.request.query_params.get("list", "inbox")
            selector = {"queue": selectors.queue, "archive": selectors.archive}.get(
                kind, selectors.inbox
            )
            return selectors.filter_tasks(selector(self.request.user), self.request.query_params)
        return (
            Task.objects.human()
            .filter(permissions.task_visibility_filter(self.request.user))
            .select_related("process", "municipality", "owner")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("list", str, enum=["queue", "inbox", "archive"]),
            OpenApiParameter("due", str, enum=["overdue", "soon", "later"]),
            OpenApiParameter("municipality", int),
            OpenApiParameter("sort", str, enum=["due", "-due", "created"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _act(self, operation):
        task = self.get_object()
        try:
            operation(task)
        except services.TaskUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        task.refresh_from_db()
        return Response(TaskSerializer(task).data)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None, format=None):
        return self._act(lambda task: services.claim(task, request.user))

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None, format=None):
        return self._act(lambda task: services.release(task, request.user))


class ProcessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProcessSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is no process: 404, not a failed lookup
    queryset = Process.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Process.objects.none()
        return selectors.processes(self.request.user)

    @extend_schema(
        summary="The audit events of a process and of its subject, oldest first",
        responses=AuditEventSerializer(many=True),
        examples=[OpenApiExample("A page of a process's history", value=EVENT, response_only=True)],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=HistoryPagination)
    def history(self, request, pk=None, format=None):
        """Who may read a process's history is who may open its page (and its CSV and PDF):
        ``permissions.can_view_process``; anyone else is answered 404. Paginated, in the
        order of the trail (time, then the order of writing), so pages never overlap."""
        process = Process.objects.filter(pk=pk).first()
        if process is None or not permissions.can_view_process(request.user, process):
            raise Http404
        page = self.paginate_queryset(selectors.process_history(process))
        context = {**self.get_serializer_context(), "reader": display.Reader(viewer=request.user)}
        return self.get_paginated_response(
            AuditEventSerializer(page, many=True, context=context).data
        )
