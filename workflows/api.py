"""The engine's REST API: the same queues, tasks and histories, with the same scoping."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import api_forms, permissions, rest, selectors, services
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


class ChoiceSerializer(serializers.Serializer):
    value = serializers.JSONField()
    label = serializers.CharField()


class FormFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(
        choices=sorted({name for _klass, name in api_forms.TYPES} | {"text", "string"})
    )
    required = serializers.BooleanField()
    help_text = serializers.CharField()
    initial = serializers.JSONField(allow_null=True)
    choices = ChoiceSerializer(many=True, required=False)
    max_length = serializers.IntegerField(required=False)
    min_value = serializers.JSONField(required=False)
    max_value = serializers.JSONField(required=False)


class FormRowsSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Send the rows as a list of objects under this name.")
    label = serializers.CharField()
    min_rows = serializers.IntegerField()
    max_rows = serializers.IntegerField()
    fields = FormFieldSerializer(many=True)
    initial = serializers.ListField(child=serializers.JSONField())


class FormSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(
        choices=[api_forms.JSON, api_forms.MULTIPART],
        help_text="How to send the form: multipart/form-data when it takes a file.",
    )
    fields = FormFieldSerializer(many=True)
    rows = FormRowsSerializer(many=True)


class TaskFormSerializer(FormSerializer):
    task = TaskSerializer()


class CompletedSerializer(serializers.Serializer):
    task = TaskSerializer()
    process = serializers.IntegerField()
    next_tasks = TaskSerializer(
        many=True, help_text="The process's open tasks now, those the caller may see."
    )


class StartedSerializer(serializers.Serializer):
    process = serializers.IntegerField(help_text="The first of the processes started.")
    processes = serializers.ListField(child=serializers.IntegerField())
    subject = serializers.IntegerField(help_text="What the process is about (its id).")
    tasks = TaskSerializer(many=True, help_text="The first tasks, those the caller may see.")


FORM_BODY = {
    "application/json": OpenApiTypes.OBJECT,
    "multipart/form-data": OpenApiTypes.OBJECT,
}

FORM_ERRORS = OpenApiExample(
    "The form's errors",
    value={"end_date": ["La fecha de fin debe ser posterior a la de inicio."]},
    response_only=True,
    status_codes=["400"],
)


def form_data(request):
    """The request's body as the data and files a Django form reads; None if it is none."""
    if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        return request.data, request.FILES
    if not isinstance(request.data, dict):
        return None
    return api_forms.data_from_json(request.data), None


def not_an_object():
    return Response(
        {"detail": [_("Send the form's fields as one JSON object.")]},
        status=status.HTTP_400_BAD_REQUEST,
    )


def visible_open_tasks(process, user):
    return [
        task for task in services.open_human_tasks(process) if permissions.can_view_task(user, task)
    ]


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
    lookup_value_regex = r"[0-9]+"  # anything else is no task: 404, not a failed lookup
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

    def _visible(self, pk):
        try:
            return services.visible_task(self.request.user, pk)
        except services.TaskNotFound:
            raise NotFound from None

    @extend_schema(responses=TaskFormSerializer)
    @action(detail=True, methods=["get"], url_path="form", url_name="form")
    def task_form(self, request, pk=None, format=None):
        """The task's form as it stands for the caller now: what ``complete`` takes.

        Answered to whoever may complete the task or take it; the fields, their choices
        and their initial values are those the task's page offers them.
        """
        task = self._visible(pk)
        form_class = services.form_class_for(request.user, task)
        if form_class is None and permissions.can_claim(request.user, task):
            form_class = task.flow_task.form_class if task.flow_task else None
        try:
            if form_class is None:
                services.why_not_executable(request.user, task)
        except services.TaskUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        form = form_class(task=task, user=request.user)
        return Response({"task": TaskSerializer(task).data, **api_forms.describe_form(form)})

    @extend_schema(
        request=FORM_BODY,
        responses=CompletedSerializer,
        examples=[
            OpenApiExample(
                "A review",
                value={"decision": "return", "comment": "Falta el anexo de compromisos."},
                request_only=True,
            ),
            OpenApiExample(
                "An agreement's draft",
                value={
                    "scope": "Asistencia técnica en gestión fiscal.",
                    "commitments": "El municipio publica su presupuesto.",
                    "start_date": "2026-01-01",
                    "end_date": "2027-12-31",
                    "contacts": "Despacho del alcalde",
                },
                request_only=True,
            ),
            OpenApiExample(
                "A proposal with rows",
                value={
                    "objectives": "…",
                    "milestones": [
                        {
                            "title": "Diagnóstico",
                            "deliverable": "Informe",
                            "starts_on": "2026-02-01",
                            "due_on": "2026-03-31",
                        }
                    ],
                },
                request_only=True,
            ),
            FORM_ERRORS,
        ],
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def complete(self, request, pk=None, format=None):
        """Complete the task with its form's fields (``GET .../form/`` lists them).

        Send JSON, or multipart/form-data when the form takes a file; a table of rows
        as a list of objects under its name. The task is checked, locked and recorded
        exactly as when it is completed from its page. Answers 400 with the form's
        errors (``{"field": [...], "non_field_errors": [...]}``), 403 to whoever may
        see the task but never do it, 409 when it is done, held by someone else, or
        waiting to be taken (``POST .../claim/`` first).
        """
        sent = form_data(request)
        if sent is None:
            return not_an_object()
        try:
            task, form, completed = services.complete_with_form(
                pk, request.user, sent[0], sent[1], request=request._request
            )
        except services.TaskNotFound:
            raise NotFound from None
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except (services.TaskUnavailable, TransitionNotAllowed) as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        if not completed:
            return Response(api_forms.errors_as_json(form), status=status.HTTP_400_BAD_REQUEST)
        task.refresh_from_db()
        return Response(
            {
                "task": TaskSerializer(task).data,
                "process": task.process_id,
                "next_tasks": TaskSerializer(
                    visible_open_tasks(task.process, request.user), many=True
                ).data,
            }
        )


class StartProcessView(APIView):
    """Start a process as its start page does: the page's form, permission and service.

    A domain app's start endpoint names ``form_class`` and fills in ``allowed`` (the
    page's check: False answers 403), ``form_kwargs`` and ``start`` (the page's service,
    returning the subject and its processes). GET describes the form; POST starts.
    """

    form_class = None
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def allowed(self, user):
        raise NotImplementedError

    def form_kwargs(self, user):
        return {}

    def start(self, user, cleaned_data):
        """Start the process; returns ``(subject, processes)``. A ``ValidationError``
        or ``PermissionDenied`` it raises goes back as the form's error."""
        raise NotImplementedError

    def _refuse(self, request):
        if not self.allowed(request.user):
            raise PermissionDenied(_("You cannot start this process."))

    def get(self, request, format=None):
        self._refuse(request)
        form = self.form_class(**self.form_kwargs(request.user))
        return Response(api_forms.describe_form(form))

    def post(self, request, format=None):
        self._refuse(request)
        sent = form_data(request)
        if sent is None:
            return not_an_object()
        form = self.form_class(sent[0], sent[1], **self.form_kwargs(request.user))
        if form.is_valid():
            try:
                subject, processes = self.start(request.user, form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                field = getattr(self, "error_field", None)
                form.add_error(field, str(error) if isinstance(error, PermissionDenied) else error)
            else:
                tasks = [t for p in processes for t in visible_open_tasks(p, request.user)]
                return Response(
                    {
                        "process": processes[0].pk if processes else None,
                        "processes": [p.pk for p in processes],
                        "subject": subject.pk,
                        "tasks": TaskSerializer(tasks, many=True).data,
                    },
                    status=status.HTTP_201_CREATED,
                )
        return Response(api_forms.errors_as_json(form), status=status.HTTP_400_BAD_REQUEST)


def start_schema(operation_id, example, description):
    """The schema of a start endpoint: the form as a generic object, with an example."""
    from drf_spectacular.utils import extend_schema_view

    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{operation_id}_form",
            responses=FormSerializer,
            description="The start form's fields, as the start page offers them to the caller.",
        ),
        post=extend_schema(
            operation_id=f"{operation_id}_start",
            request=FORM_BODY,
            responses={201: StartedSerializer},
            description=description,
            examples=[OpenApiExample("Start", value=example, request_only=True), FORM_ERRORS],
        ),
    )


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
