"""Who sees candidates' personal data, who may act, and what files are accepted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from staffing.models import Candidate, Position
from tests.conftest import make_user, open_task, pdf_bytes
from workflows.models import Process
from workflows.roles import Role

from .conftest import CANDIDATES, add_candidate, open_position, position_post, to_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(client, people, theme):
    return to_decision(client, people, theme)


@pytest.fixture
def outsiders(facilitator_a):
    return {
        "facilitator": facilitator_a,
        "specialist": make_user("esp", Role.SPECIALIST),
        "officer": make_user("func", Role.MUNICIPAL_OFFICER),
    }


def test_outsiders_see_nothing_and_open_nothing(client, evaluated, outsiders, theme):
    candidate = evaluated.candidates.get(number=1)
    for user in outsiders.values():
        client.force_login(user)
        assert client.get(reverse("staffing:position_list")).status_code == 403
        assert (
            client.get(reverse("staffing:position_detail", args=[evaluated.pk])).status_code == 403
        )
        assert client.get(reverse("staffing:position_create")).status_code == 403
        assert (
            client.post(reverse("staffing:position_create"), position_post(theme)).status_code
            == 403
        )
        assert client.get(reverse("staffing:candidate_cv", args=[candidate.pk])).status_code == 403
        task = open_task(Process.for_subject(evaluated))
        page = client.get(reverse("workflows:task_detail", args=[task.pk]))
        assert page.status_code == 404 or "Ana Beatriz" not in page.content.decode()
    assert Position.objects.count() == 1


def test_auditor_reads_the_position_without_personal_data(client, evaluated, auditor, theme):
    client.force_login(auditor)
    listing = client.get(reverse("staffing:position_list"))
    assert listing.status_code == 200 and evaluated.title in listing.content.decode()
    response = client.get(reverse("staffing:position_detail", args=[evaluated.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    with translation.override("es-ve"):
        labels = [str(c.label) for c in evaluated.candidates.order_by("number")]
    assert all(label in page for label in labels)
    assert "11/15" in page and "10/15" in page  # the scores are there
    for data in CANDIDATES:
        for value in data.values():
            assert value not in page, value
    assert "Notas sobre" not in page
    assert reverse("staffing:candidate_cv", args=[evaluated.candidates.first().pk]) not in page
    assert "add-candidate" not in page and "cancel-position" not in page

    # The task page too shows the position, not the people.
    task = open_task(Process.for_subject(evaluated))
    page = client.get(reverse("workflows:task_detail", args=[task.pk])).content.decode()
    assert evaluated.title in page and "Ana Beatriz" not in page

    # Reading only.
    candidate = evaluated.candidates.get(number=1)
    assert client.get(reverse("staffing:candidate_cv", args=[candidate.pk])).status_code == 403
    assert client.get(reverse("staffing:position_create")).status_code == 403
    assert client.post(reverse("staffing:position_create"), position_post(theme)).status_code == 403
    for name in ("candidate_add", "position_cancel", "invitation_resend"):
        url = reverse(f"staffing:{name}", args=[evaluated.pk])
        assert client.post(url, {"comment": "x"}).status_code == 403, name
    url = reverse("staffing:candidate_anonymisation", args=[candidate.pk])
    assert client.post(url).status_code == 403
    candidate.refresh_from_db()
    assert candidate.anonymisation_requested_at is None


def test_coordination_staff_see_personal_data_and_download_cvs(client, evaluated, people):
    logistics = make_user("logistica", Role.LOGISTICS_COORDINATOR)
    candidate = evaluated.candidates.get(number=1)
    for user in (*people.values(), logistics):
        client.force_login(user)
        page = client.get(reverse("staffing:position_detail", args=[evaluated.pk]))
        assert "Ana Beatriz Salcedo" in page.content.decode()
        assert "ana.salcedo@correo.example" in page.content.decode()
        response = client.get(reverse("staffing:candidate_cv", args=[candidate.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Salcedo" not in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_only_the_coordinator_opens_positions(client, people, theme):
    for role in ("deputy", "assistant"):
        client.force_login(people[role])
        assert (
            client.post(reverse("staffing:position_create"), position_post(theme)).status_code
            == 403
        )
    assert not Position.objects.exists()


def test_position_form_checks_what_it_serves(client, coordinator, theme, network):
    from networks.models import Theme

    client.force_login(coordinator)
    url = reverse("staffing:position_create")
    other = Theme.objects.exclude(pk=theme.pk).first()
    response = client.post(url, position_post(other, network=network.pk, project_name=""))
    assert "network" in response.context["form"].errors
    response = client.post(url, position_post(theme, network=network.pk))
    assert "project_name" in response.context["form"].errors
    response = client.post(url, position_post(theme, term_months="0"))
    assert "term_months" in response.context["form"].errors
    response = client.post(url, position_post(None, project_name="X"))
    assert "theme" in response.context["form"].errors
    assert not Position.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("cv.pdf", b"Hola, este es mi curriculum"),  # text with a .pdf name
        ("cv.pdf", b"%PDF-1.4\n1 0 obj\n"),  # a truncated PDF: no end-of-file marker
        ("cv.docx", None),  # a real PDF with another name
        ("cv.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
    ],
)
def test_a_cv_that_is_not_a_pdf_is_refused(client, people, theme, name, content):
    position = open_position(client, people["coordinator"], theme)
    client.force_login(people["assistant"])
    upload = SimpleUploadedFile(
        name, content if content is not None else pdf_bytes(), "application/pdf"
    )
    response = add_candidate(client, position, CANDIDATES[0], cv=upload)
    assert response.status_code == 400
    assert "cv" in response.context["candidate_form"].errors
    assert not Candidate.objects.exists()


def test_a_cv_over_the_size_limit_is_refused(client, people, theme, settings):
    settings.MAX_DOCUMENT_SIZE = 1024
    position = open_position(client, people["coordinator"], theme)
    client.force_login(people["assistant"])
    big = pdf_bytes() + b"%" * 2048 + b"\n%%EOF\n"
    upload = SimpleUploadedFile("cv.pdf", big, "application/pdf")
    response = add_candidate(client, position, CANDIDATES[0], cv=upload)
    assert "cv" in response.context["candidate_form"].errors
    assert not Candidate.objects.exists()


def test_the_same_email_cannot_apply_twice(client, people, theme):
    position = open_position(client, people["coordinator"], theme)
    client.force_login(people["assistant"])
    assert add_candidate(client, position, CANDIDATES[0]).status_code == 302
    again = {**CANDIDATES[1], "email": CANDIDATES[0]["email"].upper()}
    response = add_candidate(client, position, again)
    assert "email" in response.context["candidate_form"].errors
    assert position.candidates.count() == 1


def test_candidates_only_while_open(client, evaluated, people):
    client.force_login(people["assistant"])
    response = add_candidate(client, evaluated, {**CANDIDATES[0], "email": "tarde@example.org"})
    assert response.status_code == 400
    assert evaluated.candidates.count() == 2


def test_unknown_invitation_link_is_not_found(client):
    assert client.get(reverse("staffing:welcome", args=["MQ", "abc-123"])).status_code == 404


def test_auditor_exports_the_history_without_personal_data(client, auditor, filled):
    process = Process.for_subject(filled)
    client.force_login(auditor)
    assert client.get(reverse("workflows:process_detail", args=[process.pk])).status_code == 200
    response = client.get(reverse("workflows:process_history_csv", args=[process.pk]))
    text = response.content.decode()
    assert "Candidatura registrada" in text and "Cargo cubierto" in text
    terms = filled.contract.terms
    assert terms and "(dato personal reservado)" in text
    page = client.get(reverse("workflows:process_detail", args=[process.pk])).content.decode()
    position = client.get(reverse("staffing:position_detail", args=[filled.pk])).content.decode()
    for shown in (text, page, position):
        assert terms not in shown
        for data in CANDIDATES:
            for value in (data["full_name"], data["email"], data["phone"], data["national_id"]):
                assert value not in shown, value


def test_coordination_reads_who_was_hired_and_on_what_terms(client, people, filled):
    client.force_login(people["coordinator"])
    process = Process.for_subject(filled)
    text = client.get(reverse("workflows:process_history_csv", args=[process.pk])).content.decode()
    assert filled.contract.terms in text and CANDIDATES[0]["full_name"] in text
