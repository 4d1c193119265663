"""What each step of a case's systematisation shows its person, and what a second curation lists."""

import datetime
import html
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from knowledge import services
from knowledge.forms import MilestoneFormSet
from knowledge.models import Case, Evidence
from networks.models import Theme
from tests.conftest import open_task, pdf_bytes
from workflows import services as tasks
from workflows.display import Reader
from workflows.models import AuditEvent, Process

from .conftest import STEP_DATA, register, step_post
from .helpers import CRITERIA_ON, systematise

pytestmark = pytest.mark.django_db

REFLECTION = STEP_DATA[4]["case-reflection"]
CURATION_OK = {"decision": "approve", "comment": "", "criteria_keys": list(CRITERIA_ON)}


def text_of(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def task_page(client, user, task):
    client.force_login(user)
    return text_of(client.get(reverse("workflows:task_detail", args=[task.pk])))


def step_url(case, number):
    return reverse("knowledge:systematise", args=[case.pk, number])


def add_evidence(case, specialist, title="Informe de cobertura"):
    return services.add_evidence(
        case,
        specialist,
        Evidence(
            kind=Evidence.Kind.DOCUMENT,
            title=title,
            file=SimpleUploadedFile("informe.pdf", pdf_bytes()),
        ),
    )


def systematised(facilitator, municipality, theme, specialist):
    """A registered case with its five steps written and one piece of evidence."""
    case = register(facilitator, municipality, theme)
    systematise(case, specialist)
    add_evidence(case, specialist)
    return case


def to_curation(case, specialist, note=""):
    task = open_task(Process.for_subject(case))
    tasks.take_and_complete(task, specialist, {"comment": note})
    return open_task(Process.for_subject(case))


def return_case(case, curator, comment, **met):
    """The curator returns the case, finding ``met`` criteria; the rework task."""
    tasks.take_and_complete(
        open_task(Process.for_subject(case)),
        curator,
        {"decision": "return", "comment": comment, "criteria_keys": list(CRITERIA_ON), **met},
    )
    return open_task(Process.for_subject(case))


def test_the_systematisation_task_leads_to_each_step_of_the_guided_form(
    client, facilitator_a, municipality_a, theme, specialist
):
    case = register(facilitator_a, municipality_a, theme)
    task = open_task(Process.for_subject(case))
    assert task.owner == specialist
    text = task_page(client, specialist, task)
    for number in range(1, 6):
        assert f'href="{step_url(case, number)}"' in text
    assert f'id="continue-systematisation" href="{step_url(case, 1)}"' in text

    for step in (1, 2):
        client.post(step_url(case, step), step_post(step))
    text = task_page(client, specialist, task)
    assert f'id="continue-systematisation" href="{step_url(case, 3)}"' in text
    assert "Continuar: paso 3" in text

    # Sending it with steps missing: the error names and links each one.
    response = client.post(reverse("workflows:task_detail", args=[task.pk]), {"comment": ""})
    text = text_of(response)
    for number in (3, 4, 5):
        assert f'<a href="{step_url(case, number)}">{number}. ' in text
    assert f'<a href="{step_url(case, 1)}">' not in text.split("Complete primero")[1][:400]
    case.refresh_from_db()
    assert case.state == Case.State.IN_SYSTEMATISATION

    # The guided form's last step says what is missing, with the same links.
    text = text_of(client.get(step_url(case, 5)))
    assert 'id="missing-steps"' in text and f'<a href="{step_url(case, 3)}">3. ' in text
    assert 'id="send-to-curation"' not in text


def test_the_last_step_of_the_guided_form_sends_the_case_to_curation(
    client, facilitator_a, municipality_a, theme, specialist
):
    case = register(facilitator_a, municipality_a, theme)
    task = open_task(Process.for_subject(case))
    client.force_login(specialist)
    for step in range(1, 6):
        client.post(step_url(case, step), step_post(step))
    text = text_of(client.get(step_url(case, 5)))
    assert 'id="send-to-curation"' in text
    assert f'action="{reverse("workflows:task_detail", args=[task.pk])}"' in text
    # The same button as on the task page: one name for one act.
    button = re.search(r'id="send-to-curation">([^<]+)<', text).group(1)
    assert button == "Enviar a curaduría"
    page = task_page(client, specialist, task)
    assert re.search(r'id="complete">([^<]+)<', page).group(1) == button

    response = client.post(
        reverse("workflows:task_detail", args=[task.pk]), {"comment": "Listo para curaduría"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.IN_CURATION
    assert open_task(Process.for_subject(case)).flow_task.name == "curate"


def test_the_curator_reads_the_whole_case_above_the_criteria(
    client, facilitator_a, facilitator_b, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    curation = to_curation(case, specialist)
    tasks.claim(curation, curator)
    text = task_page(client, curator, curation)

    subject = text[text.index('id="subject"') : text.index('id="form-title"')]
    for shown in (
        STEP_DATA[1]["case-situation_before"],
        STEP_DATA[2]["case-guiding_questions"],
        STEP_DATA[3]["case-process"],
        REFLECTION,
        STEP_DATA[5]["case-results"],
        STEP_DATA[5]["case-sustainability"],
        STEP_DATA[5]["case-replicability"],
        "Primera ruta concertada",
        "01/03/2025",  # the milestone's date
        "Cobertura de recolección",
        "Informe de cobertura",
        "PDF",
    ):
        assert shown in subject, shown
    evidence = case.evidence.get()
    link = reverse("knowledge:evidence_file", args=[evidence.pk])
    assert f'href="{link}"' in subject
    assert 'name="public_sector"' in text  # the checklist follows the case

    # The link opens the file for the curator; another territory does not see it exists.
    response = client.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:5] == b"%PDF-"
    client.force_login(facilitator_b)
    assert client.get(link).status_code == 404


def test_a_returned_case_opens_with_its_content_and_the_comment(
    client, facilitator_a, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    curation = to_curation(case, specialist)
    tasks.take_and_complete(
        curation,
        curator,
        {
            "decision": "return",
            "comment": "Faltan evidencias del impacto",
            "criteria_keys": list(CRITERIA_ON),
            "public_sector": True,
        },
    )
    rework = open_task(Process.for_subject(case))
    assert rework.flow_task.name == "systematise" and rework.owner == specialist
    text = task_page(client, specialist, rework)
    assert 'id="returned"' in text and "Faltan evidencias del impacto" in text
    assert text.count('class="badge ok"') >= 5  # the five steps are still complete
    assert REFLECTION in text
    assert 'id="curation-criteria"' in text  # which criteria the curator found unmet

    form = client.get(step_url(case, 4))
    assert form.context["form"]["reflection"].value() == REFLECTION
    assert "Faltan evidencias del impacto" in text_of(form)

    # The first keystroke saves a draft and moves the case on; the findings stay.
    autosave = reverse("knowledge:autosave", args=[case.pk, 4])
    assert client.post(autosave, {"case-reflection": REFLECTION + " Y más."}).json()["saved"]
    case.refresh_from_db()
    assert case.state == Case.State.IN_SYSTEMATISATION
    text = task_page(client, specialist, rework)
    findings = text[text.index('id="curation-criteria"') :]
    findings = findings[: findings.index("</ul>")]
    assert findings.count('class="met"') == 1 and findings.count('class="unmet"') == 3
    assert "Es una innovación del sector público" in findings


def test_the_second_curation_lists_what_the_specialist_changed(
    client, facilitator_a, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    curation = to_curation(case, specialist)
    tasks.take_and_complete(
        curation,
        curator,
        {"decision": "return", "comment": "Precise la reflexión", "criteria_keys": []},
    )
    client.force_login(specialist)
    client.post(step_url(case, 4), {"case-reflection": "Las comunidades fijaron los horarios."})
    post = step_post(3)
    post.update(
        {
            "milestones-TOTAL_FORMS": "2",
            "milestones-INITIAL_FORMS": "1",
            "milestones-0-id": str(case.milestones.get().pk),
            "milestones-1-date": "2025-09-01",
            "milestones-1-title": "Cobertura total",
            "milestones-1-description": "",
        }
    )
    assert client.post(step_url(case, 3), post).status_code == 302
    add_evidence(case, specialist, "Fotos de las rutas")
    rework = open_task(Process.for_subject(case))
    tasks.complete(rework, specialist, {"comment": ""})

    second = open_task(Process.for_subject(case))
    assert second.owner == curator  # the second round goes back to the same curator
    client.force_login(curator)
    response = client.get(reverse("workflows:task_detail", args=[second.pk]))
    changes = {c.key: c for c in response.context["round"]["changes"]}
    assert set(changes) == {"reflection", "timeline", "evidence_files"}
    assert changes["reflection"].before == REFLECTION
    assert changes["reflection"].after == "Las comunidades fijaron los horarios."
    assert changes["timeline"].after == (
        "01/03/2025 — Primera ruta concertada\n01/09/2025 — Cobertura total"  # a row a line
    )
    assert changes["evidence_files"].after == "Informe de cobertura, Fotos de las rutas"
    text = text_of(response)
    assert "Hitos de la reconstrucción" in text and "Reflexión de fondo" in text
    # Recorded as values (an ISO date and a title), dated where it is read.
    saved = AuditEvent.objects.filter(action="case.milestones_saved").latest("pk")
    assert saved.before == {"timeline": [["2025-03-01", "Primera ruta concertada"]]}


def test_the_coordinator_sees_the_case_and_the_curation_before_publishing(
    client, facilitator_a, municipality_a, theme, specialist, curator, coordinator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    curation = to_curation(case, specialist)
    curator.first_name, curator.last_name = "Carla", "Curadora"
    curator.save()
    tasks.take_and_complete(
        curation, curator, {**CURATION_OK, **CRITERIA_ON, "comment": "Cumple con holgura."}
    )
    approval = open_task(Process.for_subject(case))
    assert approval.flow_task.name == "approve_publication"
    tasks.claim(approval, coordinator)
    text = task_page(client, coordinator, approval)
    subject = text[text.index('id="subject"') : text.index('id="form-title"')]
    assert "Carla Curadora" in subject
    # The curator's note is the one the engine shows from the step before: once.
    note = text[text.index('id="previous-note"') : text.index('id="subject"')]
    assert "Carla Curadora" in note and "Cumple con holgura." in note
    assert text.count("Cumple con holgura.") == 1
    criteria = subject[subject.index('id="curation-criteria"') :]
    criteria = criteria[: criteria.index("</ul>")]
    assert criteria.count('class="met"') == 4 and 'class="unmet"' not in criteria
    assert REFLECTION in subject and case.summary in subject


def count_queries(client, user, task):
    client.force_login(user)
    url = reverse("workflows:task_detail", args=[task.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(case, specialist, extra):
    """Add ``extra`` milestones and pieces of evidence to a case in systematisation."""
    post = {
        "milestones-TOTAL_FORMS": str(extra),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
    }
    for n in range(extra):
        post.update({f"milestones-{n}-date": f"2025-0{n + 4}-01", f"milestones-{n}-title": f"H{n}"})
    formset = MilestoneFormSet(post, instance=case, prefix="milestones")
    assert formset.is_valid(), formset.errors
    services.record_children(case, specialist, "milestones", formset)
    for n in range(extra):
        add_evidence(case, specialist, f"Evidencia {n}")


def test_the_case_panels_read_a_fixed_number_of_queries(
    client, facilitator_a, municipality_a, theme, specialist, curator, coordinator
):
    small = systematised(facilitator_a, municipality_a, theme, specialist)
    large = systematised(facilitator_a, municipality_a, theme, specialist)
    grow(large, specialist, 4)
    assert large.milestones.count() == 5 and large.evidence.count() == 5

    def same(user):
        pair = [open_task(Process.for_subject(case)) for case in (small, large)]
        for task in pair:
            if task.owner_id != user.pk:
                tasks.claim(task, user)
        counts = [count_queries(client, user, task) for task in pair]
        assert counts[0] == counts[1], (pair[0].flow_task.name, counts)

    same(specialist)
    for case in (small, large):
        to_curation(case, specialist)
    same(curator)
    for case in (small, large):  # a rework, with what the curation found
        return_case(case, curator, "Precise los resultados", public_sector=True)
    same(specialist)
    for case in (small, large):
        to_curation(case, specialist)
    same(curator)  # a second round, with what changed and the criteria found before
    for case in (small, large):
        tasks.take_and_complete(
            open_task(Process.for_subject(case)), curator, {**CURATION_OK, **CRITERIA_ON}
        )
    same(coordinator)


SUMMARY = "Rutas de recolección de desechos sólidos acordadas con los consejos comunales."


def details_post(case, **changes):
    """The guided form's "Case details" as its page posts them, with ``changes``."""
    data = {
        "title": case.title,
        "summary": case.summary,
        "theme": case.theme_id,
        "started_on": case.started_on.isoformat(),
        "ended_on": "",
        "partners": case.partners,
        "contact_name": case.contact_name,
        "contact_email": case.contact_email,
        "contact_phone": case.contact_phone,
    }
    data.update(changes)
    return {f"case-{name}": value for name, value in data.items()}


def test_a_returned_case_gets_its_details_corrected_and_the_curator_sees_what_changed(
    client, facilitator_a, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    to_curation(case, specialist)
    rework = return_case(case, curator, "El resumen habla del catastro", public_sector=True)
    details = step_url(case, 0)
    text = task_page(client, specialist, rework)
    assert f'<a href="{details}" id="edit-case-details">' in text

    page = client.get(details)
    text = text_of(page)
    assert "Datos del caso" in text and "El resumen habla del catastro" in text
    assert page.context["form"]["summary"].value() == case.summary
    assert "data-autosave" not in text  # saved when the step is saved, validated

    # A title left empty is refused where it is, and nothing is stored.
    refused = client.post(details, details_post(case, title="", summary=SUMMARY))
    assert refused.status_code == 200 and refused.context["form"].errors["title"]
    for junk in (
        {"summary": "Texto\x00con un byte nulo"},
        {"title": "x" * 5000},
        {"ended_on": "2024-12-31"},  # before the start
        {"theme": "999999"},
    ):
        refused = client.post(details, details_post(case, **junk))
        assert refused.status_code == 200 and refused.context["form"].errors, junk
    assert Case.objects.get(pk=case.pk).summary == case.summary
    assert not AuditEvent.objects.filter(action="case.edited").exists()

    other = Theme.objects.exclude(pk=theme.pk).order_by("pk").first()
    old_title, old_summary = case.title, case.summary
    post = details_post(case, title="Rutas de aseo concertadas", summary=SUMMARY, theme=other.pk)
    assert client.post(details, {**post, "next": ""})["Location"] == step_url(case, 1)
    case.refresh_from_db()
    assert (case.title, case.summary, case.theme) == ("Rutas de aseo concertadas", SUMMARY, other)
    edit = AuditEvent.objects.get(action="case.edited")
    assert edit.before == {"title": old_title, "summary": old_summary, "theme": theme.pk}
    assert edit.after == {"title": case.title, "summary": SUMMARY, "theme": other.pk}

    # Only whoever holds the systematisation edits the details.
    client.force_login(curator)
    assert client.post(details, post).status_code == 403

    tasks.complete(rework, specialist, {"comment": ""})
    second = open_task(Process.for_subject(case))
    client.force_login(curator)
    response = client.get(reverse("workflows:task_detail", args=[second.pk]))
    changes = {c.key: c for c in response.context["round"]["changes"]}
    assert set(changes) == {"title", "summary", "theme"}
    assert (changes["summary"].before, changes["summary"].after) == (old_summary, SUMMARY)
    assert (changes["theme"].before, changes["theme"].after) == (theme.name, other.name)
    text = text_of(response)
    table = text[text.index('id="changes"') : text.index('id="subject"')]
    for label in ("Título", "Resumen", "Tema"):
        assert f'<th scope="row">{label}</th>' in table, label


def test_the_second_curation_starts_from_the_criteria_already_confirmed(
    client, facilitator_a, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    first = to_curation(case, specialist)
    tasks.claim(first, curator)
    client.force_login(curator)
    response = client.get(reverse("workflows:task_detail", args=[first.pk]))
    form = response.context["form"]
    assert not any(form[key].value() for key in CRITERIA_ON)  # a first round: nothing yet
    text = response.content.decode()
    # Each box before its sentence, tied to it by its label, in a group that names them.
    assert "<legend>Criterios de inclusión que cumple el caso</legend>" in text
    assert re.search(
        r'<input type="checkbox" name="novel" id="id_novel">\s*'
        r'<label for="id_novel">Es novedosa en su contexto</label>',
        text,
    )
    assert "contexto:" not in text

    met = {"public_sector": True, "novel": True, "implemented": True}
    rework = return_case(case, curator, "Falta la evidencia del impacto", **met)
    tasks.complete(rework, specialist, {"comment": ""})
    second = open_task(Process.for_subject(case))
    response = client.get(reverse("workflows:task_detail", args=[second.pk]))
    form = response.context["form"]
    assert {key: form[key].value() for key in CRITERIA_ON} == {
        "public_sector": True,
        "novel": True,
        "implemented": True,
        "impact": False,
    }
    text = response.content.decode()
    assert re.search(r'name="novel" id="id_novel" checked>', text)
    assert re.search(r'name="impact" id="id_impact">', text)
    # The curator ticks the one left and approves; the case meets every criterion.
    tasks.complete(second, curator, {**CURATION_OK, **CRITERIA_ON})
    assert Case.objects.get(pk=case.pk).state == Case.State.APPROVED


def test_the_specialists_note_shows_once_on_the_curation_page(
    client, facilitator_a, municipality_a, theme, specialist, curator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    curation = to_curation(case, specialist, note="Listo para curaduría, con fotos nuevas")
    tasks.claim(curation, curator)
    text = task_page(client, curator, curation)
    note = text[text.index('id="previous-note"') : text.index('id="subject"')]
    assert "Listo para curaduría, con fotos nuevas" in note
    assert text.count("Listo para curaduría, con fotos nuevas") == 1


def test_a_publication_task_read_later_shows_the_curation_of_its_own_round(
    client, facilitator_a, municipality_a, theme, specialist, curator, coordinator
):
    case = systematised(facilitator_a, municipality_a, theme, specialist)
    to_curation(case, specialist)
    tasks.take_and_complete(
        open_task(Process.for_subject(case)),
        curator,
        {**CURATION_OK, **CRITERIA_ON, "comment": "Primera"},
    )
    first = open_task(Process.for_subject(case))
    tasks.take_and_complete(
        first, coordinator, {"decision": "return", "comment": "Agregue fotos de las rutas"}
    )
    tasks.complete(open_task(Process.for_subject(case)), specialist, {"comment": ""})
    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=True):
        tasks.complete(
            open_task(Process.for_subject(case)),
            curator,
            {**CURATION_OK, **CRITERIA_ON, "comment": ""},
        )
    first.refresh_from_db()
    text = task_page(client, coordinator, first)
    by = text[text.index('id="curation-by"') :]
    by = by[: by.index("</p>")]
    assert timezone.localdate().strftime("%d/%m/%Y") in by
    assert timezone.localtime(later).strftime("%d/%m/%Y") not in by
    assert "La curaduría no dejó comentarios" not in text  # its own curation had one


def test_milestones_and_results_are_recorded_as_values_and_read_in_the_readers_language(
    client, facilitator_a, municipality_a, theme, specialist
):
    case = register(facilitator_a, municipality_a, theme)
    systematise(case, specialist)
    client.force_login(specialist)
    post = step_post(5)
    post.update(
        {
            "indicators-INITIAL_FORMS": "1",
            "indicators-0-id": str(case.indicators.get().pk),
            "indicators-0-before": "12,5",  # as typed here: a text field, not the browser's
            "indicators-0-after": "15.500",
        }
    )
    assert client.post(step_url(case, 5), post).status_code == 302
    saved = AuditEvent.objects.filter(action="case.indicators_saved").latest("pk")
    assert saved.before == {"result_indicators": [["Cobertura de recolección (%)", "40", "95"]]}
    assert saved.after == {
        "result_indicators": [["Cobertura de recolección (%)", "12.50", "15500"]]
    }
    milestones = AuditEvent.objects.get(action="case.milestones_saved")
    assert milestones.after == {"timeline": [["2025-03-01", "Primera ruta concertada"]]}

    def read(key, value, language):
        with translation.override(language):
            return Reader().text(Case, key, value)

    results = saved.after["result_indicators"]
    assert read("result_indicators", results, "es-ve") == (
        "Cobertura de recolección (%) — 12,5 — 15.500"
    )
    assert read("result_indicators", results, "en") == (
        "Cobertura de recolección (%) — 12.5 — 15,500"
    )
    timeline = milestones.after["timeline"]
    assert read("timeline", timeline, "es-ve") == "01/03/2025 — Primera ruta concertada"
    assert read("timeline", timeline, "en") == "03/01/2025 — Primera ruta concertada"
