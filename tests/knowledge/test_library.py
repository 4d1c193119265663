"""Publication rules, search in Spanish, transfer and feedback, exports and the case PDF."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from agreements import scope
from agreements.models import Municipality
from knowledge import selectors, services
from knowledge.models import Case, Evidence, LibraryEntry, Replication
from networks.models import Theme
from notifications.models import Notification
from tests.conftest import make_user
from workflows.roles import Role

from .conftest import register
from .helpers import publish


@pytest.fixture
def people(facilitator_a, facilitator_b, specialist, curator, coordinator):
    return {
        "fac_a": facilitator_a,
        "fac_b": facilitator_b,
        "specialist": specialist,
        "curator": curator,
        "coordinator": coordinator,
    }


def published(people, municipality, theme, **fields):
    return publish(
        people["fac_a"] if municipality.region.code == "15" else people["fac_b"],
        municipality,
        theme,
        people["specialist"],
        people["curator"],
        people["coordinator"],
        **fields,
    )


def test_an_unpublished_case_is_seen_only_by_the_people_involved(
    client, people, municipality_a, municipality_b, theme, coordinator
):
    case = register(people["fac_a"], municipality_a, theme)
    officer_b = make_user("off_b", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer_b, municipality_b, by=coordinator)
    officer_a = make_user("off_a", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer_a, municipality_a, by=coordinator)
    other_specialist = make_user("esp_otro", Role.SPECIALIST)
    expected = {
        None: 404,
        officer_b: 404,
        people["fac_b"]: 404,
        other_specialist: 404,
        officer_a: 200,
        people["fac_a"]: 200,
        people["specialist"]: 200,
        people["curator"]: 200,
        coordinator: 200,
    }
    for user, status in expected.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(case.get_absolute_url()).status_code == status, user
        assert client.get(reverse("knowledge:case_pdf", args=[case.pk])).status_code == status
    client.logout()
    assert case.title not in client.get(reverse("knowledge:library")).content.decode()
    assert client.get("/api/knowledge/cases/").json()["count"] == 0
    assert client.get(reverse("knowledge:export", args=["json"])).json() == {"cases": []}


def test_search_in_spanish_ignores_accents_and_plurals(
    client, postgresql, people, municipality_a, municipality_b, theme
):
    finance = Theme.objects.get(slug="finanzas-municipales")
    budget = published(
        people,
        municipality_a,
        finance,
        title="Presupuesto participativo con los consejos comunales",
        summary="Las comunidades deciden la inversión en obras.",
    )
    waste = published(
        people,
        municipality_b,
        theme,
        title="Recolección de desechos por rutas concertadas",
        summary="Camiones y horarios acordados con cada comunidad.",
    )
    lights = published(
        people,
        municipality_b,
        theme,
        title="Alumbrado público con energía solar",
        summary="Luminarias nuevas en las plazas y avenidas.",
        results="Menos consumo, menos desechos y más participación en el cuidado de las plazas.",
    )

    def titles(q, **params):
        return [c.pk for c in selectors.library({"q": q, **params}).results]

    # Every case's process mentions a participatory budget; the one titled so comes first.
    assert titles("participativo")[0] == budget.pk
    assert titles("PARTICIPACION") == [lights.pk]  # no accent, capitals
    assert titles("participación") == [lights.pk]
    assert titles("luminaria") == [lights.pk]  # singular finds the plural
    assert titles("plaza") == [lights.pk]
    # Weights: the title (waste), then the results (lights), then the rest of the text.
    assert titles("desecho") == [waste.pk, lights.pk, budget.pk]
    assert titles("recoleccion desechos")[0] == waste.pk
    assert titles("solar", theme="finanzas-municipales") == []
    assert titles("", theme="servicios-publicos") == [lights.pk, waste.pk]  # newest first
    facets = selectors.library({"q": "comunidad"}).facets
    assert {slug: n for slug, _label, n in facets["theme"]} == {
        "finanzas-municipales": 1,
        "servicios-publicos": 2,
    }
    page = client.get(reverse("knowledge:library"), {"q": "camiones"}).content.decode()
    assert waste.title in page and budget.title not in page
    assert "1 caso" in page
    api = client.get("/api/knowledge/cases/", {"q": "camion"}).json()
    assert [c["id"] for c in api["results"]] == [waste.pk]


def test_a_headline_match_ranks_first_then_the_newest_match_in_the_body(
    postgresql, people, municipality_a, theme
):
    """Ranking reads the title, summary and results; a match elsewhere counts, newest first."""
    in_summary = published(
        people, municipality_a, theme, summary="Un biodigestor comunal para el mercado."
    )
    in_process = published(
        people, municipality_a, theme, process="Se instalaron dos biodigestores en las escuelas."
    )
    in_lessons = published(
        people, municipality_a, theme, lessons="El biodigestor necesita mantenimiento semanal."
    )
    result = selectors.library({"q": "biodigestores"})
    assert [c.pk for c in result.results] == [in_summary.pk, in_lessons.pk, in_process.pk]
    assert result.total == 3 and result.results[0].rank > result.results[1].rank == 0
    entry = LibraryEntry.objects.get(case=in_summary)
    assert (entry.theme_id, entry.municipality_id, entry.year) == (
        theme.pk,
        municipality_a.pk,
        in_summary.started_on.year,
    )
    api = [
        c["id"]
        for c in Client().get("/api/knowledge/cases/", {"q": "biodigestor"}).json()["results"]
    ]
    assert api == [in_summary.pk, in_lessons.pk, in_process.pk]


def test_facets_filter_by_region_size_year_and_results(
    people, municipality_a, municipality_b, theme
):
    Municipality.objects.filter(pk=municipality_a.pk).update(population=30_000)
    Municipality.objects.filter(pk=municipality_b.pk).update(population=300_000)
    small = published(people, municipality_a, theme, title="Mercado municipal ordenado")
    large = published(
        people,
        municipality_b,
        theme,
        title="Catastro en línea",
        started_on=__import__("datetime").date(2023, 5, 1),
    )
    by = lambda **p: [c.pk for c in selectors.library(p).results]  # noqa: E731
    assert by(size="small") == [small.pk] and by(size="large") == [large.pk]
    assert by(region=str(municipality_b.region_id)) == [large.pk]
    assert by(year="2023") == [large.pk]
    assert set(by(results="coverage")) == {small.pk, large.pk}
    facets = selectors.library({}).facets
    assert ("2023", "2023", 1) in facets["year"] and ("2025", "2025", 1) in facets["year"]
    assert {key for key, _label, _n in facets["size"]} == {"small", "large"}
    # A new census moves the municipality's cases to another size band.
    census = Municipality.objects.get(pk=municipality_a.pk)
    census.population = 120_000
    census.save()
    assert by(size="medium") == [small.pk] and by(size="small") == []
    sizes = {key: n for key, _label, n in selectors.library({}).facets["size"]}
    assert sizes == {"medium": 1, "large": 1}


def test_replication_and_feedback_feed_back_into_the_case(
    client, people, municipality_a, municipality_b, theme, coordinator
):
    case = published(people, municipality_a, theme)
    officer_b = make_user("off_b", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer_b, municipality_b, by=coordinator)

    client.force_login(officer_b)
    client.post(
        reverse("knowledge:replication", args=[case.pk]),
        {"municipality": municipality_b.pk, "state": "in_progress", "started_on": "2026-02-01"},
    )
    replication = Replication.objects.get()
    assert (replication.municipality, replication.state) == (municipality_b, "in_progress")
    with pytest.raises(PermissionDenied):  # not their municipality
        services.record_replication(case, officer_b, municipality_a, "planned")
    client.post(
        reverse("knowledge:comment", args=[case.pk]), {"text": "Lo estamos aplicando en Zulia."}
    )
    client.post(reverse("knowledge:rate", args=[case.pk]), {"usefulness": "4"})
    client.post(reverse("knowledge:rate", args=[case.pk]), {"usefulness": "5"})  # changes, not adds

    client.logout()
    page = client.get(case.get_absolute_url()).content.decode()
    assert "en 1 municipio" in page and municipality_b.name in page
    assert "Lo estamos aplicando en Zulia." in page
    assert "5,0 / 5 (1)" in page
    authors = {people["fac_a"], people["specialist"]}
    assert {
        n.recipient
        for n in Notification.objects.filter(kind="feedback", key__startswith="comment:")
    } == authors
    assert Notification.objects.filter(kind="feedback", key__startswith="replication:").count() == 2

    # A specialist hides the comment: the public no longer sees it.
    comment = case.comments.get()
    client.force_login(people["specialist"])
    client.post(reverse("knowledge:moderate", args=[comment.pk]), {"hidden": "1"})
    client.logout()
    assert "Lo estamos aplicando" not in client.get(case.get_absolute_url()).content.decode()
    client.force_login(officer_b)
    assert client.post(reverse("knowledge:moderate", args=[comment.pk])).status_code == 403


def test_nobody_curates_a_case_they_systematised(people, municipality_a, theme):
    case = register(people["fac_a"], municipality_a, theme)
    case.specialist = people["specialist"]
    case.save(update_fields=["specialist"])
    with pytest.raises(ValidationError, match="otra persona|someone other"):
        services.curate(case, people["specialist"], {"decision": "approve"}, task=None)


def test_a_revision_is_a_new_version_and_archives_the_published_one(people, municipality_a, theme):
    first = published(people, municipality_a, theme)
    revision = services.revise(first, people["specialist"])
    assert (revision.version, revision.revises_id) == (2, first.pk)
    assert revision.state == Case.State.IN_SYSTEMATISATION
    assert revision.milestones.count() == first.milestones.count() == 1
    with pytest.raises(ValidationError):
        services.revise(first, people["specialist"])
    first.refresh_from_db()
    assert first.state == Case.State.PUBLISHED  # public until the new version is published
    from tests.conftest import open_task
    from workflows import services as tasks
    from workflows.models import Process

    process = Process.for_subject(revision)
    task = open_task(process)
    assert task.owner == people["specialist"]
    tasks.complete(task, people["specialist"], {"comment": ""})
    for user, data in (
        (
            people["curator"],
            {
                "decision": "approve",
                "comment": "",
                "criteria_keys": ["public_sector", "novel", "implemented", "impact"],
                "public_sector": True,
                "novel": True,
                "implemented": True,
                "impact": True,
            },
        ),
        (people["coordinator"], {"decision": "approve", "comment": ""}),
    ):
        task = open_task(process)
        tasks.claim(task, user)
        tasks.complete(task, user, data)
    first.refresh_from_db()
    revision.refresh_from_db()
    assert (first.state, revision.state) == (Case.State.ARCHIVED, Case.State.PUBLISHED)
    assert [c.pk for c in selectors.library({}).results] == [revision.pk]
    assert list(LibraryEntry.objects.values_list("case", flat=True)) == [revision.pk]


def test_evidence_is_checked_by_type_and_size(people, municipality_a, theme, settings):
    case = register(people["fac_a"], municipality_a, theme)
    specialist = people["specialist"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    ok = Evidence(kind="image", title="Foto", file=SimpleUploadedFile("foto.png", png))
    services.add_evidence(case, specialist, ok)
    assert case.evidence.get().size == len(png)
    for name, content, message in [
        ("foto.png", b"GIF89a....", "no es lo que"),
        ("script.exe", b"MZ", "No se aceptan"),
        ("informe.docx", b"PK\x03\x04broken", "dañado"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.add_evidence(
                case,
                specialist,
                Evidence(kind="document", title="x", file=SimpleUploadedFile(name, content)),
            )
    settings.MAX_DOCUMENT_SIZE = 50
    with pytest.raises(ValidationError, match="límite"):
        services.add_evidence(
            case,
            specialist,
            Evidence(kind="image", title="y", file=SimpleUploadedFile("g.png", png)),
        )
    assert case.evidence.count() == 1


def test_case_pdf_holds_its_steps_and_results(client, people, municipality_a, theme):
    case = published(people, municipality_a, theme)
    response = client.get(reverse("knowledge:case_pdf", args=[case.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        case.title,
        "1. Punto de partida",
        "5. Conclusiones y lecciones",
        "La cobertura llegó al 95 %.",
        "Primera ruta concertada",
        "Cobertura de recolección",
        municipality_a.name,
    ):
        assert expected in text, expected


def test_open_data_exports(client, people, municipality_a, theme):
    case = published(people, municipality_a, theme, title='=HIPERVINCULO("x")')
    register(people["fac_a"], municipality_a, theme, title="Borrador sin publicar")
    rows = client.get(reverse("knowledge:export", args=["csv"])).getvalue().decode()
    lines = rows.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,title,municipality_code")
    assert len(lines) == 2 and "'=HIPERVINCULO" in lines[1]
    data = client.get(reverse("knowledge:export", args=["json"])).json()
    assert [c["id"] for c in data["cases"]] == [case.pk]
    assert client.get(reverse("knowledge:export", args=["pdf"])).status_code == 404
    api = client.get(f"/api/knowledge/cases/{case.pk}/").json()
    assert api["milestones"][0]["title"] == "Primera ruta concertada"


def test_programme_report_counts_cases_in_the_facilitators_territory(
    client, people, municipality_a, municipality_b, theme
):
    published(people, municipality_a, theme)
    register(people["fac_b"], municipality_b, theme)
    dates = {"start": "2000-01-01", "end": "2099-12-31"}
    client.force_login(people["coordinator"])
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.cases == {"registered": 2, "published": 1, "public": 1}
    client.force_login(people["fac_b"])
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.cases == {"registered": 1, "published": 0, "public": 0}
    pdf = client.get(reverse("reports:dashboard_pdf"), dates)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Casos de innovación" in text and "Registrados en el período" in text


def test_library_page_query_count_does_not_grow_with_cases(
    client, people, municipality_a, municipality_b, theme, django_assert_max_num_queries
):
    published(people, municipality_a, theme)
    with django_assert_max_num_queries(16) as first:
        client.get(reverse("knowledge:library"), {"q": "desechos"})
    for municipality in (municipality_b, municipality_a):
        published(people, municipality, Theme.objects.get(slug="gobierno-abierto"))
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("knowledge:library"), {"q": "desechos"})
    assert "3 casos" in page.content.decode()


def test_drafts_and_feedback_refuse_the_wrong_people(client, people, municipality_a, theme):
    case = register(people["fac_a"], municipality_a, theme)
    client.force_login(people["fac_a"])  # registered it, but does not hold the task
    response = client.post(
        reverse("knowledge:autosave", args=[case.pk, 1]), {"case-situation_before": "x"}
    )
    assert response.status_code == 403
    assert client.get(reverse("knowledge:systematise", args=[case.pk, 1])).status_code == 403
    with pytest.raises(ValidationError):
        services.add_comment(case, people["fac_a"], "Antes de publicar")
    with pytest.raises(ValidationError):
        services.rate(case, people["fac_a"], 5)
    case.refresh_from_db()
    assert case.situation_before == "" and not case.comments.exists()


def test_library_links_keep_the_query_and_the_other_filters(
    client, people, municipality_a, municipality_b, theme
):
    first = published(people, municipality_a, theme, title="Mercado municipal ordenado")
    published(people, municipality_b, theme, title="Mercado de productores")
    region = municipality_a.region_id
    page = client.get(reverse("knowledge:library"), {"q": "mercado", "region": region})
    html = page.content.decode()
    assert [c.pk for c in page.context["library"].results] == [first.pk]
    # The theme's link adds the theme to the query and the region; the region's is the one
    # facet marked current (the header marks the library itself, with aria-current="page").
    assert f'href="?q=mercado&amp;region={region}&amp;theme={theme.slug}"' in html
    assert f'<a href="?q=mercado&amp;region={region}" class="active" aria-current="true">' in html
    assert html.count('aria-current="true"') == 1


def test_a_search_finds_its_matches_through_the_index(postgresql, people, municipality_a, theme):
    """Even for a word in every case, where a sequential scan would read every full vector."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        published(people, municipality_a, theme, title="Alumbrado del municipio")
    with CaptureQueriesContext(connection) as captured:
        assert selectors.library({"q": "municipio"}).total == 2
    [statement] = [q["sql"] for q in captured if "@@" in q["sql"]]
    with selectors.through_the_index(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "library_search" in plan and "Seq Scan on knowledge_libraryentry" not in plan
    # A small table's scan, costed at 10^10 with scans off, is not compiled by JIT.
    with selectors.through_the_index(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT name FROM agreements_region ORDER BY name")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on agreements_region" in plan and "JIT" not in plan
    with connection.cursor() as cursor:  # outside, the setting is back to the server's
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
