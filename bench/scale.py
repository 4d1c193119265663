"""A programme at national scale, made by SQL: the data that ``python -m bench national`` reads.

At ``scale=1`` (issue 10): 5,570 municipalities in 27 states, 200 facilitators, 50
specialists, 40 quarters of published finance submissions with their indicators (and
about 1,200 lines each for the latest ``line_periods`` quarters), 1,000,000 workflow
tasks of which 100,000 are open, 2,000,000 chained audit events and 100,000 innovation
cases. People, processes and events scale with ``scale``; the states do not.

Everything is written with ``INSERT ... SELECT generate_series`` or COPY, except the
audit events, whose hashes are made by ``workflows.audit.record_many`` (the same code
that a reminder sweep uses) so that the chains verify.
"""

import time

MUNICIPALITIES = 5_570
STATES = 27
FACILITATORS = 200
SPECIALISTS = 50
TASKS = 1_000_000
TASKS_PER_PROCESS = 5
AUDIT_EVENTS = 2_000_000
CASES = 100_000
PERIODS = 40  # ten years of quarters
LINES_PER_SUBMISSION = 1_200
PASSWORD = "bench-2026"

# The tasks' nodes: real nodes of the onboarding flow, so that task pages render.
FLOW = "agreements/flows.OnboardingFlow"
DRAFT = f"{FLOW}.draft_agreement"
REVIEW = f"{FLOW}.review_agreement"


class Steps:
    """Prints each step with its duration, and keeps them for the results file."""

    def __init__(self, out):
        self.out, self.timings = out, {}

    def __call__(self, name, function, *args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - start
        self.timings[name] = round(seconds, 1)
        self.out(f"  {name}: {seconds:.1f} s")
        return result


def sizes(scale):
    return {
        "municipalities": round(MUNICIPALITIES * scale),
        "facilitators": max(STATES, round(FACILITATORS * scale)),
        "specialists": max(1, round(SPECIALISTS * scale)),
        "tasks": round(TASKS * scale),
        "audit_events": round(AUDIT_EVENTS * scale),
        "cases": round(CASES * scale),
    }


def generate(scale=1.0, *, line_periods=1, lines=LINES_PER_SUBMISSION, cases=True, out=print):
    """Fill an empty, migrated database; returns the sizes and each step's seconds."""
    from django.contrib.auth.hashers import make_password

    n = sizes(scale)
    steps = Steps(out)
    password = make_password(PASSWORD)
    steps("states and municipalities", territory, n["municipalities"])
    steps("people and their scopes", people, n["facilitators"], n["specialists"], password)
    steps("processes and tasks", tasks, n["tasks"])
    steps("audit events", audit_events, n["audit_events"])
    steps("finance periods, submissions, indicators", finance, PERIODS)
    if line_periods:
        steps("finance lines", finance_lines, line_periods, lines)
    if cases and n["cases"]:
        steps("innovation cases", innovation_cases, n["cases"])
    steps("vacuum analyze", vacuum)
    return {
        "scale": scale,
        "line_periods": line_periods,
        "lines_per_submission": lines,
        **n,
        "seconds": steps.timings,
    }


def _sql(statement, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def territory(municipalities):
    """Add states up to 27 and municipalities up to ``municipalities`` (all members)."""
    _sql(
        """
        INSERT INTO agreements_region (code, name, capital)
        SELECT 'E' || lpad(g::text, 2, '0'), 'Estado ' || g, 'Capital ' || g
        FROM generate_series((SELECT count(*) FROM agreements_region) + 1, %s) g
        """,
        [STATES],
    )
    _sql(
        """
        INSERT INTO agreements_municipality (region_id, code, name, seat, population,
            is_member, member_since)
        SELECT r.ids[1 + g %% array_length(r.ids, 1)], 'M' || lpad(g::text, 5, '0'),
               'Municipio ' || g, 'Sede ' || g,
               -- a long tail of small municipalities, a few large ones
               (2000 + 800000 * power(((g * 7919) %% 1000) / 1000.0, 4))::int,
               true, date '2020-01-01' + (g %% 1500)::int
        FROM generate_series((SELECT count(*) FROM agreements_municipality) + 1, %s) g,
             (SELECT array_agg(id ORDER BY id) AS ids FROM agreements_region) r
        """,
        [municipalities],
    )
    _sql(
        "UPDATE agreements_municipality SET is_member = true, member_since = date '2020-01-01'"
        " WHERE NOT is_member"
    )


def people(facilitators, specialists, password):
    """Coordinators, auditors, specialists and facilitators, each facilitator with a share
    of one state's municipalities (object permissions, as ``agreements.scope`` grants)."""
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType

    from agreements.models import Municipality, Region

    def make(prefix, count, group):
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}{i}",
                    email=f"{prefix}{i}@bench.example",
                    password=password,
                    first_name=prefix.capitalize(),
                    last_name=str(i),
                )
                for i in range(count)
            ]
        )
        group = Group.objects.get(name=group)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users]
        )
        return users

    make("coordinador", 3, "coordinator")
    make("auditor", 2, "auditor")
    make("especialista", specialists, "specialist")
    users = make("facilitador", facilitators, "facilitator")
    regions = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    _sql("CREATE TEMPORARY TABLE scale_facilitator (user_id int, region_id bigint)")
    _sql(
        "INSERT INTO scale_facilitator SELECT * FROM unnest(%s::int[], %s::bigint[])",
        [[u.pk for u in users], [regions[i % len(regions)] for i in range(len(users))]],
    )
    facilitate = Permission.objects.get(
        content_type__app_label="agreements", codename="facilitate_municipality"
    )
    facilitate_region = Permission.objects.get(
        content_type__app_label="agreements", codename="facilitate_region"
    )
    # Each state's municipalities dealt in turn to its facilitators.
    _sql(
        """
        UPDATE agreements_municipality m SET facilitator_id = f.user_id
        FROM (SELECT id, region_id,
                     row_number() OVER (PARTITION BY region_id ORDER BY id) - 1 AS i
              FROM agreements_municipality) mi,
             (SELECT user_id, region_id,
                     row_number() OVER (PARTITION BY region_id ORDER BY user_id) - 1 AS k,
                     count(*) OVER (PARTITION BY region_id) AS n
              FROM scale_facilitator) f
        WHERE mi.id = m.id AND f.region_id = mi.region_id AND f.k = mi.i %% f.n
        """
    )
    _sql(
        """
        INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id,
            user_id)
        SELECT id::text, %s, %s, facilitator_id FROM agreements_municipality
        WHERE facilitator_id IS NOT NULL
        """,
        [ContentType.objects.get_for_model(Municipality).pk, facilitate.pk],
    )
    _sql(
        """
        INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id,
            user_id)
        SELECT region_id::text, %s, %s, user_id FROM scale_facilitator
        """,
        [ContentType.objects.get_for_model(Region).pk, facilitate_region.pk],
    )
    _sql("DROP TABLE scale_facilitator")


def tasks(total):
    """Onboarding processes of five tasks each; every other process has its last task open.

    Open tasks: half wait in a facilitator's queue (scoped to the municipality), a tenth
    in the coordinators' queue, the rest are assigned to the municipality's facilitator.
    Due dates fall between a month overdue and two months ahead.
    """
    processes = max(1, total // TASKS_PER_PROCESS)
    _sql(
        """
        INSERT INTO workflows_process (flow_class, status, created, finished, data, title,
            municipality_id)
        SELECT %(flow)s, CASE WHEN g %% 2 = 0 THEN 'NEW' ELSE 'DONE' END,
               now() - (g %% 1000) * interval '1 day',
               CASE WHEN g %% 2 = 1 THEN now() - (g %% 900) * interval '1 day' END,
               '{}'::jsonb, 'Incorporación de ' || m.name, m.id
        FROM generate_series(1, %(n)s) g
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM agreements_municipality) a
        JOIN agreements_municipality m ON m.id = a.ids[1 + g %% array_length(a.ids, 1)]
        """,
        {"flow": FLOW, "n": processes},
    )
    from django.contrib.contenttypes.models import ContentType

    from agreements.models import Municipality

    ct = ContentType.objects.get_for_model(Municipality).pk
    _sql(
        """
        INSERT INTO workflows_task (flow_task, flow_task_type, status, created, token,
            owner_permission, owner_permission_obj_pk, owner_permission_content_type_id,
            data, role, due_at, comment, municipality_id, owner_id, process_id, assigned,
            finished)
        SELECT
            CASE WHEN o.coordinator THEN %(review)s ELSE %(draft)s END,
            'HUMAN',
            CASE WHEN NOT o.open THEN 'DONE' WHEN o.queue THEN 'NEW' ELSE 'ASSIGNED' END,
            p.created + k * interval '2 days', 'start',
            CASE WHEN o.coordinator THEN 'workflows.act_as_coordinator'
                 ELSE 'agreements.facilitate_municipality' END,
            CASE WHEN o.coordinator THEN NULL ELSE m.id::text END,
            CASE WHEN o.coordinator THEN NULL ELSE %(ct)s END,
            '{}'::jsonb,
            CASE WHEN o.coordinator THEN 'coordinator' ELSE 'facilitator' END,
            CASE WHEN o.open THEN now() + ((p.id * 37) %% 90 - 30) * interval '1 day'
                 ELSE p.created + (k + 5) * interval '2 days' END,
            '', m.id,
            CASE WHEN o.queue THEN NULL WHEN o.coordinator THEN NULL ELSE m.facilitator_id END,
            p.id,
            CASE WHEN NOT o.queue THEN p.created + k * interval '2 days' END,
            CASE WHEN NOT o.open THEN p.created + (k + 1) * interval '2 days' END
        FROM workflows_process p
        JOIN agreements_municipality m ON m.id = p.municipality_id
        CROSS JOIN generate_series(0, %(per)s - 1) k
        CROSS JOIN LATERAL (
            SELECT p.status = 'NEW' AND k = %(per)s - 1 AS open,
                   p.status = 'NEW' AND k = %(per)s - 1 AND (p.id / 2) %% 10 < 6 AS queue,
                   p.status = 'NEW' AND k = %(per)s - 1 AND (p.id / 2) %% 10 = 5
                       AS coordinator
        ) o
        WHERE p.flow_class = %(flow)s
        ORDER BY p.id, k
        """,
        {"review": REVIEW, "draft": DRAFT, "ct": ct, "per": TASKS_PER_PROCESS, "flow": FLOW},
    )


def audit_events(total, batch=100_000):
    """Each process's history: task events chained by ``audit.record_many``."""
    from django.db import connection

    from workflows import audit

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, municipality_id FROM workflows_process ORDER BY id LIMIT %s",
            [max(1, total // 10)],
        )
        processes = cursor.fetchall()
    per = max(1, total // max(1, len(processes)))
    actions = ["task.created", "task.claimed", "task.completed", "agreement.submit"]
    rows, written = [], 0
    for pid, municipality in processes:
        for i in range(per):
            rows.append(
                {
                    "action": actions[i % len(actions)],
                    "process_id": pid,
                    "municipality_id": municipality,
                    "after": {"step": i, "note": "revisión n.º " + str(i)},
                }
            )
        if len(rows) >= batch:
            written += audit.record_many(rows)
            rows = []
    if rows:
        written += audit.record_many(rows)
    return written


def finance(periods):
    """Quarters from 2016 on, one published submission per member and quarter, indicators."""
    from finance.indicators import INDICATORS

    _sql(
        """
        INSERT INTO finance_fiscalperiod (year, quarter, currency_id, opens_on, deadline,
            state, created)
        SELECT 2016 + g / 4, 1 + g %% 4,
               (SELECT id FROM finance_currency ORDER BY valid_from DESC LIMIT 1),
               make_date(2016 + g / 4, 1 + 3 * (g %% 4), 1) + interval '3 months',
               make_date(2016 + g / 4, 1 + 3 * (g %% 4), 1) + interval '4 months',
               'closed', now()
        FROM generate_series(0, %s - 1) g
        ON CONFLICT DO NOTHING
        """,
        [periods],
    )
    _sql(
        """
        INSERT INTO finance_submission (municipality_id, period_id, version, state, quality,
            checks_run, checks_failed, justification, review_comment, submitted_at,
            published_at, created)
        SELECT m.id, p.id, 1, 'published', 0.95, 16, 0, '', '', now(), now(), now()
        FROM agreements_municipality m CROSS JOIN finance_fiscalperiod p
        WHERE m.is_member
        """
    )
    _sql(
        """
        INSERT INTO finance_indicatorvalue (submission_id, municipality_id, period_id,
            indicator, value)
        SELECT s.id, s.municipality_id, s.period_id, k,
               round((((s.id * 31 + ascii(k)) %% 1000) / 1000.0)::numeric, 4)
        FROM finance_submission s CROSS JOIN unnest(%s::text[]) k
        """,
        [[indicator.key for indicator in INDICATORS]],
    )


def finance_lines(periods, lines=LINES_PER_SUBMISSION):
    """``lines`` classifier lines for each submission of the latest ``periods`` quarters."""
    from bench.finance import leaf_codes

    codes = leaf_codes()
    return _sql(
        """
        INSERT INTO finance_line (submission_id, program, code, row, initial, modified,
            committed, caused, paid)
        SELECT s.id, 'P' || (1 + k / %(codes)s), c.codes[1 + k %% %(codes)s], k + 2,
               v, v, v * 0.9, v * 0.8, v * 0.7
        FROM finance_submission s
        JOIN finance_fiscalperiod p ON p.id = s.period_id
        CROSS JOIN generate_series(0, %(lines)s - 1) k
        CROSS JOIN (SELECT %(code_list)s::text[] AS codes) c
        CROSS JOIN LATERAL (SELECT (1000 + (s.id * 7 + k * 13) %% 100000)::numeric AS v) a
        WHERE p.id IN (SELECT id FROM finance_fiscalperiod ORDER BY year DESC, quarter DESC
                       LIMIT %(periods)s)
        """,
        {
            "codes": len(codes),
            "lines": lines,
            "code_list": codes,
            "periods": periods,
        },
    )


def innovation_cases(count):
    from django.contrib.auth.models import User

    from bench import knowledge

    user = User.objects.filter(username="especialista0").first()
    knowledge.generate(1, count, user.pk)


def vacuum():
    from django.db import connection

    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        _sql("VACUUM ANALYZE")
    finally:
        connection.set_autocommit(autocommit)
