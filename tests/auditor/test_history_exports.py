"""A process history an auditor can file: CSV for a spreadsheet, PDF with its seal."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from workflows import audit, selectors, services
from workflows.models import AuditEvent

from ..conftest import draft_post, open_task

pytestmark = pytest.mark.django_db


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def returned(onboarding_a, facilitator_a, coordinator):
    """An agreement drafted, sent for review and returned, by people with full names."""
    import datetime

    _named(facilitator_a, "María", "Hernández")
    _named(coordinator, "Carmen", "Rojas")
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    data["comment"] = '=HYPERLINK("http://evil")'
    services.complete(open_task(onboarding_a), facilitator_a, data)
    review = open_task(onboarding_a)
    services.claim(review, coordinator)
    services.complete(review, coordinator, {"decision": "return", "comment": "Falta el anexo"})
    return onboarding_a


def _csv(client, process, language=None):
    if language:
        client.cookies["django_language"] = language
    response = client.get(reverse("workflows:process_history_csv", args=[process.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 with its BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_csv_speaks_spanish_with_readable_values(client, auditor, returned):
    client.force_login(auditor)
    rows = _csv(client, returned)
    header = rows[0]
    assert header[:10] == [
        "N.º",
        "Fecha y hora",
        "Persona",
        "Rol(es)",
        "Acción",
        "Tarea",
        "Objeto",
        "Comentario",
        "Antes",
        "Después",
    ]
    assert header[-1] == "Huella del evento (hash SHA-256)"
    events = list(selectors.process_history(returned))
    assert len(rows) - 1 == len(events)
    column = {name: i for i, name in enumerate(header)}
    text = "\n".join(";".join(row) for row in rows[1:])
    assert "{'" not in text and '{"' not in text
    for code in ("in_review", "draft", "returned", "agreement.submit", "task.claimed"):
        assert not re.search(rf"(^|[;: ]){re.escape(code)}($|[;,])", text, re.M), code
    submitted = next(
        row for row in rows[1:] if row[column["Acción"]] == "Convenio enviado a revisión"
    )
    assert submitted[column["Antes"]] == "Estado: Borrador"
    assert submitted[column["Después"]] == "Estado: En revisión"
    assert submitted[column["Persona"]] == "María Hernández"
    assert submitted[column["Rol(es)"]] == "Facilitación local"
    assert submitted[column["Tarea"]] == "Redactar el convenio de cooperación"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", submitted[column["Fecha y hora"]])
    claimed = next(row for row in rows[1:] if row[column["Acción"]] == "Tarea tomada")
    assert claimed[column["Después"]] == "Asignada a: Carmen Rojas"
    decided = next(
        row
        for row in rows[1:]
        if row[column["Acción"]] == "Tarea completada"
        and row[column["Comentario"]] == "Falta el anexo"
    )
    assert decided[column["Después"]] == "Decisión: Devolver con observaciones"
    hashes = {event.hash for event in events}
    assert {row[-1] for row in rows[1:]} == hashes


def test_csv_keeps_formula_escaping(client, auditor, returned):
    client.force_login(auditor)
    rows = _csv(client, returned)
    comments = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in comments
    assert not any(cell.startswith(("=", "+", "@")) for row in rows[1:] for cell in row)


def test_csv_headers_follow_the_readers_language(client, auditor, returned):
    client.force_login(auditor)
    rows = _csv(client, returned, language="en")
    assert rows[0][:4] == ["No.", "Date and time", "Person", "Role(s)"]
    assert any(row[4] == "Agreement sent for review" for row in rows[1:])


def _pdf_pages(client, process):
    response = client.get(reverse("workflows:process_history_pdf", args=[process.pk]))
    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def _lengthen(process):
    """Enough events for the history to run over several pages: the rework put back in
    the queue and taken again by its holder."""
    task = open_task(process)
    holder = task.owner
    for _ in range(14):
        services.release(task, holder)
        task.refresh_from_db()
        services.claim(task, holder)
        task.refresh_from_db()


def test_pdf_numbers_its_pages_and_identifies_the_process(client, auditor, returned):
    _lengthen(returned)
    client.force_login(auditor)
    pages = _pdf_pages(client, returned)
    total = len(pages)
    assert total >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Página {number} de {total}" in text
        assert f"Proceso n.º {returned.pk}" in text  # every page says whose history it is
    first = " ".join(pages[0].split())
    agreement = returned.subject
    assert "Tipo de proceso Incorporación municipal" in first
    assert f"Convenio {agreement}" in first
    assert "Estado actual Devuelto con observaciones" in first
    assert f"Municipio {returned.municipality.name}" in first
    assert f"Entidad federal {returned.municipality.region.name}" in first
    assert "por María Hernández" in first  # started by, by full name
    assert "Finalización Aún no" in first


def test_pdf_events_read_as_people_read_them(client, auditor, returned):
    client.force_login(auditor)
    text = "\n".join(_pdf_pages(client, returned))
    flat = " ".join(text.split())
    submitted = AuditEvent.objects.get(action="agreement.submit")
    assert submitted.hash[:12] in text
    assert submitted.hash[:13] not in text  # the short hash, not the whole
    assert "María Hernández" in flat and "Facilitación local" in flat
    assert "Carmen Rojas" in flat and "Coordinación" in flat
    assert "Convenio enviado a revisión" in flat
    assert re.search(r"Estado: Borrador \S En revisión", flat)
    assert "Decisión: Devolver con observaciones" in flat
    assert "«Falta el anexo»" in flat
    for code in ("agreement.submit", "in_review", "{'"):
        assert code not in flat


def test_pdf_names_the_checkpoint_it_was_verified_against(client, auditor, returned):
    client.force_login(auditor)
    before = " ".join(" ".join(_pdf_pages(client, returned)).split())
    assert f"Registro del proceso n.º {returned.pk}: íntegro" in before
    assert "Aún sin sellar" in before

    checkpoint = audit.seal_checkpoint()
    events = AuditEvent.objects.filter(chain_key=f"process:{returned.pk}").count()
    text = "\n".join(_pdf_pages(client, returned))
    flat = " ".join(text.split())
    assert f"Registro del proceso n.º {returned.pk}: íntegro, {events} eventos verificados" in flat
    assert f"punto de control n.º {checkpoint.pk}" in flat
    assert f"sus primeros {events} eventos" in flat
    assert checkpoint.hash in text.replace("\n", "")
    assert "El sello coincide" in flat
    assert "Aún sin sellar" not in flat


def test_pdf_says_when_the_trail_no_longer_matches_its_seal(client, auditor, returned):
    from ..workflows.test_audit import _tamper

    audit.seal_checkpoint()
    last = AuditEvent.objects.filter(chain_key=f"process:{returned.pk}").order_by("-seq").first()
    _tamper("DELETE FROM workflows_auditevent WHERE id = %s", [last.pk])
    client.force_login(auditor)
    flat = " ".join(" ".join(_pdf_pages(client, returned)).split())
    assert f"Registro del proceso n.º {returned.pk}: ALTERADO" in flat
    assert "El evento sellado ya no coincide" in flat


def _export_queries(client, process, name):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name, args=[process.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["workflows:process_history_csv", "workflows:process_history_pdf"])
def test_exports_cost_the_same_queries_for_a_longer_history(client, auditor, returned, name):
    client.force_login(auditor)
    _export_queries(client, returned, name)  # content types and sessions cached
    short = _export_queries(client, returned, name)
    _lengthen(returned)
    assert _export_queries(client, returned, name) == short
