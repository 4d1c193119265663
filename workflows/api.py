"""The engine's REST API: the same queues, tasks and histories, with the same scoping."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import permissions, rest, selectors, services
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


class TaskListQuery(rest.QueryParameters):
    """The task list's parameters: which list, due state, municipality and order."""

    list = serializers.ChoiceField(
        ["queue", "inbox", "archive"], default="inbox", help_text="Which of the caller's lists."
    )
    due = serializers.ChoiceField(["overdue", "soon", "later"], required=False)
    municipality = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    sort = serializers.ChoiceField(["due", "-due", "created"], default="due")


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        if self.action == "list":
            query = TaskListQuery.read(self.request)
            selector = {"queue": selectors.queue, "archive": selectors.archive}.get(
                query["list"], selectors.inbox
            )
            return selectors.filter_tasks(selector(self.request.user), query)
        return (
            Task.objects.human()
            .filter(permissions.task_visibility_filter(self.request.user))
            .select_related("process", "municipality", "owner")
        )

    @extend_schema(parameters=[TaskListQuery])
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

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None, format=None):
        process = Process.objects.filter(pk=pk).first()
        if process is None or not permissions.can_view_process(request.user, process):
            raise Http404
        return Response(AuditEventSerializer(selectors.process_history(process), many=True).data)
