"""The engine's REST API: the same queues, tasks and histories, with the same scoping."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import permissions, selectors, services
from .models import AuditEvent, Process, Task

# One example per answer, as a client would see it (the schema wraps list examples in
# their page): the documentation shows them, and tests check them against the schema.
TASK_EXAMPLE = OpenApiExample(
    "Tarea",
    response_only=True,
    value={
        "id": 4812,
        "title": "Revisar el convenio: Municipio Sucre",
        "status": "NEW",
        "role": "coordinator",
        "process": 1290,
        "process_title": "Incorporación municipal",
        "municipality": "Sucre (Miranda)",
        "owner": None,
        "created": "2026-11-30T14:05:11-04:00",
        "due_at": "2026-12-04T14:05:11-04:00",
        "is_overdue": False,
        "finished": None,
    },
)
CLAIMED_EXAMPLE = OpenApiExample(
    "Tarea tomada",
    response_only=True,
    value={**TASK_EXAMPLE.value, "status": "ASSIGNED", "owner": "coordinador"},
)
PROCESS_EXAMPLE = OpenApiExample(
    "Proceso",
    response_only=True,
    value={
        "id": 1290,
        "title": "Incorporación municipal: Sucre",
        "flow": "Incorporación municipal",
        "status": "NEW",
        "municipality": "Sucre (Miranda)",
        "created": "2026-11-28T09:12:40-04:00",
        "finished": None,
    },
)
HISTORY_EXAMPLE = OpenApiExample(
    "Evento de la traza",
    response_only=True,
    value={
        "id": 88231,
        "chain_key": "process:1290",
        "seq": 3,
        "at": "2026-11-30T14:05:11-04:00",
        "actor_label": "facilitador.capital",
        "action": "agreement.submit",
        "task": 4811,
        "subject_repr": "Convenio de Sucre (Miranda)",
        "before": {"state": "draft"},
        "after": {"state": "in_review"},
        "comment": "",
        "prev_hash": "5d0c6f1e9a2b7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f",
        "hash": "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
    },
)


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


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "chain_key",
            "seq",
            "at",
            "actor_label",
            "action",
            "task",
            "subject_repr",
            "before",
            "after",
            "comment",
            "prev_hash",
            "hash",
        ]


class ProcessSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="flow_title", read_only=True)
    municipality = serializers.StringRelatedField()

    class Meta:
        model = Process
        fields = ["id", "title", "flow", "status", "municipality", "created", "finished"]


@extend_schema_view(retrieve=extend_schema(examples=[TASK_EXAMPLE]))
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
        ],
        examples=[TASK_EXAMPLE],
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

    @extend_schema(request=None, responses=TaskSerializer, examples=[CLAIMED_EXAMPLE])
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None, format=None):
        return self._act(lambda task: services.claim(task, request.user))

    @extend_schema(request=None, responses=TaskSerializer, examples=[TASK_EXAMPLE])
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None, format=None):
        return self._act(lambda task: services.release(task, request.user))


@extend_schema_view(
    list=extend_schema(examples=[PROCESS_EXAMPLE]),
    retrieve=extend_schema(examples=[PROCESS_EXAMPLE]),
)
class ProcessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProcessSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is no process: 404, not a failed lookup
    queryset = Process.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Process.objects.none()
        return selectors.processes(self.request.user)

    @extend_schema(responses=AuditEventSerializer(many=True), examples=[HISTORY_EXAMPLE])
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None, format=None):
        process = Process.objects.filter(pk=pk).first()
        if process is None or not permissions.can_view_process(request.user, process):
            raise Http404
        return Response(AuditEventSerializer(selectors.process_history(process), many=True).data)
