"""Bad files at every upload point: refused with a clear Spanish message, nothing written.

The same catalogue of bad files goes to each point that takes a file: finance data,
the signed agreement, a case's evidence, a network's resources, a candidate's CV and
a project milestone's deliverable.
"""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Agreement
from finance import parsing
from finance.models import Line, Upload
from knowledge.models import Evidence
from networks.models import Resource
from specialprojects.forms import MilestoneForm
from staffing.models import Candidate
from tests.conftest import pdf_bytes
from tests.finance.conftest import HEADER, quarter_file, submission_of
from tests.knowledge.conftest import register
from tests.staffing.conftest import CANDIDATES, open_position
from workflows.models import AuditEvent

from .test_finance_parsing import workbook_bytes

pytestmark = pytest.mark.django_db


def xlsx(extra=()):
    """A real workbook, with extra parts (macros, padding) added to its archive."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(HEADER, [["4", "x", 1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item.filename))
        for name, content in extra:
            archive.writestr(name, content)
    return out.getvalue()


def sheet_bomb():
    """A workbook whose sheet XML inflates to 300 MB from a few hundred kilobytes."""
    rows = b"<row><c><v>1</v></c></row>" * (300 * 1024 * 1024 // 26)
    return xlsx([("xl/worksheets/sheet9.xml", b"<worksheet><sheetData>" + rows)])


BOMB = None


def bomb():
    global BOMB
    if BOMB is None:
        BOMB = sheet_bomb()
        assert len(BOMB) < 2 * 1024 * 1024  # a thousand to one
    return BOMB


BAD = {
    "pdf named .xlsx": ("datos.xlsx", lambda: pdf_bytes()),
    "executable named .pdf": ("informe.pdf", lambda: b"MZ\x90\x00\x03" + b"\x00" * 200),
    "workbook with macros (.xlsm)": ("datos.xlsm", lambda: xlsx([("xl/vbaProject.bin", b"x")])),
    "macros hidden in .xlsx": ("datos.xlsx", lambda: xlsx([("xl/vbaProject.bin", b"x")])),
    "Excel 97 (.xls)": ("datos.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500),
    "svg with a script": (
        "logo.svg",
        lambda: (
            b'<svg xmlns="http://www.w3.org/2000/svg" '
            b'onload="alert(1)"><script>alert(2)</script></svg>'
        ),
    ),
    "html named .pdf": ("informe.pdf", lambda: b"<html><script>alert(1)</script></html>"),
    "spreadsheet bomb": ("datos.xlsx", bomb),
}
SPANISH = (
    "no es un documento PDF", "No se aceptan", "no es lo que dice su nombre", "macros",
    "bomba", "no esta permitida", "dañado", "PDF no puede leerse", "97-2003",
    "no es una hoja", "fórmula", "PDF no se puede leer", "el límite es", "No se aceptan",
)  # fmt: skip


def spanish(text):
    assert any(fragment in text for fragment in SPANISH), f"no clear Spanish reason: {text!r}"


def rows():
    return {
        model.__name__: model.objects.count()
        for model in (Line, Agreement, Evidence, Resource, Candidate, AuditEvent)
    }


def test_finance_upload_refuses_and_stores_no_line(client, officer_a, period, member_a):
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    for bad, (name, make) in BAD.items():
        before = rows()
        started = time.monotonic()
        response = client.post(
            reverse("finance:submission_upload", args=[submission.pk]),
            {"file": SimpleUploadedFile(name, make())},
            follow=True,
        )
        assert time.monotonic() - started < 20, "refused before anything was unpacked"
        assert response.status_code == 200, bad
        upload = Upload.objects.filter(submission=submission).latest("pk")
        assert upload.result == Upload.Result.REJECTED, bad
        spanish(upload.errors[0]["message"])
        after = rows()
        assert after["Line"] == before["Line"] == 0, bad
        assert after["AuditEvent"] == before["AuditEvent"] + 2  # kept for the record


def test_finance_formulas_are_refused_with_a_message_naming_the_cell(
    client, officer_a, period, member_a
):
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    data = workbook_bytes(
        HEADER, [["4.01.01.01.00", "Sueldos", "=1+1", None, None, None, None, None, None, None]]
    )
    client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile("datos.xlsx", data)},
    )
    upload = Upload.objects.filter(submission=submission).latest("pk")
    assert upload.result == Upload.Result.REJECTED
    message = next(e["message"] for e in upload.errors if e["row"] == 2)
    assert message.startswith("Fila 2, columna C") and "=1+1" in message and "fórmula" in message
    assert not Line.objects.exists()


def test_finance_huge_file_is_refused_by_size_before_it_is_read(
    client, officer_a, period, member_a, settings
):
    settings.FINANCE_MAX_UPLOAD_SIZE = 2000
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    before = rows()
    response = client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile("datos.csv", quarter_file() * 10)},
        follow=True,
    )
    said = [str(m) for m in response.context["messages"]]
    assert said == ["El archivo pesa más que el límite de 2,0\xa0KB."], said
    assert rows() == before and not Upload.objects.exists()


def test_zip_bomb_is_refused_from_declared_sizes():
    started = time.monotonic()
    with pytest.raises(parsing.Refused, match="bomba"):
        parsing.check_zip(bomb())
    assert time.monotonic() - started < 1


# The signed agreement ---------------------------------------------------------


@pytest.fixture
def approved(onboarding_a, facilitator_a, coordinator):
    from tests.agreements.test_bad_input import approved as make

    return make.__wrapped__(onboarding_a, facilitator_a, coordinator)


def form_errors(response, field):
    assert response.status_code in (200, 400)
    return " ".join(response.context["form"].errors[field])


def test_signed_agreement_refuses_anything_but_a_pdf(client, approved, facilitator_a):
    client.force_login(facilitator_a)
    for bad, (name, make) in BAD.items():
        before = rows()
        response = client.post(
            reverse("workflows:task_detail", args=[approved.pk]),
            {
                "signed_document": SimpleUploadedFile(name, make()),
                "signed_on": "2026-11-20",
                "comment": "",
            },
        )
        spanish(form_errors(response, "signed_document"))
        assert rows() == before, bad
    assert Agreement.objects.get(pk=approved.process.subject_id).state == "approved"


def test_signed_agreement_over_the_limit(client, approved, facilitator_a, settings):
    settings.MAX_DOCUMENT_SIZE = 1024
    client.force_login(facilitator_a)
    before = rows()
    response = client.post(
        reverse("workflows:task_detail", args=[approved.pk]),
        {
            "signed_document": SimpleUploadedFile("c.pdf", b"%PDF-1.4\n" + b"0" * 4096 + b"%%EOF"),
            "signed_on": "2026-11-20",
        },
    )
    assert "el límite es 1,0\xa0KB" in form_errors(response, "signed_document")
    assert rows() == before


# A case's evidence ----------------------------------------------------------------


@pytest.fixture
def case_in_work(facilitator_a, municipality_a, coordinator):
    from networks.models import Theme
    from tests.conftest import make_user, open_task
    from workflows import services as tasks
    from workflows.models import Process
    from workflows.roles import Role

    theme = Theme.objects.get(slug="servicios-publicos")
    specialist = make_user("esp_servicios", Role.SPECIALIST)
    theme.specialists.add(specialist)
    case = register(facilitator_a, municipality_a, theme)
    task = open_task(Process.for_subject(case))
    if task.owner_id != specialist.pk:
        tasks.claim(task, specialist)
    return case, specialist


def post_evidence(client, case, upload, kind="document"):
    return client.post(
        reverse("knowledge:add_evidence", args=[case.pk]),
        {"evidence-kind": kind, "evidence-title": "Acta", "evidence-file": upload},
        follow=True,
    )


def test_evidence_refuses_bad_files(client, case_in_work):
    case, specialist = case_in_work
    client.force_login(specialist)
    for bad, (name, make) in {**BAD, "docx bomb": ("acta.docx", bomb)}.items():
        before = rows()
        response = post_evidence(client, case, SimpleUploadedFile(name, make()))
        said = " ".join(str(m) for m in response.context["messages"])
        if bad == "pdf named .xlsx":  # content checked against the name
            assert "no es lo que dice su nombre" in said
        spanish(said)
        assert rows() == before, bad


def test_evidence_over_the_limit(client, case_in_work, settings):
    case, specialist = case_in_work
    settings.MAX_DOCUMENT_SIZE = 1024
    client.force_login(specialist)
    before = rows()
    response = post_evidence(client, case, SimpleUploadedFile("a.pdf", b"%PDF-1.4" + b"0" * 4096))
    assert "el límite es 1,0\xa0KB" in " ".join(str(m) for m in response.context["messages"])
    assert rows() == before


# A network's resources ---------------------------------------------------------------


def test_network_resources_refuse_bad_files(client, network_member, settings):
    network, member, _post = network_member
    client.force_login(member)
    huge = ("guia.pdf", lambda: b"%PDF-1.4" + b"0" * (settings.MAX_DOCUMENT_SIZE + 1))
    for bad, (name, make) in {**BAD, "huge": huge}.items():
        before = rows()
        response = client.post(
            reverse("networks:add_resource", args=[network.pk]),
            {"kind": "document", "title": "Guía", "file": SimpleUploadedFile(name, make())},
            follow=True,
        )
        assert response.status_code == 200, bad
        spanish(" ".join(str(m) for m in response.context["messages"]))
        assert rows() == before, bad


# A candidate's CV -----------------------------------------------------------------------


def test_candidate_cv_must_be_a_real_pdf(client, coordinator, settings):
    from networks.models import Theme
    from tests.conftest import make_user
    from workflows.roles import Role

    position = open_position(client, coordinator, Theme.objects.get(slug="finanzas-municipales"))
    client.force_login(make_user("asistente", Role.ASSISTANT))
    huge = ("cv.pdf", lambda: pdf_bytes() + b"0" * (settings.MAX_DOCUMENT_SIZE + 1))
    for bad, (name, make) in {**BAD, "huge": huge}.items():
        before = rows()
        response = client.post(
            reverse("staffing:candidate_add", args=[position.pk]),
            {**CANDIDATES[0], "cv": SimpleUploadedFile(name, make())},
        )
        errors = form_errors(response, "cv")
        assert "el límite es" in errors if bad == "huge" else spanish(errors) is None
        assert rows() == before, bad


# A project milestone's deliverable -------------------------------------------------------


def test_milestone_deliverable_refuses_bad_files(db):
    for bad, (name, make) in {**BAD, "docx bomb": ("informe.docx", bomb)}.items():
        form = MilestoneForm(
            data={"report": "", "comment": ""},
            files={"deliverable_file": SimpleUploadedFile(name, make())},
        )
        assert not form.is_valid(), bad
        spanish(" ".join(form.errors["deliverable_file"]))
