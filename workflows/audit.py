"""Writing and verifying the audit trail.

Events are chained per process (or per subject outside a process) so that
appending locks one chain head, never the whole table; periodic checkpoints
seal all heads together, so that a rewritten or truncated chain is detected.
"""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache, lru_cache

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit_scan, bulk
from .fields import canonical_json as _canonical  # the hashed form of a payload
from .models import AuditChain, AuditCheckpoint, AuditEvent

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


_SCALARS = (str, bool, int)


def _is_plain(value):
    if value is None or isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        for k, v in value.items():  # a loop, not all(): most values are scalars
            if not isinstance(k, str):
                return False
            if not (v is None or isinstance(v, _SCALARS) or _is_plain(v)):
                return False
        return True
    return False


def to_json(value):
    """Plain JSON (as the database returns it) so that what is hashed is what is stored."""
    if _is_plain(value):
        return value
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _digest(payload):
    return _digest_text(_canonical(payload))


def _digest_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_payload(event):
    return {
        "chain": event.chain_key,
        "seq": event.seq,
        "prev": event.prev_hash,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "process": event.process_id,
        "task": event.task_id,
        "subject_type": event.subject_type_id,
        "subject_id": event.subject_id,
        "subject_repr": event.subject_repr,
        "municipality": event.municipality_id,
        "before": event.before,
        "after": event.after,
        "comment": event.comment,
    }


def event_hash(event):
    return _digest(event_payload(event))


def chain_key_for(process=None, subject=None):
    if process is not None:
        return f"process:{process.pk}"
    if subject is not None:
        meta = subject._meta
        return f"{meta.app_label}.{meta.model_name}:{subject.pk}"
    return SYSTEM_CHAIN


def _locked_chain(key):
    """The chain's head, locked until the transaction ends; made if it is the first event.

    (Databases other than PostgreSQL; there ``_append`` locks the head.)
    """
    chain = AuditChain.objects.select_for_update().filter(key=key).first()
    if chain is not None:
        return chain
    try:
        with transaction.atomic():
            return AuditChain.objects.create(key=key)
    except IntegrityError:
        return AuditChain.objects.select_for_update().get(key=key)


def _event(
    action,
    *,
    actor=None,
    process=None,
    task=None,
    subject=None,
    municipality=None,
    before=None,
    after=None,
    comment="",
    chain_key=None,
    at=None,
):
    """An unsaved, unchained event for ``action``, with its chain key."""
    if task is not None and process is None:
        process = task.process
    if municipality is None:
        municipality = getattr(process, "municipality_id", None) or getattr(
            subject, "municipality_id", None
        )
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent(
        chain_key=chain_key or chain_key_for(process, subject),
        at=at or timezone.now(),
        actor=actor if authenticated else None,
        actor_label=actor.get_username() if authenticated else "",
        action=action,
        process=process,
        task=task,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        subject_repr=str(subject)[:255] if subject is not None else "",
        municipality_id=getattr(municipality, "pk", municipality),
        before=to_json(before),
        after=to_json(after),
        comment=comment or "",
    )


def _chain(event, chain):
    event.seq = chain.length + 1
    event.prev_hash = chain.head_hash
    event.hash = event_hash(event)
    chain.length, chain.head_hash = event.seq, event.hash
    return event


def record(action, **kwargs):
    """Append one event. Runs inside the caller's transaction, so it commits with the change."""
    event = _event(action, **kwargs)
    held = getattr(connection, _HELD_BACK, None)
    if held is not None and connection.in_atomic_block:
        held.append(event)  # appended when the scope ends (``appended_together``)
        return event
    # No savepoint of its own: if appending fails, the caller's change must fail with it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _onto_chain([event])
        else:
            chain = _locked_chain(event.chain_key)
            _chain(event, chain)
            event.save()
            AuditChain.objects.filter(pk=chain.pk).update(
                length=chain.length, head_hash=chain.head_hash
            )
    return event


_JSON_COLUMNS = ("before", "after")
# What the chain's head decides: the rest of an event is known before it is appended.
_CHAINED = ("seq", "prev_hash", "hash")


@cache
def _keys_around_head():
    """The payload's keys in canonical (sorted) order before ``prev``, and after ``seq``."""
    keys = sorted(event_payload(AuditEvent(at=timezone.now())))
    at = keys.index("prev")
    if keys[at : at + 3] != ["prev", "process", "seq"]:
        raise RuntimeError("text_around_head expects prev, process and seq together")
    return keys[:at], keys[at + 3 :]


def text_around_head(payload):
    """``_canonical(payload)`` in three parts, around the values of ``prev`` and ``seq``.

    ``parts[0] + prev + parts[1] + str(seq) + parts[2]`` is the canonical text, so the
    database can hash it with the head it holds locked (``test_record_stores_what_it_
    hashed_on_any_payload`` holds PostgreSQL's hash equal to ``event_hash``).
    """
    before_prev, after_seq = _keys_around_head()
    head = _canonical({key: payload[key] for key in before_prev})
    tail = _canonical({key: payload[key] for key in after_seq})
    process = _canonical(payload["process"])
    return head[:-1] + ',"prev":"', f'","process":{process},"seq":', "," + tail[1:]


# How an event meets its chain's head, as CTEs ending in ``head``, which returns the
# event's (seq, prev_hash, hash). ``old``: the head, locked. ``moved``: if there is one,
# the event is hashed onto it (``sha256`` of the canonical text's UTF-8 bytes, the
# text's parts around ``prev`` and ``seq`` given) and the head moves. ``made``: if there
# is none, the chain is made with the event as its head (hashed on GENESIS, in Python),
# unless another transaction made it meanwhile (then nothing is written). One statement
# for both cases: a round trip, and a plan that a prepared statement keeps.
_ONTO_CHAIN = (
    "WITH old AS (SELECT id, length, head_hash FROM {chains} WHERE key = %s FOR UPDATE),"
    " moved AS (UPDATE {chains} c SET length = old.length + 1, head_hash = encode(sha256("
    "convert_to(%s || old.head_hash || %s || (old.length + 1)::text || %s, 'UTF8')),"
    " 'hex') FROM old WHERE c.id = old.id"
    " RETURNING c.length, old.head_hash AS prev, c.head_hash),"
    " made AS (INSERT INTO {chains} (key, length, head_hash, sealed_length, sealed_hash)"
    " SELECT %s, 1, %s, 0, '' WHERE NOT EXISTS (SELECT FROM old)"
    " ON CONFLICT (key) DO NOTHING RETURNING length, %s::varchar AS prev, head_hash),"
    " head AS (SELECT * FROM moved UNION ALL SELECT * FROM made)"
)


@cache
def _unchained_columns():
    """The columns an event has before its chain's head is known, and their typed
    placeholders: INSERT ... SELECT would take an untyped NULL or literal for text."""
    fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    columns = [c for c in AUDIT_COLUMNS if c not in _CHAINED]
    return columns, ", ".join(f"%s::{fields[c].db_type(connection)}" for c in columns)


@cache
def _append_sql():
    chains, events = AuditChain._meta.db_table, AuditEvent._meta.db_table
    columns, values = _unchained_columns()
    return (
        f"{_ONTO_CHAIN.format(chains=chains)}"
        f" INSERT INTO {events} ({', '.join(columns)}, {', '.join(_CHAINED)})"
        f" SELECT {values}, head.length, head.prev, head.head_hash FROM head"
        f" RETURNING id, {', '.join(_CHAINED)}"
    )


def _values(event):
    """The event's unchained columns, as ``_append_sql`` and ``_append_chains_sql`` take them."""
    values = []
    for column in AUDIT_COLUMNS:  # the model's attribute names
        if column in _CHAINED:
            continue
        value = getattr(event, column)
        if column in _JSON_COLUMNS and value is not None:
            value = _canonical(value)
        values.append(value)
    return values


def _append(event):
    """Insert ``event`` onto its chain's head, or as the first of a new chain: one statement.

    The chain's head is not read first: PostgreSQL hashes the event onto the head it
    has just locked. False if nothing was written (the chain was made meanwhile).
    """
    values = _values(event)
    parts = text_around_head(event_payload(event))
    first = _digest_text(parts[0] + GENESIS + parts[1] + "1" + parts[2])
    key = event.chain_key
    with connection.cursor() as cursor:
        cursor.execute(_append_sql(), [key, *parts, key, first, GENESIS, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    _stored(event, row)
    return True


def _stored(event, row):
    """``event`` as written: ``row`` is what the append returned (id, then the chained)."""
    pk, event.seq, event.prev_hash, event.hash = row
    bulk.mark_stored(event, pk)


def _onto_chain(events):
    """Append ``events`` (of one chain, in order): one statement, tried twice.

    If another transaction made the chain after the first try looked, nothing was
    written: the second try finds that chain and goes onto its head.
    """

    def write():
        if len(events) == 1:
            return _append(events[0])
        return not _append_chains({events[0].chain_key: events})

    if not (write() or write()):
        raise AuditChain.DoesNotExist(events[0].chain_key)


_HELD_BACK = "_audit_held_back"  # the events of an open ``appended_together`` scope
_SAVEPOINT, _ROLLBACK_TO = "SAVEPOINT ", "ROLLBACK TO SAVEPOINT "


@contextmanager
def appended_together():
    """Events recorded inside are appended when the block ends, in one statement.

    A task's completion records four events on its process's chain, each a statement
    of its own before (docs/performance.md). The block must run inside a transaction,
    which the events then join as they always did. Savepoints keep their meaning:
    when one is made, the events held so far are appended first, so that they are
    not undone with it; when one is rolled back, the events held (all recorded
    inside it) are dropped with its changes. An event recorded inside has its
    ``pk``, ``seq`` and hashes only once the block ends. An error leaving the block
    marks the transaction (or savepoint) it runs in for rollback: its events are
    dropped, so its changes must be too. Elsewhere than on PostgreSQL,
    or nested in another such block, events are appended as they are recorded.
    """
    if connection.vendor != "postgresql" or getattr(connection, _HELD_BACK, None) is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("appended_together() holds events back: use it in a transaction")
    held = []

    def watch(execute, sql, params, many, context):
        if isinstance(sql, str):  # Django's savepoints are plain text
            if sql.startswith(_SAVEPOINT):
                _append_held(held)
            elif sql.startswith(_ROLLBACK_TO):
                held.clear()
        return execute(sql, params, many, context)

    setattr(connection, _HELD_BACK, held)
    try:
        with connection.execute_wrapper(watch):
            yield
            _append_held(held)
    except BaseException:
        # The held events are dropped: so must be the changes they describe, even if
        # the caller catches the error inside its transaction.
        transaction.set_rollback(True)
        raise
    finally:
        setattr(connection, _HELD_BACK, None)


def _append_held(held):
    """Append the held events, in order, in one statement; empty ``held``.

    A chain another transaction made meanwhile is appended again on its own.
    """
    events, held[:] = list(held), []
    chains = {}
    for event in events:
        chains.setdefault(event.chain_key, []).append(event)
    if len(events) > 1:
        chains = {key: chains[key] for key in _append_chains(chains)}
    for chain in chains.values():
        _onto_chain(chain)


@lru_cache(maxsize=64)
def _append_chains_sql(counts):
    """Events onto chains, ``counts[k - 1]`` of them onto the k-th: one statement.

    The heads are locked in key order (two transactions appending to the same chains
    cannot each hold one the other waits for), the chains without one are made with
    their last event as head, and ``hashed`` walks each chain's events from its head as
    ``_ONTO_CHAIN`` hashes one. The events of a chain another transaction made
    meanwhile are not written.
    """
    chains, events = AuditChain._meta.db_table, AuditEvent._meta.db_table
    columns, typed = _unchained_columns()
    keys = ", ".join(f"({k}, %s::text)" for k in range(1, len(counts) + 1))
    lasts = ", ".join(f"({k}, {n})" for k, n in enumerate(counts, start=1))
    each = [(k, n) for k, count in enumerate(counts, start=1) for n in range(1, count + 1)]
    parts = ", ".join(f"({k}, {n}, %s::text, %s::text, %s::text)" for k, n in each)
    rows = ", ".join(f"({k}, {n}, {typed})" for k, n in each)
    return (
        f"WITH RECURSIVE keys (k, key) AS (VALUES {keys}),"
        f" old AS (SELECT keys.k, c.id, c.length, c.head_hash FROM {chains} c"
        " JOIN keys ON c.key = keys.key ORDER BY c.key FOR UPDATE OF c),"
        " base AS (SELECT keys.k, coalesce(old.length, 0) AS length,"
        " coalesce(old.head_hash::text, %s::text) AS head"
        " FROM keys LEFT JOIN old ON old.k = keys.k),"
        f" parts (k, n, p0, p1, p2) AS (VALUES {parts}),"
        " hashed (k, n, seq, prev, hash) AS (SELECT k, 0, length, NULL::text, head FROM base"
        " UNION ALL SELECT p.k, p.n, h.seq + 1, h.hash, encode(sha256(convert_to("
        "p.p0 || h.hash || p.p1 || (h.seq + 1)::text || p.p2, 'UTF8')), 'hex')"
        " FROM hashed h JOIN parts p ON p.k = h.k AND p.n = h.n + 1),"
        " last AS (SELECT h.k, h.seq, h.hash FROM hashed h"
        f" JOIN (VALUES {lasts}) counts (k, n) ON h.k = counts.k AND h.n = counts.n),"
        f" moved AS (UPDATE {chains} c SET length = last.seq, head_hash = last.hash"
        " FROM old JOIN last ON last.k = old.k WHERE c.id = old.id RETURNING old.k),"
        f" made AS (INSERT INTO {chains} (key, length, head_hash, sealed_length, sealed_hash)"
        " SELECT keys.key, last.seq, last.hash, 0, '' FROM keys JOIN last ON last.k = keys.k"
        " WHERE NOT EXISTS (SELECT FROM old WHERE old.k = keys.k) ORDER BY keys.key"
        " ON CONFLICT (key) DO NOTHING RETURNING key),"
        " written AS (SELECT k FROM moved UNION ALL"
        " SELECT keys.k FROM made JOIN keys ON keys.key = made.key)"
        f" INSERT INTO {events} ({', '.join(columns)}, {', '.join(_CHAINED)})"
        f" SELECT {', '.join(f'v.{c}' for c in columns)}, h.seq, h.prev, h.hash"
        f" FROM (VALUES {rows}) v (k, n, {', '.join(columns)})"
        " JOIN hashed h ON h.k = v.k AND h.n = v.n WHERE v.k IN (SELECT k FROM written)"
        f" RETURNING id, {', '.join(_CHAINED)}, chain_key"
    )


def _append_chains(chains):
    """Append ``chains`` ({key: its events, in order}) in one statement.

    Returns the keys of the chains another transaction made meanwhile: nothing of
    theirs was written.
    """
    keys = sorted(chains)
    parts, rows = [], []
    for key in keys:
        for event in chains[key]:
            parts.extend(text_around_head(event_payload(event)))
            rows.extend(_values(event))
    sql = _append_chains_sql(tuple(len(chains[key]) for key in keys))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys, GENESIS, *parts, *rows])
        written = sorted(cursor.fetchall(), key=lambda row: (row[4], row[1]))
    stored = {}
    for row in written:
        stored.setdefault(row[4], []).append(row[:4])
    for key, rows_of_chain in stored.items():
        for event, row in zip(chains[key], rows_of_chain, strict=True):
            _stored(event, row)
    return [key for key in keys if key not in stored]


AUDIT_COLUMNS = (
    "chain_key",
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "process_id",
    "task_id",
    "subject_type_id",
    "subject_id",
    "subject_repr",
    "municipality_id",
    "before",
    "after",
    "comment",
    "prev_hash",
    "hash",
)


def _scalar(value):
    """``_canonical(value)`` for a key or id, without the encoder's overhead for ints."""
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)  # what the JSON encoder writes for an int
    return _canonical(value)


def _system_event_text(chain, seq, prev, at, action, process, task, municipality, after):
    """``_canonical(payload)`` of an event without actor, subject, before or comment.

    The arguments are already canonical JSON texts (``seq`` an int). The keys are
    written in sorted order, so the text, and so the hash, is the one that
    ``event_hash`` computes from the stored row; a test holds the two together.
    """
    return (
        f'{{"action":{action},"actor":null,"actor_label":"","after":{after},"at":{at},'
        f'"before":null,"chain":{chain},"comment":"","municipality":{municipality},'
        f'"prev":{prev},"process":{process},"seq":{seq},"subject_id":"","subject_repr":"",'
        f'"subject_type":null,"task":{task}}}'
    )


def record_many(rows):
    """Append many system events at once (a reminder sweep): one lock per chain, one COPY.

    ``rows`` are dicts with ``action``, ``process_id`` and optionally ``task_id``,
    ``municipality_id`` and ``after`` (plain JSON); each goes to its process's chain.
    The hashes are those ``record`` would give: the payload's canonical text is
    written directly rather than through a dict per event.
    """
    rows = list(rows)
    if not rows:
        return 0
    at = timezone.now()
    at_text = _canonical(at.astimezone(UTC).isoformat())
    keys = sorted({f"process:{row['process_id']}" for row in rows})
    sha256 = hashlib.sha256
    with transaction.atomic():
        AuditChain.objects.bulk_create(
            [AuditChain(key=key) for key in keys], ignore_conflicts=True, batch_size=1000
        )
        chains = {
            chain.key: chain
            for chain in AuditChain.objects.select_for_update().filter(key__in=keys).order_by("key")
        }
        chain_texts = {key: _canonical(key) for key in chains}
        prev_texts = {key: _canonical(chain.head_hash) for key, chain in chains.items()}
        action_texts = {}

        def records():
            """Each event's row, hashed while COPY streams the earlier ones to the server."""
            for row in rows:
                process = row["process_id"]
                chain = chains[f"process:{process}"]
                action = row["action"]
                task, municipality = row.get("task_id"), row.get("municipality_id")
                if action not in action_texts:
                    action_texts[action] = _canonical(action)
                after = to_json(row.get("after"))
                after_text = _canonical(after)
                seq, prev = chain.length + 1, chain.head_hash
                text = _system_event_text(
                    chain_texts[chain.key],
                    seq,
                    prev_texts[chain.key],
                    at_text,
                    action_texts[action],
                    _scalar(process),
                    _scalar(task),
                    _scalar(municipality),
                    after_text,
                )
                digest = sha256(text.encode("utf-8")).hexdigest()
                chain.length, chain.head_hash = seq, digest
                prev_texts[chain.key] = f'"{digest}"'  # hex digits: nothing to escape
                yield (
                    chain.key,
                    seq,
                    at,
                    None,
                    "",
                    action,
                    process,
                    task,
                    None,
                    "",
                    "",
                    municipality,
                    None,
                    None if after is None else after_text,  # SQL NULL, as an ORM save stores it
                    "",
                    prev,
                    digest,
                )

        bulk.copy_rows(AuditEvent, AUDIT_COLUMNS, records(), json_columns={"before", "after"})
        bulk.update_chain_heads(chains.values())
    return len(rows)


@dataclass
class Verification:
    ok: bool = True
    events_checked: int = 0
    chains_checked: int = 0
    checkpoints_checked: int = 0
    first_broken: AuditEvent | None = None
    problem: str = ""
    problems: list = field(default_factory=list)

    def fail(self, problem, event=None):
        if self.ok:
            self.ok = False
            self.first_broken = event
            self.problem = problem
        self.problems.append(problem)


def verify(workers=None):
    """Recompute every chain and checkpoint; report the first event that does not fit.

    On PostgreSQL the database hashes the events (``audit_scan``); the chains are
    split by key over ``workers`` connections (by default two for a large trail), each
    keeping a server process busy, that read one snapshot. Inside a caller's
    transaction, whose writes other connections cannot see, it runs on its connection
    only.
    """
    if connection.vendor != "postgresql":
        return _verify_orm()
    result = Verification()
    outer = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if not outer:  # one snapshot for events, heads and checkpoints
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        count = 1 if outer else _worker_count(cursor, workers)
        scans, seals = _check_all(cursor, count)
        first_pk = next((s.broken[0][1] for s in scans if s.broken), None)
        for scan in scans:
            result.events_checked += scan.events
            result.chains_checked += scan.chains
            for item in scan.broken:
                result.fail(_event_problem(item))
        for scan in scans:
            for key in scan.bad_heads:
                result.fail(_head_problem(key))
        result.checkpoints_checked = seals.checked
        for problem in _seal_problems(cursor, scans, seals):
            result.fail(problem)
        if first_pk is not None:
            result.first_broken = AuditEvent.objects.get(pk=first_pk)
    return result


PARALLEL_FROM = 200_000  # events (the planner's estimate) worth a second connection


def _worker_count(cursor, workers):
    """``workers`` if given; else two (on two or more cores) for a large trail."""
    if workers is not None:
        return max(1, workers)
    if (os.cpu_count() or 1) < 2:
        return 1
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'workflows_auditevent'::regclass")
    return 2 if cursor.fetchone()[0] >= PARALLEL_FROM else 1


def _literal(value):
    from psycopg import sql

    return sql.Literal(value).as_string(connection.connection)


def _check_all(cursor, workers):
    """Scans of consecutive chain-key ranges, in key order, and the checkpoints' check.

    The first range is scanned on this connection; the others, and the checkpoints, on
    connections of their own in threads, while it runs (``audit_scan``).
    """
    ranges = _ranges(cursor, workers)
    if len(ranges) == 1:
        scan = audit_scan.scan(cursor, literal=_literal)
        return [scan], audit_scan.check_checkpoints(cursor)
    cursor.execute("SELECT pg_export_snapshot()")
    snapshot, conninfo = cursor.fetchone()[0], _conninfo()
    with ThreadPoolExecutor(len(ranges)) as pool:
        futures = [
            pool.submit(audit_scan.scan_in_worker, conninfo, snapshot, low, high)
            for low, high in ranges[1:]
        ]
        checkpoints = pool.submit(audit_scan.checkpoints_in_worker, conninfo, snapshot)
        first = audit_scan.scan(cursor, *ranges[0], literal=_literal)
        return [first, *(future.result() for future in futures)], checkpoints.result()


def _ranges(cursor, workers):
    """``workers`` consecutive ranges of chain keys, as (low, high); None is unbounded.

    The bounds are the planner's quantiles of the keys (``pg_stats``), read for nothing
    where counting the chains and skipping to each bound read half the key index. Stale
    statistics only make the ranges uneven: together they still cover every key, each
    once, because the database sorts the bounds and drops repeats. A table never
    analysed has its chains counted.
    """
    if workers <= 1:
        return [(None, None)]
    cursor.execute(QUANTILE_BOUNDS_SQL, {"workers": workers})
    bounds = cursor.fetchone()[0]
    if bounds is None:
        bounds = _counted_bounds(cursor, workers)
    return list(zip([None, *bounds], [*bounds, None], strict=True))


QUANTILE_BOUNDS_SQL = """
SELECT array_agg(DISTINCT bound ORDER BY bound)
  FROM (SELECT h[1 + (array_length(h, 1) - 1) * part / %(workers)s] AS bound
          FROM (SELECT histogram_bounds::text::text[] AS h FROM pg_stats
                 WHERE schemaname = current_schema() AND tablename = 'workflows_auditchain'
                   AND attname = 'key' AND NOT inherited) stats,
               generate_series(1, %(workers)s - 1) part) bounds
"""


def _counted_bounds(cursor, workers):
    cursor.execute("SELECT count(*) FROM workflows_auditchain")
    chains, bounds = cursor.fetchone()[0], []
    for part in range(1, workers):
        cursor.execute(
            "SELECT key FROM workflows_auditchain ORDER BY key OFFSET %s LIMIT 1",
            [chains * part // workers],
        )
        row = cursor.fetchone()
        # In the database's order (its collation may differ from Python's): only repeats go.
        if row and (not bounds or row[0] != bounds[-1]):
            bounds.append(row[0])
    return bounds


def _conninfo():
    """This connection's parameters for a worker's own psycopg connection."""
    from psycopg import conninfo, pq

    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params = connection.get_connection_params()
    return conninfo.make_conninfo(
        "", **{k: v for k, v in params.items() if k in known and isinstance(v, str | int)}
    )


def _event_problem(item):
    kind, pk = item[0], item[1]
    if kind == "seq":
        return _("event %(pk)s: sequence %(seq)s, expected %(expected)s") % {
            "pk": pk,
            "seq": item[2],
            "expected": item[3],
        }
    if kind == "prev":
        return _("event %(pk)s: previous hash does not match") % {"pk": pk}
    return _("event %(pk)s: content does not match its hash") % {"pk": pk}


def _seal_problems(cursor, scans, seals):
    """The checkpoints' problems in seal order, each seal's heads in its order.

    A chain that did not fit has its sealed heads looked up again: for it, the recorded
    head hash need not be its last event's.
    """
    unfit = {key for scan in scans for key in (*scan.unfit, *scan.bad_heads)}
    altered = [row for row in seals.altered if row[2] not in unfit]
    if unfit:
        altered += audit_scan.altered_heads_of(cursor, unfit, _literal)
    altered.sort(key=lambda row: (row[0], row[1]))
    bad, position = set(seals.bad), 0
    for pk in sorted(bad | {row[0] for row in altered}):
        if pk in bad:
            yield _seal_problem(pk)
        while position < len(altered) and altered[position][0] == pk:
            _pk, _n, key, seq = altered[position]
            yield _altered_head_problem(pk, key, seq)
            position += 1


def _seal_problem(pk):
    return _("checkpoint %(pk)s: seal does not match") % {"pk": pk}


def _altered_head_problem(pk, key, seq):
    return _("checkpoint %(pk)s: chain %(key)s event %(seq)s was altered") % {
        "pk": pk,
        "key": key,
        "seq": seq,
    }


def _verify_orm(chunk_size=2000):
    """``verify`` on databases other than PostgreSQL: model instances, one query per head."""
    result = Verification()
    heads = {}
    current_key, expected_seq, expected_prev = None, 1, GENESIS
    events = _with_stored_json(AuditEvent.objects.order_by("chain_key", "seq"))
    events = events.iterator(chunk_size=chunk_size)
    for event in events:
        if event.chain_key != current_key:
            if current_key is not None:
                heads[current_key] = (expected_seq - 1, expected_prev)
            current_key, expected_seq, expected_prev = event.chain_key, 1, GENESIS
            result.chains_checked += 1
        result.events_checked += 1
        problem = _problem(event, expected_seq, expected_prev)
        if problem:
            result.fail(problem, event)
        expected_seq, expected_prev = event.seq + 1, event.hash
    if current_key is not None:
        heads[current_key] = (expected_seq - 1, expected_prev)

    for chain in AuditChain.objects.order_by("key").iterator():
        seq, head = heads.get(chain.key, (0, GENESIS))
        if (chain.length, chain.head_hash) != (seq, head):
            result.fail(_head_problem(chain.key))

    prev = GENESIS
    checkpoints = AuditCheckpoint.objects.annotate(heads_text=Cast("heads", TextField()))
    for checkpoint in checkpoints.order_by("pk").iterator():
        result.checkpoints_checked += 1
        if checkpoint.prev_hash != prev or checkpoint.hash not in _seal_digests(checkpoint):
            result.fail(_seal_problem(checkpoint.pk))
        for key, (seq, digest) in checkpoint.heads.items():
            found = (
                AuditEvent.objects.filter(chain_key=key, seq=seq).values_list("hash", flat=True)
            ).first()
            if found != digest:
                result.fail(_altered_head_problem(checkpoint.pk, key, seq))
        prev = checkpoint.hash
    return result


def _seal_digests(checkpoint):
    """The seal's hash with its heads re-encoded, and as stored (``_stored_json_digest``)."""
    at = checkpoint.at.astimezone(UTC).isoformat()
    stored = audit_scan.seal_text(at, checkpoint.heads_text, checkpoint.prev_hash)
    return {_checkpoint_hash(checkpoint), _digest_text(stored)}


def _checkpoint_hash(checkpoint):
    at = checkpoint.at.astimezone(UTC).isoformat()
    return _digest_text(
        audit_scan.seal_text(at, _canonical(checkpoint.heads), checkpoint.prev_hash)
    )


def seal_checkpoint():
    """Seal every chain head changed since the last checkpoint (all heads on the first).

    Each chain keeps the head it was last sealed at; one UPDATE takes the chains that
    moved since and marks them sealed, so a seal reads the chains, never the earlier
    checkpoints, and a head appended meanwhile is either in this seal or the next.
    """
    table = connection.ops.quote_name(AuditChain._meta.db_table)
    with transaction.atomic():
        last = AuditCheckpoint.objects.select_for_update().order_by("-pk").first()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET sealed_length = length, sealed_hash = head_hash "
                "WHERE length > 0 AND (sealed_length <> length OR sealed_hash <> head_hash) "
                "RETURNING key, length, head_hash"
            )
            heads = {key: [length, head] for key, length, head in cursor.fetchall()}
        if not heads and last is not None:
            return None
        checkpoint = AuditCheckpoint(
            at=timezone.now(), heads=heads, prev_hash=last.hash if last else GENESIS
        )
        checkpoint.hash = _checkpoint_hash(checkpoint)
        checkpoint.save()
        return checkpoint


def _problem(event, expected_seq, expected_prev):
    """Why ``event`` does not fit its chain, or None."""
    if event.seq != expected_seq:
        return _("event %(pk)s: sequence %(seq)s, expected %(expected)s") % {
            "pk": event.pk,
            "seq": event.seq,
            "expected": expected_seq,
        }
    if event.prev_hash != expected_prev:
        return _("event %(pk)s: previous hash does not match") % {"pk": event.pk}
    if event_hash(event) != event.hash and _stored_json_digest(event) != event.hash:
        return _("event %(pk)s: content does not match its hash") % {"pk": event.pk}
    return None


def _with_stored_json(events):
    """``events`` with the text of their JSON as stored (``before_text``, ``after_text``)."""
    return events.annotate(
        before_text=Cast("before", TextField()), after_text=Cast("after", TextField())
    )


def _stored_json_digest(event):
    """The hash of the event's text with its JSON as stored, not re-encoded.

    The hash covers the stored text (``fields.CanonicalJSONField``), which verification
    on PostgreSQL hashes as it is (``audit_scan``). Re-encoding gives the same text
    unless the JSON was written otherwise, as by ``jsonb`` before migration 0010. The
    stored texts replace the JSON nulls of the structure: in canonical text, where every
    quote inside a string is escaped, ``"before":null,"chain":`` is the structure's own,
    and ``"after":null,"at":`` is the first such text, before any stored JSON.
    """
    payload = event_payload(event)
    payload["before"] = payload["after"] = None
    text = _canonical(payload)
    text = text.replace(
        '"before":null,"chain":', f'"before":{event.before_text or "null"},"chain":', 1
    )
    text = text.replace('"after":null,"at":', f'"after":{event.after_text or "null"},"at":', 1)
    return _digest_text(text)


def _head_problem(key):
    return _("chain %(key)s: head does not match its last event") % {"key": key}


def verify_chain(key):
    """Verify one chain (a process's history) and say whether its head matches."""
    expected_seq, expected_prev, count, last_hash = 1, GENESIS, 0, None
    for event in _with_stored_json(AuditEvent.objects.filter(chain_key=key).order_by("seq")):
        count += 1
        problem = _problem(event, expected_seq, expected_prev)
        if problem:
            return {"ok": False, "events": count, "last_hash": last_hash, "problem": problem}
        expected_seq, expected_prev, last_hash = event.seq + 1, event.hash, event.hash
    chain = AuditChain.objects.filter(key=key).first()
    if chain is not None and (chain.length, chain.head_hash) != (count, last_hash or GENESIS):
        return {"ok": False, "events": count, "last_hash": last_hash, "problem": _head_problem(key)}
    return {"ok": True, "events": count, "last_hash": last_hash, "problem": ""}


def record_verification(result, actor=None):
    """A verification is itself part of the trail."""
    return record(
        "audit.verified",
        actor=actor,
        chain_key=SYSTEM_CHAIN,
        after={
            "ok": result.ok,
            "events": result.events_checked,
            "chains": result.chains_checked,
            "checkpoints": result.checkpoints_checked,
            "problem": result.problem,
            "first_broken": result.first_broken.pk if result.first_broken else None,
        },
    )
