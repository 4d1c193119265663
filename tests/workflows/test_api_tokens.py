"""Personal API tokens: issued and revoked by their owner, stored as a digest, refused once
expired or revoked, their last use recorded without a write per request."""

import datetime
import re

import pytest
import time_machine
from django.apps import apps as global_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import api_key, make_user, open_task
from workflows import tokens
from workflows.models import ApiToken, AuditEvent
from workflows.roles import Role

pytestmark = pytest.mark.django_db

TASKS = "/api/tasks/?list=archive"


def api(key):
    """A client with no session: the token is its only credential."""
    return Client(headers={"Authorization": f"Token {key}"})


def refused(response, message):
    """Not served: no 200, nothing of the API's data, and the reason in the JSON body."""
    assert response.status_code in (401, 403), response.content
    body = response.json()
    assert "results" not in body and "id" not in body
    assert body["detail"] == message, body
    return body


def create_on_page(client, user, name="Sistema contable", days="90"):
    client.force_login(user)
    response = client.post(reverse("workflows:token_create"), {"name": name, "days": days})
    page = response.content.decode()
    match = re.search(r'id="new-token-key"[^>]*value="(pagg_[\w-]{40,})"', page)
    return response, page, (match.group(1) if match else None)


def test_a_token_opens_the_api_with_its_owners_scope(
    onboarding_a, onboarding_b, facilitator_a, municipality_a, municipality_b
):
    key = api_key(facilitator_a)
    response = api(key).get("/api/tasks/?list=inbox")
    assert response.status_code == 200, response.content
    municipalities = {row["municipality"] for row in response.json()["results"]}
    assert municipalities == {str(municipality_a)}  # region B's work is not theirs
    task_b = open_task(onboarding_b)
    assert api(key).get(f"/api/tasks/{task_b.pk}/").status_code == 404


def test_the_key_is_shown_once_and_stored_only_as_a_digest(client, facilitator_a):
    response, page, key = create_on_page(client, facilitator_a, name="Carga mensual", days="30")
    assert response.status_code == 200 and key, page
    assert "no-store" in response["Cache-Control"]
    assert "Copie el token ahora" in page
    token = ApiToken.objects.get(user=facilitator_a)
    assert token.name == "Carga mensual" and key.startswith(token.prefix)
    assert token.digest != key and len(token.digest) == 64
    expires = token.expires_at - token.created
    assert expires == datetime.timedelta(days=30)
    # No column of the row holds the key, nor any 20 characters of it past the prefix.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workflows_apitoken WHERE id = %s", [token.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert key not in row and key[12:32] not in row
    # The page does not show it again.
    again = client.get(reverse("workflows:profile")).content.decode()
    assert key not in again and token.prefix in again and "Carga mensual" in again


def test_the_profile_lists_tokens_with_dates_in_venezuelan_format(client, facilitator_a):
    moment = datetime.datetime(2026, 3, 5, 14, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        used = tokens.issue(user=facilitator_a, name="Usado")
        tokens.issue(user=facilitator_a, name="Nuevo", days=365)
        api(used[1]).get(TASKS)
    client.force_login(facilitator_a)
    page = client.get(reverse("workflows:profile")).content.decode()
    assert "Mi perfil" in page and "Tokens de la API" in page
    assert "05/03/2026" in page  # created, es-VE
    assert "03/06/2026" in page  # 90 days later
    assert "05/03/2027" in page  # a year later
    assert "nunca usado" in page  # the second one
    assert "05/03/2026 10:30" in page  # the last use, in Caracas time
    # By now the 90-day one has run out: it says so and offers no revocation.
    assert ">caducado<" in page and ">activo<" in page
    assert page.count('class="btn danger"') == 1


def test_expired_token_is_refused(facilitator_a):
    token, key = tokens.issue(user=facilitator_a, name="Corto", days=30)
    assert api(key).get(TASKS).status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        refused(api(key).get(TASKS), "Este token ha caducado.")


def test_revoked_token_is_refused_and_the_revocation_recorded(client, facilitator_a):
    token, key = tokens.issue(user=facilitator_a, name="Para revocar")
    client.force_login(facilitator_a)
    response = client.post(reverse("workflows:token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("workflows:profile")
    refused(api(key).get(TASKS), "Este token fue revocado.")
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.actor == facilitator_a and event.after["name"] == "Para revocar"
    page = client.get(reverse("workflows:profile")).content.decode()
    assert "revocado el" in page and 'class="btn danger"' not in page
    # A second revocation changes nothing and records nothing.
    client.post(reverse("workflows:token_revoke", args=[token.pk]))
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_issuing_is_recorded(client, facilitator_a):
    _response, _page, key = create_on_page(client, facilitator_a, name="Registrado")
    event = AuditEvent.objects.get(action="api_token.issued")
    assert event.actor == facilitator_a and event.after["name"] == "Registrado"
    assert key not in str(event.before) + str(event.after) + event.subject_repr


def test_nobody_revokes_another_persons_token(client, facilitator_a, facilitator_b):
    token, key = tokens.issue(user=facilitator_a, name="Ajeno")
    client.force_login(facilitator_b)
    assert client.post(reverse("workflows:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and api(key).get(TASKS).status_code == 200
    assert not AuditEvent.objects.filter(action="api_token.revoked").exists()
    # Nor sees it on their page.
    assert "Ajeno" not in client.get(reverse("workflows:profile")).content.decode()


def test_last_use_is_written_at_most_once_a_minute(facilitator_a):
    token, key = tokens.issue(user=facilitator_a, name="Uso")
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert api(key).get(TASKS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        api(key).get(TASKS)
    token.refresh_from_db()
    assert token.last_used_at == start  # not written again within the minute
    later = start + datetime.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        api(key).get(TASKS)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_wrong_key_and_an_inactive_owners_token_are_refused(facilitator_a):
    _token, key = tokens.issue(user=facilitator_a, name="Inactivo")
    refused(api(key[:-1] + ("A" if key[-1] != "A" else "B")).get(TASKS), "Token inválido.")
    facilitator_a.is_active = False
    facilitator_a.save()
    assert api(key).get(TASKS).status_code in (401, 403)


def test_bad_input_creates_nothing(client, facilitator_a):
    for data in ({"name": "", "days": "90"}, {"name": "x", "days": "7"}, {"name": "x"}):
        client.force_login(facilitator_a)
        response = client.post(reverse("workflows:token_create"), data)
        assert response.status_code == 200
        assert 'id="new-token-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_token.issued").exists()


def test_live_tokens_are_limited(client, facilitator_a):
    for number in range(tokens.MAX_LIVE):
        tokens.issue(user=facilitator_a, name=f"t{number}")
    response, page, key = create_on_page(client, facilitator_a, name="Uno más")
    assert key is None and "revoque uno primero" in page
    assert ApiToken.objects.filter(user=facilitator_a).count() == tokens.MAX_LIVE


def test_every_role_may_hold_a_token_and_it_reads_what_the_pages_show(
    client, auditor, onboarding_a
):
    """An auditor's token reads every process, as the desk does, and changes nothing."""
    _response, _page, key = create_on_page(client, auditor, name="Auditoría")
    assert key
    processes = api(key).get("/api/processes/")
    assert processes.status_code == 200
    assert onboarding_a.pk in {row["id"] for row in processes.json()["results"]}
    task = open_task(onboarding_a)
    claim = api(key).post(f"/api/tasks/{task.pk}/claim/")
    assert claim.status_code in (403, 404, 409)
    task.refresh_from_db()
    assert task.owner_id != auditor.pk


def test_the_old_token_page_leads_to_the_profile(client, facilitator_a):
    client.force_login(facilitator_a)
    response = client.get("/finance/api-token/")
    assert response.status_code == 301 and response["Location"] == reverse("workflows:profile")


def test_the_header_links_the_persons_name_to_their_profile(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("workflows:home")).content.decode()
    assert f'href="{reverse("workflows:profile")}"' in page


def test_drf_tokens_are_carried_over_as_digests(db):
    """The migration's step, on a table laid out as DRF's ``authtoken_token`` was."""
    from importlib import import_module

    migration = import_module("workflows.migrations.0012_api_tokens")
    officer = make_user("legacy", Role.COORDINATOR)
    plain = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamptz NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [plain, datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC), officer.pk],
        )
    with connection.schema_editor(atomic=False) as editor:
        migration.carry_over_drf_tokens(global_apps, editor)
    token = ApiToken.objects.get(user=officer)
    assert token.digest == tokens.digest(plain) and token.prefix == plain[:12]
    assert token.is_usable and token.name == "Token anterior"
    assert api(plain).get(TASKS).status_code == 200  # the old key keeps working


def test_an_administrator_revokes_a_leaked_token_in_the_admin(client, facilitator_a):
    from django.contrib.auth import get_user_model

    token, key = tokens.issue(user=facilitator_a, name="Filtrado")
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    changelist = reverse("admin:workflows_apitoken_changelist")
    listed = client.get(changelist).content.decode()
    assert "Filtrado" in listed and key not in listed
    response = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    refused(api(key).get(TASKS), "Este token fue revocado.")
    assert AuditEvent.objects.get(action="api_token.revoked").actor == admin
