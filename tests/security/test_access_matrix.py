"""Every URL of the site, for every role and for anonymous visitors: what each may do.

The routes are found by walking the URL resolver (DRF's router and its format-suffix
variants included), so a new URL with no line in ``EXPECTED`` fails
``test_every_route_has_a_rule``. For each route the table says, per person, what a GET
(and, for write routes, a POST) must answer:

- ``OK``: 200 with the page's content (checked against ``SHOWS`` where the route names
  an object); ``GO``: a redirect elsewhere than the login page; ``DONE``: a redirect
  after which the write is in the audit trail (for the writes sent with real data,
  ``POST_DATA``);
- ``LOGIN``: a redirect to the login page; 403, 404, 405, 400, 409, 422: that status.

Everything is read against region A's objects (see world.py); the people of region B
(``facilitator_b``, ``officer_b``) must get 404 on every one of them, never 403, so that
another territory's objects do not even show they exist. POSTs are sent empty unless
``POST_DATA`` gives real data (then refusals show as 403/404, not as a form sent back);
each request runs in a savepoint that is rolled back, so every request sees the same world.
"""

import json

import pytest
from django.db import transaction
from django.urls import reverse

from .routes import concrete, patterns, values
from .world import REVIEWER_NOTE

pytestmark = pytest.mark.django_db

OK, GO, DONE, LOGIN = "OK", "GO", "DONE", "LOGIN"
ACTORS = [
    "anon",
    "coordinator",
    "deputy",
    "logistics",
    "assistant",
    "auditor",
    "specialist",
    "curator",
    "team_member",
    "facilitator",
    "officer",
    "facilitator_b",
    "officer_b",
]


def rule(default, **overrides):
    unknown = set(overrides) - set(ACTORS)
    assert not unknown, unknown
    return {actor: overrides.get(actor, default) for actor in ACTORS}


# route name: (GET rule, POST rule or None for read-only routes, which must refuse POST)
EXPECTED = {
    "workflows:home": (rule(OK, anon=LOGIN), None),
    "workflows:queue": (rule(OK, anon=LOGIN), None),
    "workflows:inbox": (rule(OK, anon=LOGIN), None),
    "workflows:archive": (rule(OK, anon=LOGIN), None),
    "workflows:task_detail": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        # Sent empty to the activation, unclaimed: those who may take it are sent back
        # to the task page to claim it first; the others may never do it.
        rule(
            403,
            anon=LOGIN,
            coordinator=GO,
            deputy=GO,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "workflows:task_claim": (
        rule(405, anon=LOGIN),
        rule(
            404,
            anon=LOGIN,
            coordinator=DONE,
            deputy=DONE,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
    ),
    "workflows:task_release": (
        rule(405, anon=LOGIN),
        rule(
            GO,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "workflows:task_reassign": (
        rule(405, anon=LOGIN),
        rule(
            404,
            anon=LOGIN,
            coordinator=GO,
            deputy=403,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
    ),
    "workflows:process_list": (rule(OK, anon=LOGIN), None),
    "workflows:process_detail": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "workflows:process_history_csv": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "workflows:process_history_pdf": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "workflows:audit_search": (rule(403, anon=LOGIN, coordinator=OK, auditor=OK), None),
    "workflows:sla_list": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "workflows:sla_edit": (
        rule(403, anon=LOGIN, coordinator=OK),
        rule(403, anon=LOGIN, coordinator=OK),
    ),
    "workflows:audit_verify": (
        rule(403, anon=LOGIN, coordinator=OK, auditor=OK),
        rule(403, anon=LOGIN, coordinator=OK, auditor=OK),
    ),
    "agreements:municipality_list": (rule(OK, anon=LOGIN), None),
    "agreements:municipality_detail": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "agreements:contact_create": (
        rule(
            404,
            anon=LOGIN,
            coordinator=OK,
            deputy=OK,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=OK,
            officer=403,
        ),
        rule(
            404,
            anon=LOGIN,
            coordinator=OK,
            deputy=OK,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=OK,
            officer=403,
        ),
    ),
    "agreements:start_onboarding": (
        rule(403, anon=LOGIN, facilitator=OK, facilitator_b=OK),
        rule(403, anon=LOGIN, facilitator=OK, facilitator_b=OK),
    ),
    "agreements:scope_list": (
        rule(403, anon=LOGIN, coordinator=OK),
        rule(403, anon=LOGIN, coordinator=OK),
    ),
    "agreements:signed_document": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "agreements:agreement_pdf": (
        rule(
            OK,
            anon=LOGIN,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "agreements:agreement_change": (
        rule(405, anon=LOGIN),
        rule(
            404,
            anon=LOGIN,
            coordinator=GO,
            deputy=403,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
    ),
    "notifications:list": (rule(OK, anon=LOGIN), None),
    "notifications:open": (rule(405, anon=LOGIN), rule(404, anon=LOGIN, coordinator=GO)),
    "notifications:read": (rule(405, anon=LOGIN), rule(404, anon=LOGIN, coordinator=GO)),
    "notifications:read_all": (rule(405, anon=LOGIN), rule(GO, anon=LOGIN)),
    "notifications:preferences": (rule(OK, anon=LOGIN), rule(OK, anon=LOGIN)),
    # Everybody who signs in has a profile and may hold API tokens (scoped like the pages).
    "workflows:profile": (rule(OK, anon=LOGIN), None),
    "workflows:token_create": (rule(405, anon=LOGIN), rule(OK, anon=LOGIN)),
    # Only its owner (region A's facilitator) may revoke a token; to anyone else it is not there.
    "workflows:token_revoke": (rule(405, anon=LOGIN), rule(404, anon=LOGIN, facilitator=DONE)),
    "reports:dashboard": (
        rule(
            OK, anon=LOGIN, specialist=403, curator=403, team_member=403, officer=403, officer_b=403
        ),
        None,
    ),
    "reports:dashboard_pdf": (
        rule(
            OK, anon=LOGIN, specialist=403, curator=403, team_member=403, officer=403, officer_b=403
        ),
        None,
    ),
    "reports:files": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        rule(403, anon=LOGIN, coordinator=GO, deputy=GO, logistics=GO, assistant=GO),
    ),
    "reports:download": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "finance:public_index": (rule(OK), None),
    "finance:profile": (rule(OK), None),
    "finance:compare": (rule(OK), None),
    "finance:methodology": (rule(OK), None),
    "finance:downloads": (rule(OK), None),
    "finance:download_lines": (rule(404), None),
    "finance:download_indicators": (rule(OK), None),
    "finance:datapackage": (rule(OK), None),
    "finance:board": (rule(OK), None),
    "finance:calendar": (rule(OK), None),
    "finance:classifier": (rule(OK), None),
    "finance:classifier_node": (rule(OK), None),
    "finance:series": (rule(OK), None),
    "finance:period_list": (rule(OK, anon=LOGIN), rule(403, anon=LOGIN, coordinator=OK, deputy=OK)),
    "finance:period_close": (
        rule(403, anon=LOGIN, coordinator=405, deputy=405),
        rule(403, anon=LOGIN, coordinator=GO, deputy=GO),
    ),
    "finance:submission_detail": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "finance:submission_upload": (
        rule(405, anon=LOGIN),
        rule(GO, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "finance:template": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "finance:submission_correct": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            curator=404,
            team_member=404,
            facilitator=GO,
            officer=GO,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "finance:upload_status": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "finance:upload_file": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "finance:upload_findings": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "finance:upload_findings_download": (
        rule(OK, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    # Tokens moved to each person's profile; the old address leads there.
    "finance:api_token": (rule(GO, anon=LOGIN), None),
    "knowledge:library": (rule(OK), None),
    "knowledge:case_detail": (rule(OK), None),
    "knowledge:case_pdf": (rule(OK), None),
    "knowledge:register": (
        rule(
            403,
            anon=LOGIN,
            specialist=OK,
            facilitator=OK,
            officer=OK,
            facilitator_b=OK,
            officer_b=OK,
        ),
        rule(
            403,
            anon=LOGIN,
            specialist=OK,
            facilitator=OK,
            officer=OK,
            facilitator_b=OK,
            officer_b=OK,
        ),
    ),
    "knowledge:my_cases": (rule(OK, anon=LOGIN), None),
    "knowledge:systematise": (
        rule(403, anon=LOGIN, specialist=OK, team_member=404, facilitator_b=404, officer_b=404),
        rule(403, anon=LOGIN, specialist=OK, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "knowledge:autosave": (
        rule(405, anon=LOGIN),
        rule(403, anon=LOGIN, specialist=OK, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "knowledge:add_evidence": (
        rule(405, anon=LOGIN),
        rule(GO, anon=LOGIN, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "knowledge:revise": (rule(405, anon=LOGIN), rule(403, anon=LOGIN, specialist=GO, curator=GO)),
    "knowledge:replication": (rule(405, anon=LOGIN), rule(GO, anon=LOGIN)),
    "knowledge:comment": (rule(405, anon=LOGIN), rule(DONE, anon=LOGIN, auditor=403)),
    "knowledge:rate": (rule(405, anon=LOGIN), rule(DONE, anon=LOGIN, auditor=403)),
    "knowledge:moderate": (
        rule(405, anon=LOGIN),
        rule(403, anon=LOGIN, specialist=DONE, curator=DONE),
    ),
    "knowledge:export": (rule(OK), None),
    "knowledge:evidence_file": (rule(OK), None),
    "staffing:position_list": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "staffing:position_create": (
        rule(403, anon=LOGIN, coordinator=OK),
        rule(403, anon=LOGIN, coordinator=OK),
    ),
    "staffing:position_detail": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "staffing:candidate_add": (
        rule(405, anon=LOGIN),
        rule(403, anon=LOGIN, coordinator=400, deputy=400, assistant=400),
    ),
    "staffing:position_cancel": (rule(405, anon=LOGIN), rule(403, anon=LOGIN, coordinator=400)),
    "staffing:invitation_resend": (rule(405, anon=LOGIN), rule(403, anon=LOGIN, coordinator=GO)),
    "staffing:candidate_cv": (
        rule(403, anon=LOGIN, coordinator=OK, deputy=OK, logistics=OK, assistant=OK),
        None,
    ),
    "staffing:position_contract": (
        rule(403, anon=LOGIN, coordinator=404, deputy=404, logistics=404, assistant=404),
        None,
    ),
    "staffing:candidate_anonymisation": (
        rule(405, anon=LOGIN),
        rule(403, anon=LOGIN, coordinator=GO, deputy=GO, logistics=GO, assistant=GO),
    ),
    "staffing:welcome": (rule(GO), rule(GO)),
    "networks:network_list": (rule(OK), None),
    "networks:propose": (
        rule(403, anon=LOGIN, specialist=OK),
        rule(403, anon=LOGIN, specialist=OK),
    ),
    "networks:network_detail": (
        rule(OK, anon=404, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "networks:add_post": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            specialist=DONE,
            curator=404,
            team_member=404,
            facilitator=DONE,
            officer=DONE,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "networks:add_solution": (
        rule(405, anon=LOGIN),
        rule(GO, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "networks:add_resource": (
        rule(405, anon=LOGIN),
        rule(GO, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "networks:add_member": (
        rule(405, anon=LOGIN),
        rule(GO, anon=LOGIN, curator=404, team_member=404, facilitator_b=404, officer_b=404),
    ),
    "networks:change_state": (
        rule(405, anon=LOGIN),
        rule(
            DONE,
            anon=LOGIN,
            auditor=403,
            curator=404,
            team_member=404,
            facilitator=403,
            officer=403,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "networks:post_detail": (
        rule(OK, anon=404, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "networks:add_comment": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            specialist=DONE,
            curator=404,
            team_member=404,
            facilitator=DONE,
            officer=DONE,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "networks:hide_post": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            specialist=DONE,
            curator=404,
            team_member=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "networks:hide_comment": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            specialist=GO,
            curator=404,
            team_member=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "networks:solution_detail": (
        rule(OK, anon=404, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "networks:resource_file": (
        rule(OK, anon=404, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "specialprojects:portfolio": (rule(OK, anon=LOGIN), None),
    "specialprojects:define": (
        rule(403, anon=LOGIN, coordinator=OK),
        rule(403, anon=LOGIN, coordinator=OK),
    ),
    "specialprojects:project_detail": (
        rule(
            OK,
            anon=LOGIN,
            curator=404,
            facilitator=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "specialprojects:one_pager": (
        rule(
            OK,
            anon=LOGIN,
            curator=404,
            facilitator=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "specialprojects:milestone_file": (
        rule(
            OK,
            anon=LOGIN,
            curator=404,
            facilitator=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "specialprojects:change_state": (
        rule(405, anon=LOGIN),
        rule(
            403,
            anon=LOGIN,
            coordinator=DONE,
            curator=404,
            facilitator=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "login": (rule(OK), rule(OK)),
    "logout": (rule(405), rule(LOGIN)),
    "set_language": (rule(GO), rule(GO)),
    "task-list": (rule(OK, anon=401), None),
    "task-detail": (
        rule(
            OK,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "task-claim": (
        rule(405, anon=401),
        rule(
            404,
            anon=401,
            coordinator=OK,
            deputy=OK,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
    ),
    "task-form": (
        rule(
            404,
            anon=401,
            coordinator=OK,
            deputy=OK,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
        None,
    ),
    # Sent empty: the task waits to be claimed (409) by those who may claim it.
    "task-complete": (
        rule(405, anon=401),
        rule(
            404,
            anon=401,
            coordinator=409,
            deputy=409,
            logistics=403,
            assistant=403,
            auditor=403,
            facilitator=403,
        ),
    ),
    # Starting a process: GET describes the start form, POST (sent empty) answers the
    # form's errors (400) to whoever may start one, as the start page does.
    "process-start-onboarding": (
        rule(403, anon=401, facilitator=OK, facilitator_b=OK),
        rule(403, anon=401, facilitator=400, facilitator_b=400),
    ),
    "process-start-hiring": (
        rule(403, anon=401, coordinator=OK),
        rule(403, anon=401, coordinator=400),
    ),
    "process-start-network": (
        rule(403, anon=401, specialist=OK),
        rule(403, anon=401, specialist=400),
    ),
    "process-start-project": (
        rule(403, anon=401, coordinator=OK),
        rule(403, anon=401, coordinator=400),
    ),
    "process-start-case": (
        rule(
            403, anon=401, specialist=OK, facilitator=OK, officer=OK, facilitator_b=OK, officer_b=OK
        ),
        rule(
            403,
            anon=401,
            specialist=400,
            facilitator=400,
            officer=400,
            facilitator_b=400,
            officer_b=400,
        ),
    ),
    "process-start-finance": (
        rule(403, anon=401, coordinator=OK, deputy=OK),
        rule(403, anon=401, coordinator=400, deputy=400),
    ),
    "task-release": (
        rule(405, anon=401),
        rule(
            409,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "process-list": (rule(OK, anon=401), None),
    "process-detail": (
        rule(
            OK,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "process-history": (
        rule(
            OK,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "municipality-list": (rule(OK, anon=401), None),
    "municipality-detail": (
        rule(
            OK,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "agreement-list": (rule(OK, anon=401), None),
    "agreement-detail": (
        rule(
            OK,
            anon=401,
            specialist=404,
            curator=404,
            team_member=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "finance-period-list": (rule(OK), None),
    "finance-period-detail": (rule(OK), None),
    "finance-classifier-list": (rule(OK), None),
    "finance-classifier-detail": (rule(OK), None),
    "finance-indicator-list": (rule(OK), None),
    "finance-indicator-detail": (rule(404), None),
    "finance-line-list": (rule(OK), None),
    "finance-line-detail": (rule(404), None),
    "finance-submission-list": (rule(OK, anon=401), None),
    "finance-submission-detail": (
        rule(OK, anon=401, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "finance-submission-submit": (
        rule(405, anon=401),
        rule(
            403,
            anon=401,
            curator=404,
            team_member=404,
            facilitator=409,
            officer=409,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "finance-submission-upload": (
        rule(405, anon=401),
        rule(
            403,
            anon=401,
            curator=404,
            team_member=404,
            facilitator=422,
            officer=422,
            facilitator_b=404,
            officer_b=404,
        ),
    ),
    "knowledge-case-list": (rule(OK), None),
    "knowledge-case-detail": (rule(OK), None),
    # The API's reads, scoped as the pages they mirror (anonymous callers: 401).
    "knowledge-case-file-list": (rule(OK, anon=401), None),
    "knowledge-case-file-detail": (
        rule(OK, anon=401, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "network-list": (rule(OK), None),
    "network-detail": (
        rule(OK, anon=404, curator=404, team_member=404, facilitator_b=404, officer_b=404),
        None,
    ),
    "project-list": (rule(OK, anon=401), None),
    "project-detail": (
        rule(
            OK,
            anon=401,
            curator=404,
            facilitator=404,
            officer=404,
            facilitator_b=404,
            officer_b=404,
        ),
        None,
    ),
    "position-list": (
        rule(403, anon=401, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "position-detail": (
        rule(403, anon=401, coordinator=OK, deputy=OK, logistics=OK, assistant=OK, auditor=OK),
        None,
    ),
    "api-root": (rule(OK, anon=401), None),
    "schema": (rule(OK), None),
    "api_docs": (rule(OK), None),
    # Operators' probes: no session, nothing in them but the service's own health.
    "health": (rule(OK), None),
    "health_ready": (rule(OK), None),
}

# Admin pages: only staff users (none of the roles here) may enter; others go to its login.
ADMIN = rule("ADMIN_LOGIN")

PDF, XLSX = b"%PDF", b"PK\x03\x04"

# What an allowed GET must show: text (or the leading bytes of a file) about the object.
SHOWS = {
    "workflows:task_detail": lambda w: w.onboarded_a.name,
    "workflows:process_detail": lambda w: w.onboarded_a.name,
    "workflows:process_history_csv": lambda w: "Convenio aprobado",
    "workflows:process_history_pdf": lambda w: PDF,
    "workflows:sla_edit": lambda w: w.sla.label,
    "agreements:municipality_detail": lambda w: w.mun_a.name,
    "agreements:contact_create": lambda w: w.mun_a.name,
    "agreements:signed_document": lambda w: PDF,
    "agreements:agreement_pdf": lambda w: PDF,
    "reports:dashboard_pdf": lambda w: PDF,
    "reports:download": lambda w: PDF,
    "finance:profile": lambda w: w.mun_b.name,
    "finance:board": lambda w: str(w.period.year),
    "finance:calendar": lambda w: w.mun_a.name,
    "finance:classifier": lambda w: w.mun_a.name,
    "finance:classifier_node": lambda w: w.mun_a.name,
    "finance:series": lambda w: w.mun_a.name,
    "finance:submission_detail": lambda w: w.mun_a.name,
    "finance:template": lambda w: XLSX,
    "finance:upload_status": lambda w: '"result"',
    "finance:upload_file": lambda w: "4.02.01.01.00",
    "finance:upload_findings": lambda w: "4.02.01.01.00",
    "finance:upload_findings_download": lambda w: "4.02.01.01.00",
    "knowledge:case_detail": lambda w: w.case_public.title,
    "knowledge:case_pdf": lambda w: PDF,
    "knowledge:systematise": lambda w: w.case_a.title,
    "staffing:position_detail": lambda w: w.position.title,
    "staffing:candidate_cv": lambda w: PDF,
    "networks:network_detail": lambda w: w.network.name,
    "networks:post_detail": lambda w: w.post.title,
    "networks:solution_detail": lambda w: w.solution.title,
    "networks:resource_file": lambda w: PDF,
    "specialprojects:project_detail": lambda w: w.project.title,
    "specialprojects:one_pager": lambda w: PDF,
    "specialprojects:milestone_file": lambda w: PDF,
    "task-detail": lambda w: f'"id":{w.task_a.pk}',
    "task-form": lambda w: '"name":"decision"',
    "process-start-onboarding": lambda w: '"name":"mayor_name"',
    "process-start-hiring": lambda w: '"name":"term_months"',
    "process-start-network": lambda w: '"name":"target_municipalities"',
    "process-start-project": lambda w: '"name":"lead"',
    "process-start-case": lambda w: '"name":"summary"',
    "process-start-finance": lambda w: '"name":"quarter"',
    "process-detail": lambda w: f'"id":{w.process_a.pk}',
    "process-history": lambda w: "agreement.approve",
    "municipality-detail": lambda w: w.mun_a.name,
    "agreement-detail": lambda w: f'"id":{w.agreement_a.pk}',
    "finance-period-detail": lambda w: f'"id":{w.period.pk}',
    "finance-classifier-detail": lambda w: "4.02.01.01.00",
    "finance-submission-detail": lambda w: f'"id":{w.submission_a.pk}',
    "knowledge-case-detail": lambda w: w.case_public.title,
    "knowledge-case-file-detail": lambda w: w.case_a.title,
    "network-detail": lambda w: w.network.name,
    "project-detail": lambda w: w.project.title,
    "position-detail": lambda w: w.position.title,
    "schema": lambda w: "openapi",
    "api_docs": lambda w: "swagger-ui-bundle.js",
    "workflows:profile": lambda w: "Tokens de la API",
    "health": lambda w: "status",
    "health_ready": lambda w: "database",
}

# Lists must show region A's object exactly to those who may open it (its detail route).
LISTED = {
    "workflows:process_list": ("workflows:process_detail", lambda w: w.onboarded_a.name),
    "process-list": ("process-detail", lambda w: ListedId(w.process_a.pk)),
    "agreement-list": ("agreement-detail", lambda w: ListedId(w.agreement_a.pk)),
    "finance-submission-list": ("finance-submission-detail", lambda w: ListedId(w.submission_a.pk)),
    "knowledge-case-file-list": ("knowledge-case-file-detail", lambda w: ListedId(w.case_a.pk)),
    "network-list": ("network-detail", lambda w: ListedId(w.network.pk)),
    "project-list": ("project-detail", lambda w: ListedId(w.project.pk)),
    "position-list": ("position-detail", lambda w: ListedId(w.position.pk)),
    "networks:network_list": ("networks:network_detail", lambda w: w.network.name),
    "specialprojects:portfolio": ("specialprojects:project_detail", lambda w: w.project.title),
}


def outcome(response):
    code = response.status_code
    if code in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return "ADMIN_LOGIN"
        if location.startswith("/accounts/login/"):
            return LOGIN
        return GO
    return OK if code == 200 else code


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class ListedId(int):
    """An API list shows the object when one of its rows has this id (a text search for
    '"id":5' would also match 50, or a nested municipality's id)."""


def shows(content, expected):
    if isinstance(expected, ListedId):
        data = json.loads(content)
        rows = data["results"] if isinstance(data, dict) else data
        return any(row.get("id") == expected for row in rows)
    if isinstance(expected, bytes):
        return content.startswith(expected)
    text = content.decode("utf-8", errors="replace").replace('": ', '":')
    from html import unescape

    return str(expected) in unescape(text)


# The API's format-suffix twins (``/api/tasks/1.json``) run the same view as the plain
# route; they are checked for three people only, to keep the suite quick.
SUFFIX_ACTORS = {"anon", "coordinator", "facilitator_b"}


def routes(actor=None):
    for name, route, suffix in patterns():
        if route.startswith("admin/") or (suffix and actor and actor not in SUFFIX_ACTORS):
            continue
        yield name, route


# Writes sent with real data, so that an allowed one is done and a refused one refused.
POST_DATA = {
    "workflows:task_claim": {},
    "agreements:agreement_change": {"comment": "Incumplimiento del convenio"},
    "knowledge:comment": {"text": "Nos sirvió para ordenar las rutas."},
    "knowledge:rate": {"usefulness": "4"},
    "networks:add_post": {"title": "Aviso", "body": "<p>Reunión el lunes</p>"},
    "networks:add_comment": {"text": "Gracias por compartir"},
    "networks:change_state": {"comment": "Pausa de fin de año"},
    "networks:hide_post": {"hidden": "1"},
    "knowledge:moderate": {"hidden": "1"},
    "workflows:token_create": {"name": "Integración", "days": "90"},
    "workflows:token_revoke": {},  # no fields: the button is the whole form
    "specialprojects:change_state": {"comment": "Sin presupuesto este año"},
}


def request(client, method, url, data=None):
    from workflows.models import AuditEvent

    with transaction.atomic():
        before = AuditEvent.objects.count() if data is not None else None
        response = getattr(client, method)(url, data or {})
        got, content = outcome(response), body(response) if response.status_code == 200 else b""
        if got == GO and before is not None and AuditEvent.objects.count() > before:
            got = DONE
        transaction.set_rollback(True)
    return got, content


def act_as(client, world, actor):
    client.logout()
    if actor != "anon":
        client.force_login(getattr(world.people, actor))


def test_every_route_has_a_rule():
    names = {name for name, _route in routes()}
    assert names - set(EXPECTED) == set(), "routes with no access rule"
    assert set(EXPECTED) - names == set(), "rules for routes that no longer exist"
    assert len(names) > 100


@pytest.mark.parametrize("actor", ACTORS)
def test_get(client, world, actor):
    act_as(client, world, actor)
    wrong = []
    for name, route in routes(actor):
        url = concrete(route, values(world, name))
        expected = EXPECTED[name][0][actor]
        got, content = request(client, "get", url)
        if got != expected:
            wrong.append(f"GET {url} ({name}): expected {expected}, got {got}")
        elif got == OK and name in SHOWS and not shows(content, SHOWS[name](world)):
            wrong.append(f"GET {url} ({name}): does not show {SHOWS[name](world)!r}")
        if name in LISTED and got == OK:
            detail, text = LISTED[name]
            visible = EXPECTED[detail][0][actor] == OK
            if shows(content, text(world)) != visible:
                wrong.append(f"GET {url} ({name}): lists A's object: {not visible}")
    assert wrong == [], "\n" + "\n".join(wrong)


@pytest.mark.parametrize("actor", ACTORS)
def test_post(client, world, actor):
    act_as(client, world, actor)
    wrong = []
    for name, route in routes(actor):
        rules = EXPECTED[name][1]
        if rules is None and actor not in ("anon", "coordinator"):
            continue  # read-only routes: refusing POST is checked for two people
        expected = rules[actor] if rules else (405 if actor != "anon" else None)
        url = concrete(route, values(world, name))
        got, _content = request(client, "post", url, POST_DATA.get(name))
        if name in ("login", "logout"):
            act_as(client, world, actor)  # they end the session the next request needs
        if expected is None:
            expected = EXPECTED[name][0]["anon"]
            expected = 405 if expected in (OK, 404) else expected
        if got != expected:
            wrong.append(f"POST {url} ({name}): expected {expected}, got {got}")
    assert wrong == [], "\n" + "\n".join(wrong)


@pytest.mark.parametrize("actor", ["anon", "coordinator", "auditor", "facilitator"])
def test_admin_is_for_staff_only(client, world, actor):
    act_as(client, world, actor)
    checked = 0
    for _name, route, _suffix in patterns():
        if not route.startswith("admin/") or "<" in route or "(?P" in route:
            continue
        got, _content = request(client, "get", "/" + route)
        expected = {"admin/login/": OK, "admin/logout/": GO}.get(route, "ADMIN_LOGIN")
        assert got == expected, (route, got)
        checked += 1
    assert checked > 40


# The working pages of A's published submission: publication makes its data public on
# the public pages and opens nothing of its working material. Each answers as the
# route's rule above says, for the same people; what an allowed page shows is checked.
PUBLISHED_WORKING = {
    "finance:submission_detail": (
        lambda w: {"pk": w.published_a.pk},
        lambda w: REVIEWER_NOTE,
    ),
    "finance:template": (lambda w: {"pk": w.published_a.pk}, lambda w: XLSX),
    "finance:upload_status": (
        lambda w: {"pk": w.published_upload_a.pk},
        lambda w: f'"id":{w.published_upload_a.pk}',
    ),
    "finance:upload_file": (
        lambda w: {"pk": w.published_upload_a.pk},
        lambda w: "4.02.01.01.00",
    ),
    "finance-submission-detail": (
        lambda w: {"pk": w.published_a.pk},
        lambda w: f'"id":{w.published_a.pk}',
    ),
    "finance-submission-upload": (lambda w: {"pk": w.published_a.pk}, None),
    "finance-submission-submit": (lambda w: {"pk": w.published_a.pk}, None),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_published_submissions_working_pages(client, world, actor):
    act_as(client, world, actor)
    wrong, seen = [], set()
    for name, route in routes(actor):
        if name not in PUBLISHED_WORKING:
            continue
        seen.add(name)
        params, shown = PUBLISHED_WORKING[name]
        url = concrete(route, {**values(world, name), **params(world)})
        expected = EXPECTED[name][0][actor]
        got, content = request(client, "get", url)
        if got != expected:
            wrong.append(f"GET {url} ({name}): expected {expected}, got {got}")
        elif got == OK and shown and not shows(content, shown(world)):
            wrong.append(f"GET {url} ({name}): does not show {shown(world)!r}")
    assert seen == set(PUBLISHED_WORKING)
    # Writes on it: refused as unseen (404) to those outside, whatever the data sent.
    outside = EXPECTED["finance:submission_detail"][0][actor]
    for name in ("finance:submission_upload", "finance:submission_correct"):
        url = reverse(name, args=[world.published_a.pk])
        got, _content = request(client, "post", url, {})
        if outside in (404, LOGIN) and got != outside:
            wrong.append(f"POST {url} ({name}): expected {outside}, got {got}")
        if outside not in (404, LOGIN) and got in (404, LOGIN):
            wrong.append(f"POST {url} ({name}): refused as unseen ({got})")
    assert wrong == [], "\n" + "\n".join(wrong)


@pytest.mark.parametrize("actor", ACTORS)
def test_published_submission_is_public_on_public_pages_only(client, world, actor):
    """Everyone reads A's published figures on its public profile; the working
    material (reviewer's note, uploader, refused file) is on no public page, and the
    API lists the submission only to those who may open it."""
    act_as(client, world, actor)
    officer = world.people.officer
    for url in (
        reverse("finance:profile", args=[world.mun_a.code]),
        reverse("finance:board", args=[world.period_published.pk]),
        reverse("finance:public_index"),
    ):
        got, content = request(client, "get", url)
        assert got == OK, url
        text = content.decode()
        assert REVIEWER_NOTE not in text, url
        assert "rechazado.csv" not in text, url
        uploader = officer.get_full_name() or officer.username
        assert uploader not in text or actor == "officer", url
    got, content = request(client, "get", reverse("finance:profile", args=[world.mun_a.code]))
    assert world.mun_a.name in content.decode()
    if actor == "anon":
        return
    got, content = request(client, "get", "/api/finance/submissions/?page_size=1000")
    listed = shows(content, ListedId(world.published_a.pk))
    assert listed == (EXPECTED["finance-submission-detail"][0][actor] == OK)


@pytest.mark.parametrize("actor", ACTORS)
def test_candidates_personal_data_in_the_api_as_on_the_pages(client, world, actor):
    """The positions API names a candidate exactly to those who may download their CV."""
    act_as(client, world, actor)
    personal = EXPECTED["staffing:candidate_cv"][0][actor] == OK
    for url in ("/api/staffing/positions/", f"/api/staffing/positions/{world.position.pk}/"):
        got, content = request(client, "get", url)
        if got != OK:
            assert not personal, url
            continue
        text = content.decode()
        assert ("Ana Salcedo" in text) is personal, url
        assert ("ana@correo.example" in text) is personal, url
