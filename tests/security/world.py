"""One small programme, built once per module: two regions (A: Miranda, B: Zulia), one
person per role, and one object of every kind a URL names, in A (and in B where scope
matters), all made through the real services and flows.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements import scope
from agreements.models import Municipality, Region
from tests.conftest import AUTHORITIES, draft_post, make_user, open_task, pdf_bytes, signed_pdf
from workflows import services as tasks
from workflows.roles import Role

PASSWORD = "pw"
# What the finance specialist wrote on a line of A's published submission.
REVIEWER_NOTE = "No coincide con la nómina informada."


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def people():
    p = SimpleNamespace()
    p.coordinator = make_user("coord", Role.COORDINATOR)
    p.deputy = make_user("adjunto", Role.DEPUTY_COORDINATOR)
    p.logistics = make_user("logistica", Role.LOGISTICS_COORDINATOR)
    p.assistant = make_user("asistente", Role.ASSISTANT)
    p.auditor = make_user("aud", Role.AUDITOR)
    p.specialist = make_user("esp", Role.SPECIALIST)
    p.curator = make_user("curadora", Role.KNOWLEDGE_CURATOR)
    # Project team membership is an object permission on the project, not a group:
    # this person holds nothing else.
    p.team_member = get_user_model().objects.create_user("equipo", "equipo@example.org", PASSWORD)
    p.facilitator = make_user("fac_a", Role.FACILITATOR)
    p.facilitator_b = make_user("fac_b", Role.FACILITATOR)
    p.officer = make_user("off_a", Role.MUNICIPAL_OFFICER)
    p.officer_b = make_user("off_b", Role.MUNICIPAL_OFFICER)
    return p


def build():
    from finance import services as finance
    from finance.models import Upload
    from knowledge import services as knowledge
    from networks import services as networks
    from networks.models import Network, Theme
    from notifications.models import Kind
    from notifications.services import notify
    from reports.models import ReportFile
    from specialprojects import services as projects
    from specialprojects.models import ProjectLine
    from staffing import services as staffing
    from tests.finance.conftest import csv_bytes, quarter_amounts, with_parents
    from tests.knowledge.helpers import publish
    from workflows.models import Process, SlaPolicy

    w = SimpleNamespace()
    p = w.people = people()
    w.region_a, w.region_b = Region.objects.get(code="15"), Region.objects.get(code="23")
    scope.grant_facilitator_region(p.facilitator, w.region_a, by=p.coordinator)
    scope.grant_facilitator_region(p.facilitator_b, w.region_b, by=p.coordinator)
    w.mun_a = Municipality.objects.filter(region=w.region_a).order_by("code").first()
    w.mun_b = Municipality.objects.filter(region=w.region_b).order_by("code").first()
    Municipality.objects.filter(pk__in=[w.mun_a.pk, w.mun_b.pk]).update(
        is_member=True, population=100_000
    )
    w.mun_a.refresh_from_db()
    w.mun_b.refresh_from_db()
    scope.grant_officer(p.officer, w.mun_a, by=p.coordinator)
    scope.grant_officer(p.officer_b, w.mun_b, by=p.coordinator)
    for name in vars(p):
        setattr(p, name, _fresh(getattr(p, name)))

    # Onboarding: A's agreement in review (a task in the coordination's queue); B's drafted.
    from agreements import services as onboarding

    other_a = Municipality.objects.filter(region=w.region_a).exclude(pk=w.mun_a.pk)
    other_a = other_a.order_by("code").first()
    other_b = Municipality.objects.filter(region=w.region_b).exclude(pk=w.mun_b.pk)
    other_b = other_b.order_by("code").first()
    # A's agreement is approved and signed: its activation waits in the coordination's queue.
    w.process_a = onboarding.start_onboarding(p.facilitator, other_a, AUTHORITIES)
    tasks.complete(open_task(w.process_a), p.facilitator, draft_post())
    tasks.take_and_complete(
        open_task(w.process_a), p.coordinator, {"decision": "approve", "comment": ""}
    )
    tasks.complete(
        open_task(w.process_a),
        p.facilitator,
        {"signed_document": signed_pdf(), "signed_on": timezone.localdate(), "comment": ""},
    )
    w.process_b = onboarding.start_onboarding(p.facilitator_b, other_b, AUTHORITIES)
    w.onboarded_a, w.onboarded_b = other_a, other_b
    w.task_a = open_task(w.process_a)  # the activation, unclaimed, for the coordination
    w.task_b = open_task(w.process_b)  # B's draft, assigned to fac_b
    w.agreement_a = w.process_a.subject
    w.agreement_b = w.process_b.subject
    w.sla = SlaPolicy.objects.order_by("pk").first() or SlaPolicy.objects.create(
        flow_label="agreements/onboarding", task_name="review", label="Revisar", days=5
    )

    # Finance: a period with one submission per member; A's officer uploaded a bad file.
    w.period = finance.open_period(2026, 1, by=p.coordinator)
    w.submission_a = finance.current_submission(w.mun_a, w.period)
    w.submission_b = finance.current_submission(w.mun_b, w.period)
    bad = quarter_amounts()
    bad["4.02.01.01.00"]["paid"] = 10**9
    finance.receive_upload(
        w.submission_a, p.officer, "malo.csv", csv_bytes(with_parents(bad)), background=False
    )
    finance.receive_upload(
        w.submission_b,
        p.officer_b,
        "bueno.csv",
        csv_bytes(with_parents(quarter_amounts())),
        background=False,
    )
    w.upload_a = Upload.objects.get(submission=w.submission_a)
    w.upload_b = Upload.objects.get(submission=w.submission_b)

    # A published quarter of A's: public data, but its working material (a refused file,
    # the uploader, the reviewer's line comment) stays with the people who work on it.

    w.period_published = finance.open_period(2026, 2, by=p.coordinator)
    published = finance.current_submission(w.mun_a, w.period_published)
    finance.receive_upload(
        published, p.officer, "rechazado.csv", csv_bytes(with_parents(bad)), background=False
    )
    good = csv_bytes(with_parents(quarter_amounts(Decimal("0.5"))))
    finance.receive_upload(published, p.officer, "ejecucion.csv", good, background=False)

    def step(user, data):
        task = open_task(Process.for_subject(published))
        tasks.take_and_complete(task, user, data)

    step(p.officer, {"justification": "Trimestre normal.", "comment": ""})
    step(p.facilitator, {"decision": "approve", "comment": ""})
    step(
        p.specialist,
        {
            "decision": "return",
            "comment": "Revise el gasto de personal.",
            "line_comments": [("4.01.01.01.00", REVIEWER_NOTE)],
        },
    )
    step(p.officer, {"justification": "Personal revisado.", "comment": ""})
    step(p.facilitator, {"decision": "approve", "comment": ""})
    step(p.specialist, {"decision": "approve", "comment": "Conforme."})
    published.refresh_from_db()
    assert published.state == published.State.PUBLISHED, published.state
    w.published_a = published
    w.published_upload_a = published.uploads.order_by("-pk").first()

    # Knowledge: a published case and a case in systematisation in A, a draft in B.
    theme = Theme.objects.get(slug="servicios-publicos")
    theme.specialists.add(p.specialist)
    w.case_public = publish(p.officer, w.mun_a, theme, p.specialist, p.curator, p.coordinator)
    w.comment = knowledge.add_comment(w.case_public, p.officer, "Muy útil para nosotros.")
    from knowledge.models import Evidence

    w.evidence = Evidence.objects.create(
        case=w.case_public,
        kind=Evidence.Kind.DOCUMENT,
        title="Informe de cobertura",
        file=SimpleUploadedFile("informe.pdf", pdf_bytes()),
        added_by=p.specialist,
    )
    from tests.knowledge.conftest import registration

    w.case_a = knowledge.register_case(
        p.officer, registration(w.mun_a, theme, title="Catastro comunitario")
    )
    w.case_b = knowledge.register_case(
        p.facilitator_b, registration(w.mun_b, theme, title="Agua por turnos")
    )
    w.case_a_process = Process.for_subject(w.case_a)

    # A private network of A's municipality, launched, with its community content.
    network = networks.propose(
        p.specialist,
        {
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "name": "Red privada de hacienda",
            "sector": "Hacienda",
            "objectives": "Compartir prácticas de recaudación.",
            "visibility": Network.Visibility.PRIVATE,
            "target_municipalities": [w.mun_a],
        },
    )
    (review,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(review, p.coordinator, {"decision": "approve", "comment": ""})
    (design,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        design,
        p.specialist,
        {
            "concept": "Aprendizaje entre pares.",
            "work_plan": "Tres encuentros.",
            "activities": "Talleres.",
            "calendar": [(datetime.date(2027, 2, 15), "Primer encuentro")],
            "invitation_deadline": timezone.localdate() + datetime.timedelta(days=15),
        },
    )
    for task in tasks.open_human_tasks(Process.for_subject(network)):
        answers = {pk: ("accepted", "") for pk in task.data["municipalities"]}
        tasks.take_and_complete(task, task.owner or p.facilitator, {"answers": answers})
    network.refresh_from_db()
    w.network = network
    w.post = networks.add_post(network, p.specialist, "Bienvenidos", "<p>Hola</p>", False)
    w.post_comment = networks.add_post_comment(w.post, p.officer, "Gracias")
    w.solution = networks.add_solution(
        network,
        p.specialist,
        {
            "title": "Catastro con censistas",
            "problem": "Catastros viejos.",
            "solution": "Censistas vecinos.",
            "requirements": "",
            "case": None,
            "is_public": False,
        },
    )
    w.resource = networks.add_resource(
        network,
        p.specialist,
        {
            "kind": "document",
            "title": "Guía",
            "file": SimpleUploadedFile("guia.pdf", pdf_bytes()),
            "is_public": False,
        },
    )

    # A special project led by the specialist, with the team member; another without them.
    line = ProjectLine.objects.create(name="Finanzas")
    w.project = projects.define_project(p.coordinator, line, "Finanzas municipales", p.specialist)
    (draft,) = tasks.open_human_tasks(Process.for_subject(w.project))
    tasks.take_and_complete(
        draft,
        p.specialist,
        {
            "objectives": "Publicar los datos fiscales.",
            "expected_results": "Datos publicados.",
            "indicators": [("Municipios", "municipios", Decimal(0), Decimal(2))],
            "milestones": [
                (timezone.localdate(), timezone.localdate(), "Plantilla", "Plantilla XLSX")
            ],
            "municipalities": [w.mun_a],
            "budget": Decimal("1000.00"),
            "risks": "",
        },
    )
    (team,) = tasks.open_human_tasks(Process.for_subject(w.project))
    tasks.take_and_complete(
        team, p.coordinator, {"members": [(p.team_member, "specialist", "Acompañar la carga")]}
    )
    # Confirmed, approved and launched: its milestone delivered, with its deliverable.
    (confirmation,) = tasks.open_human_tasks(Process.for_subject(w.project))
    tasks.take_and_complete(confirmation, p.team_member, {"accept": "yes"})
    (approval,) = tasks.open_human_tasks(Process.for_subject(w.project))
    tasks.take_and_complete(approval, p.coordinator, {"decision": "approve", "comment": ""})
    (delivery,) = tasks.open_human_tasks(Process.for_subject(w.project))
    indicator = w.project.indicators.get()
    tasks.take_and_complete(
        delivery,
        p.specialist,
        {
            "deliverable_file": SimpleUploadedFile("diagnostico.pdf", pdf_bytes()),
            "report": "",
            f"indicator_{indicator.pk}": Decimal(1),
        },
    )
    w.milestone = w.project.milestones.get()
    w.project_other = projects.define_project(p.coordinator, line, "Catastro", p.specialist)

    # Hiring: an open position with one candidate.
    w.position, _process = staffing.open_position(
        p.coordinator,
        {
            "title": "Especialista en catastro",
            "profile": "Acompañar a los municipios.",
            "expertise": "Catastro.",
            "theme": theme,
            "term_months": 12,
        },
    )
    w.candidate = staffing.register_candidate(
        w.position,
        p.assistant,
        {
            "full_name": "Ana Salcedo",
            "email": "ana@correo.example",
            "phone": "",
            "national_id": "V-1",
            "cv": SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf"),
        },
    )

    w.report = ReportFile.objects.create(
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        requested_by=p.coordinator,
    )
    from reports import services as reports

    reports.generate(w.report.pk)
    w.report.refresh_from_db()

    # Someone invited by a hiring, with their set-password link.
    p.invited = get_user_model().objects.create_user("invitada", "invitada@example.org")
    w.welcome_path = urlsplit(staffing.invitation_link(p.invited)).path
    w.notification = notify(
        p.coordinator,
        Kind.ASSIGNED,
        "security-world",
        title="Revisar el convenio",
        url=f"/tasks/{w.task_a.pk}/",
        task=w.task_a,
    )
    assert w.notification is not None

    # Region A's facilitator's personal API token: only they may revoke it.
    from workflows import tokens

    w.api_token = tokens.issue(user=p.facilitator, name="Sistema contable")[0]
    return w
