"""The engine's REST API: the same queues, tasks and histories, with the same scoping."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import api_forms, display, permissions, rest, selectors, services
from .models import LARGEST_ID, AuditEvent, Process, Task

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
        except ValidationError as error:
            raise exceptions.ValidationError(
                {self.page_size_query_param: error.messages}
            ) from error

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

TASK_FORM_EXAMPLE = OpenApiExample(
    "A review's form",
    response_only=True,
    value={
        "task": {**TASK_EXAMPLE.value, "status": "ASSIGNED", "owner": "coordinador"},
        "content_type": api_forms.JSON,
        "fields": [
            {
                "name": "decision",
                "label": "Decisión",
                "type": "choice",
                "required": True,
                "help_text": "",
                "initial": None,
                "choices": [
                    {"value": "approve", "label": "Aprobar"},
                    {"value": "return", "label": "Devolver para corregir"},
                ],
            },
            {
                "name": "comment",
                "label": "Comentario",
                "type": "text",
                "required": False,
                "help_text": "",
                "initial": "",
            },
        ],
        "rows": [],
    },
)
COMPLETED_EXAMPLE = OpenApiExample(
    "Completed",
    response_only=True,
    value={
        "task": {
            **TASK_EXAMPLE.value,
            "status": "DONE",
            "owner": "coordinador",
            "finished": "2026-12-01T10:20:00-04:00",
        },
        "process": TASK_EXAMPLE.value["process"],
        "next_tasks": [
            {
                **TASK_EXAMPLE.value,
                "id": 4813,
                "title": "Corregir el convenio: Municipio Sucre",
                "role": "facilitator",
            }
        ],
    },
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
    municipality = serializers.IntegerField(min_value=1, max_value=LARGEST_ID, required=False)
    sort = serializers.ChoiceField(["due", "-due", "created"], default="due")


@extend_schema_view(retrieve=extend_schema(examples=[TASK_EXAMPLE]))
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

    @extend_schema(parameters=[TaskListQuery], examples=[TASK_EXAMPLE])
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

    def _visible(self, pk):
        try:
            return services.visible_task(self.request.user, pk)
        except services.TaskNotFound:
            raise NotFound from None

    @extend_schema(responses=TaskFormSerializer, examples=[TASK_FORM_EXAMPLE])
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
            OpenApiExample(
                "A review (multipart)",
                value={"decision": "return", "comment": "Falta el anexo de compromisos."},
                request_only=True,
                media_type=api_forms.MULTIPART,
            ),
            COMPLETED_EXAMPLE,
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


def _field_example(form_class, name):
    """How the start form describes the field ``name``, for the documentation's example."""
    field = form_class.base_fields.get(name)
    if field is None:  # a field the form adds for its caller
        return {
            "name": name,
            "label": name,
            "type": "string",
            "required": False,
            "help_text": "",
            "initial": None,
        }
    described = {
        "name": name,
        "label": str(field.label or name),
        "type": api_forms.field_type(field),
        "required": field.required,
        "help_text": str(field.help_text or ""),
        "initial": None,
    }
    for limit in ("max_length", "min_value", "max_value"):
        if getattr(field, limit, None) is not None:
            described[limit] = api_forms.plain(getattr(field, limit))
    return described


def start_schema(operation_id, example, description):
    """The schema of a start endpoint: the form as a generic object, with examples of what
    it takes (JSON or multipart) and answers, drawn from the view's start form."""

    def decorate(view):
        fields = view.form_class.base_fields
        takes_file = any(isinstance(field, forms.FileField) for field in fields.values())
        form_example = {
            "content_type": api_forms.MULTIPART if takes_file else api_forms.JSON,
            "fields": [_field_example(view.form_class, name) for name in example],
            "rows": [],
        }
        started = {
            "process": TASK_EXAMPLE.value["process"],
            "processes": [TASK_EXAMPLE.value["process"]],
            "subject": 17,
            "tasks": [TASK_EXAMPLE.value],
        }
        return extend_schema_view(
            get=extend_schema(
                operation_id=f"{operation_id}_form",
                responses=FormSerializer,
                description="The start form's fields, as the start page offers them to the caller.",
                examples=[OpenApiExample("The start form", value=form_example, response_only=True)],
            ),
            post=extend_schema(
                operation_id=f"{operation_id}_start",
                request=FORM_BODY,
                responses={201: StartedSerializer},
                description=description,
                examples=[
                    OpenApiExample("Start", value=example, request_only=True),
                    OpenApiExample(
                        "Start (multipart)",
                        value=example,
                        request_only=True,
                        media_type=api_forms.MULTIPART,
                    ),
                    OpenApiExample(
                        "Started", value=started, response_only=True, status_codes=["201"]
                    ),
                    FORM_ERRORS,
                ],
            ),
        )(view)

    return decorate


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
