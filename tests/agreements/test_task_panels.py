"""What the onboarding's task pages show: each person decides on the page without leaving it.

The review shows the whole agreement, the draft opens filled in after a return, the
signature and activation steps link the documents, a follow-up shows its contact, and
the second review lists what the draft's new round changed.
"""

import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from agreements import services
from agreements.models import Agreement, Authority
from workflows import services as wf
from workflows.models import AuditEvent, Task

from ..conftest import AUTHORITIES, draft_post, open_task, signed_pdf, start

pytestmark = pytest.mark.django_db

SCOPE = "Fortalecer la hacienda municipal y la planificación participativa."
COMMITMENTS = "La alcaldía designa un enlace de hacienda.\nComparte su ejecución trimestral."


def page_of(client, task):
    response = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html, section="subject"):
    """The readable text of one card of the task page (its panel by default)."""
    found = re.search(rf'<section class="card {section}".*?</section>', html, re.S)
    assert found, f"no {section} card on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def es(day):
    return day.strftime("%d/%m/%Y")


def drafted(process, facilitator, **overrides):
    data = draft_post(**{"scope": SCOPE, "commitments": COMMITMENTS, **overrides})
    wf.complete(open_task(process), facilitator, data)
    return data


def review_as(coordinator, process):
    review = open_task(process)
    wf.claim(review, coordinator)
    review.refresh_from_db()
    return review


def test_the_review_shows_the_whole_agreement(
    client, onboarding_a, facilitator_a, coordinator, municipality_a
):
    data = drafted(onboarding_a, facilitator_a)
    review = review_as(coordinator, onboarding_a)
    client.force_login(coordinator)
    html = page_of(client, review)
    panel = text_of(html)
    assert "El convenio por revisar" in panel
    assert f"{municipality_a.name} , {municipality_a.region.name}" in panel
    assert "fac_a" in panel  # the facilitator (no full name in the fixture)
    assert "En revisión" in panel
    start_date = datetime.date.fromisoformat(data["start_date"])
    end_date = datetime.date.fromisoformat(data["end_date"])
    assert f"Del {es(start_date)} al {es(end_date)}" in panel
    assert SCOPE in panel
    assert "La alcaldía designa un enlace de hacienda." in panel
    assert "Comparte su ejecución trimestral." in panel
    assert "Despacho del alcalde" in panel
    # The municipality's authorities, with their position and e-mail.
    assert f"{AUTHORITIES['mayor_name']} , Alcalde" in panel
    assert f"{AUTHORITIES['official_name']} , {AUTHORITIES['official_position']}" in panel
    assert AUTHORITIES["official_email"] in panel
    pdf_url = reverse("agreements:agreement_pdf", args=[onboarding_a.subject_id])
    assert f'href="{pdf_url}"' in html and "Descargar el borrador del convenio (PDF)" in panel
    assert "Su decisión" in html  # the decision under the agreement, on the same page


def test_a_returned_draft_opens_filled_in_under_the_reviewers_comment(
    client, onboarding_a, facilitator_a, coordinator
):
    data = drafted(onboarding_a, facilitator_a)
    review = review_as(coordinator, onboarding_a)
    wf.complete(review, coordinator, {"decision": "return", "comment": "Precisar el plazo"})
    redraft = open_task(onboarding_a)
    assert redraft.owner == facilitator_a
    client.force_login(facilitator_a)
    html = page_of(client, redraft)
    assert "Precisar el plazo" in text_of(html, "returned")
    form = text_of(html, "task-form")
    assert SCOPE in form and "Comparte su ejecución trimestral." in form
    assert f'value="{data["start_date"]}"' in html and f'value="{data["end_date"]}"' in html
    panel = text_of(html)
    assert "El municipio y sus autoridades" in panel and AUTHORITIES["mayor_name"] in panel
    assert "Descargar el convenio tal como está (PDF)" in panel


def test_the_second_review_lists_what_the_new_draft_changed(
    client, onboarding_a, facilitator_a, coordinator
):
    drafted(onboarding_a, facilitator_a)
    review = review_as(coordinator, onboarding_a)
    wf.complete(review, coordinator, {"decision": "return", "comment": "Ampliar la vigencia"})
    end = timezone.localdate().replace(year=timezone.localdate().year + 3)
    old_end = timezone.localdate().replace(year=timezone.localdate().year + 2)
    wf.complete(
        open_task(onboarding_a),
        facilitator_a,
        draft_post(
            scope=SCOPE, commitments="Compromisos ampliados a tres años", end_date=end.isoformat()
        ),
    )
    edit = AuditEvent.objects.filter(
        action="agreement.edited", subject_id=str(onboarding_a.subject_id)
    ).latest("pk")
    assert set(edit.after) == {"commitments", "end_date"}
    assert edit.after["end_date"] == end.isoformat()

    again = open_task(onboarding_a)
    assert again.owner == coordinator  # the reviewer of the first round has it back
    client.force_login(coordinator)
    html = page_of(client, again)
    changes = text_of(html, "changes")
    assert "Compromisos" in changes and "Compromisos ampliados a tres años" in changes
    assert "Comparte su ejecución trimestral." in changes  # before
    assert f"Fecha de finalización {es(old_end)} {es(end)}" in changes
    assert "Alcance" not in changes  # unchanged fields are not listed
    # Beside the changes, what the return asked for, and who asked.
    assert "Lo que" in changes and "pidió" in changes and "Ampliar la vigencia" in changes


def approve(process, facilitator, coordinator):
    drafted(process, facilitator)
    review = review_as(coordinator, process)
    wf.complete(review, coordinator, {"decision": "approve", "comment": "Conforme"})


def test_the_signature_step_summarises_the_approved_agreement_and_links_its_pdf(
    client, onboarding_a, facilitator_a, coordinator
):
    approve(onboarding_a, facilitator_a, coordinator)
    upload = open_task(onboarding_a)
    client.force_login(facilitator_a)
    html = page_of(client, upload)
    panel = text_of(html)
    assert "El convenio aprobado" in panel and "Convenio aprobado por coord el" in panel
    assert "Conforme" in panel and SCOPE in panel
    assert "Descargar el convenio para firmar (PDF)" in panel
    assert reverse("agreements:agreement_pdf", args=[onboarding_a.subject_id]) in html


def test_the_activation_links_the_signed_agreement_with_its_date(
    client, onboarding_a, facilitator_a, coordinator
):
    approve(onboarding_a, facilitator_a, coordinator)
    signed_on = timezone.localdate() - datetime.timedelta(days=3)
    wf.complete(
        open_task(onboarding_a),
        facilitator_a,
        {"signed_document": signed_pdf(), "signed_on": signed_on, "comment": ""},
    )
    activate = open_task(onboarding_a)
    assert activate.flow_task.name == "activate_membership"
    wf.claim(activate, coordinator)
    client.force_login(coordinator)
    html = page_of(client, activate)
    panel = text_of(html)
    signed_url = reverse("agreements:signed_document", args=[onboarding_a.subject_id])
    assert f'href="{signed_url}"' in html
    assert f"Abrir el convenio firmado el {es(signed_on)} (PDF)" in panel
    assert SCOPE in panel and AUTHORITIES["mayor_name"] in panel
    assert client.get(signed_url).status_code == 200


def test_a_follow_up_shows_the_contact_it_comes_from(client, facilitator_a, municipality_a):
    contact, process = services.record_contact(
        facilitator_a,
        municipality_a,
        {
            "date": timezone.localdate() - datetime.timedelta(days=2),
            "kind": "meeting",
            "participants": "Alcaldesa, Dirección de Hacienda",
            "agreed": "Enviar la ejecución del trimestre antes del viernes.",
            "follow_up": "Recordar el envío",
            "follow_up_role": "facilitator",
            "follow_up_due": timezone.localdate() + datetime.timedelta(days=5),
            "follow_up_assignee": facilitator_a,
        },
    )
    client.force_login(facilitator_a)
    panel = text_of(page_of(client, open_task(process)))
    assert "El contacto del que surge este seguimiento" in panel
    assert es(contact.date) in panel and "Reunión" in panel
    assert "Alcaldesa, Dirección de Hacienda" in panel
    assert "Enviar la ejecución del trimestre antes del viernes." in panel


def test_a_renewal_says_what_it_renews(client, onboarding_a, facilitator_a, coordinator):
    today = timezone.localdate()
    approve(onboarding_a, facilitator_a, coordinator)
    Agreement.objects.filter(pk=onboarding_a.subject_id).update(
        start_date=today - datetime.timedelta(days=400), end_date=today
    )
    wf.complete(
        open_task(onboarding_a),
        facilitator_a,
        {"signed_document": signed_pdf(), "signed_on": today},
    )
    activate = open_task(onboarding_a)
    wf.claim(activate, coordinator)
    wf.complete(activate, coordinator, {"confirm": True})
    assert services.expire_due_agreements() == 1
    renewal = Agreement.objects.get(renewal_of_id=onboarding_a.subject_id)
    task = Task.objects.get(process__subject_id=renewal.pk, status="ASSIGNED")
    client.force_login(facilitator_a)
    html = page_of(client, task)
    old = f"del {es(today - datetime.timedelta(days=400))} al {es(today)}"
    assert f"Renueva El convenio anterior (vencido): {old}" in text_of(html)
    assert "vigente" not in text_of(html)
    assert SCOPE in text_of(html, "task-form")  # the renewal starts from the old text


def test_the_review_reads_as_many_rows_for_two_authorities_as_for_six(
    client, facilitator_a, coordinator, region_a
):
    municipalities = list(region_a.municipalities.order_by("code")[:2])
    counts = []
    for municipality, extra in zip(municipalities, (0, 4), strict=True):
        process = start(facilitator_a, municipality)
        Authority.objects.bulk_create(
            Authority(municipality=municipality, kind="official", name=f"Concejal {n}")
            for n in range(extra)
        )
        drafted(process, facilitator_a)
        review = review_as(coordinator, process)
        client.force_login(coordinator)
        page_of(client, review)
        with CaptureQueriesContext(connection) as queries:
            panel = text_of(page_of(client, review))
        assert panel.count("Concejal") == extra
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# The agreement as a document to sign.


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return [page.extract_text() for page in reader.pages]


def test_the_draft_agreement_pdf_reads_as_the_agreement(
    client, onboarding_a, facilitator_a, coordinator, municipality_a
):
    drafted(onboarding_a, facilitator_a, contacts="Despacho del alcalde")
    url = reverse("agreements:agreement_pdf", args=[onboarding_a.subject_id])
    client.force_login(facilitator_a)
    (page,) = pdf_text(client.get(url))
    flat = " ".join(page.split())
    assert "CONVENIO DE COOPERACIÓN" in flat
    assert f"Municipio {municipality_a.name}" in flat and municipality_a.region.name in flat
    assert AUTHORITIES["mayor_name"] in flat and AUTHORITIES["official_email"] in flat
    assert SCOPE in flat and "Comparte su ejecución trimestral." in flat
    assert "Despacho del alcalde" in flat
    assert "BORRADOR" in flat and "Página 1 de 1" in flat
    assert "Por la Alcaldía del Municipio" in flat and "Por el programa PAGGMunicipal" in flat

    review = review_as(coordinator, onboarding_a)
    wf.complete(review, coordinator, {"decision": "approve", "comment": ""})
    (page,) = pdf_text(client.get(url))
    assert "BORRADOR" not in page  # approved: the document to sign


def test_a_long_agreement_numbers_every_page(client, onboarding_a, facilitator_a):
    long_text = "\n".join(f"Compromiso {n}: " + "acompañar la gestión " * 12 for n in range(40))
    drafted(onboarding_a, facilitator_a, commitments=long_text)
    client.force_login(facilitator_a)
    pages = pdf_text(
        client.get(reverse("agreements:agreement_pdf", args=[onboarding_a.subject_id]))
    )
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert f"Página {number} de {len(pages)}" in page
    assert "Por el programa PAGGMunicipal" in pages[-1]


def test_the_agreement_pdf_is_not_shown_to_another_territory(
    client, onboarding_a, facilitator_b, auditor
):
    url = reverse("agreements:agreement_pdf", args=[onboarding_a.subject_id])
    client.force_login(facilitator_b)
    assert client.get(url).status_code == 404
    client.force_login(auditor)
    assert client.get(url).status_code == 200
