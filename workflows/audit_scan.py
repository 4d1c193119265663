"""Streaming check of audit chains, on the database's cores.

``audit.verify`` calls ``scan`` for one range of chain keys on its own connection and,
for a large trail, on more connections in threads (``scan_in_worker``), one range
each: the work is the database's, so each range keeps one server process busy.

The stored ``before`` and ``after`` are the canonical JSON text the hash covers
(``fields.CanonicalJSONField``), so PostgreSQL writes each event's canonical text
and hashes it itself (``FIT_SQL``): a chain fits when every event's sequence, link
and hash do and its recorded head is its last event. Only the chains that do not
fit stream to Python (``check_rows``), where an event also passes if its JSON,
parsed and re-encoded, gives the hash: a value the migration to ``json`` wrote
differently from Python. A test holds the text equal to ``audit.event_hash``.
"""

import json
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from hashlib import sha256
from json.encoder import (
    c_make_encoder,
    encode_basestring,  # the C escaping of ensure_ascii=False
)
from json.scanner import c_make_scanner

GENESIS = "0" * 64
# ``audit._canonical`` (sorted keys, no spaces, no ASCII escaping) without the set-up
# that JSONEncoder.encode repeats on every call, for parsed JSON (no cycles to look
# for); and the decoder's C scanner without json.loads's whitespace handling.
_encode_parsed = c_make_encoder(
    None, json.JSONEncoder().default, encode_basestring, None, ":", ",", True, False, True
)
_scan_json = c_make_scanner(json.JSONDecoder())
CACHE_SIZE = 50_000  # distinct JSON texts kept; the same few states recur in many events


def reencoded(text, cache):
    """``_canonical(json.loads(text))`` for PostgreSQL's text of a JSON value."""
    if text is None:
        return "null"
    canonical = cache.get(text)
    if canonical is None:
        try:
            value, end = _scan_json(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            value = json.loads(text)
        canonical = "".join(_encode_parsed(value, 0))
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[text] = canonical
    return canonical


# ``iso_at`` in SQL: ``datetime.isoformat()`` of ``at_text``, PostgreSQL's ISO text of
# a UTC time (``DateStyle`` ISO).
ISO_AT_SQL = (
    "rpad(replace(at_text, ' ', 'T'), CASE WHEN length(at_text) > 19 THEN 26 ELSE 19 END, '0')"
)


# Whether each chain in a range fits, counted, with the keys of those that do not. The
# events come in chain order (the unique index), each beside the one before it in its
# chain (``lag``) and its chain's recorded head (a merge join); a chain is a group of
# consecutive rows. Each event's canonical text is written as ``audit.event_payload``
# is encoded: ``to_json`` escapes a string as Python's JSON encoder does
# (ensure_ascii=False), ``at`` is ``datetime.isoformat()`` of its UTC time (from
# PostgreSQL's ISO text, as ``iso_at`` reads it), and before and after are the stored
# canonical text. Nothing is sorted or hashed in memory; one row comes back.
# (Braces doubled for ``format``.)
FIT_SQL = """
SELECT count(*) FILTER (WHERE fits), coalesce(sum(events) FILTER (WHERE fits), 0)::bigint,
       count(*) FILTER (WHERE fits AND recorded), array_agg(chain_key) FILTER (WHERE NOT fits)
  FROM (
    SELECT chain_key, count(*) AS events, bool_or(length IS NOT NULL) AS recorded,
           bool_and(coalesce(
             seq = coalesce(prev_seq + 1, 1)
             AND prev_hash = coalesce(prev_row_hash, '{genesis}')
             AND (length IS NULL OR seq <> length OR hash = head_hash)
             AND hash = encode(sha256(convert_to(
               '{{"action":' || to_json(action)::text
               || ',"actor":' || coalesce(actor_id::text, 'null')
               || ',"actor_label":' || to_json(actor_label)::text
               || ',"after":' || coalesce(after::text, 'null')
               || ',"at":"' || {iso_at} || '+00:00","before":' || coalesce(before::text, 'null')
               || ',"chain":' || to_json(chain_key)::text
               || ',"comment":' || to_json(comment)::text
               || ',"municipality":' || coalesce(municipality_id::text, 'null')
               || ',"prev":"' || prev_hash
               || '","process":' || coalesce(process_id::text, 'null')
               || ',"seq":' || seq::text
               || ',"subject_id":' || to_json(subject_id)::text
               || ',"subject_repr":' || to_json(subject_repr)::text
               || ',"subject_type":' || coalesce(subject_type_id::text, 'null')
               || ',"task":' || coalesce(task_id::text, 'null') || '}}', 'UTF8')), 'hex'),
             false))
           AND coalesce(max(length) = max(seq), true) AS fits
      FROM (
        SELECT e.chain_key, e.seq, e.prev_hash, e.hash, e.action, e.actor_id, e.actor_label,
               e.after, (e.at AT TIME ZONE 'UTC')::text AS at_text, e.before, e.comment,
               e.municipality_id, e.process_id, e.subject_id, e.subject_repr,
               e.subject_type_id, e.task_id, c.length, c.head_hash,
               lag(e.seq) OVER w AS prev_seq, lag(e.hash) OVER w AS prev_row_hash
          FROM workflows_auditevent e
          LEFT JOIN workflows_auditchain c ON c.key = e.chain_key
         WHERE {events_range}
        WINDOW w AS (PARTITION BY e.chain_key ORDER BY e.seq)
      ) events
     GROUP BY chain_key
  ) chains
"""
# More chains than this not fitting in a range (a trail whose JSON was written otherwise
# than by this code): the whole range streams, rather than a list of keys.
UNFIT_LISTED = 10_000


# The events of the chains that do not fit, for ``check_rows``: in chain order; each row
# also carries its chain's recorded length, and the recorded head hash on the row whose
# seq is that length. PostgreSQL writes the numbers into the fixed parts of the
# canonical text and ``at`` as text (``DateStyle`` ISO); the strings stay raw for the
# encoder's C escaping. (Braces doubled for ``format``.)
STREAM_SQL = """
SELECT e.id, e.chain_key, e.seq, e.prev_hash, e.hash,
       c.length, CASE WHEN c.length = e.seq THEN c.head_hash END,
       e.action, coalesce(e.actor_id::text, 'null'), e.actor_label, e.after::text,
       (e.at AT TIME ZONE 'UTC')::text, e.before::text, e.comment,
       ',"municipality":' || coalesce(e.municipality_id::text, 'null')
         || ',"prev":"' || e.prev_hash
         || '","process":' || coalesce(e.process_id::text, 'null')
         || ',"seq":' || e.seq::text || ',"subject_id":',
       e.subject_id, e.subject_repr,
       ',"subject_type":' || coalesce(e.subject_type_id::text, 'null')
         || ',"task":' || coalesce(e.task_id::text, 'null') || '}}'
  FROM workflows_auditevent e
  LEFT JOIN workflows_auditchain c ON c.key = e.chain_key
 WHERE {events_range}
 ORDER BY e.chain_key, e.seq
"""
CHAINS_SQL = "SELECT count(*) FROM workflows_auditchain c WHERE {chains_range}"
# Recorded chains with a head but no event at all (only looked for when the count says so).
EMPTY_CHAINS_SQL = f"""
SELECT c.key FROM workflows_auditchain c
 WHERE {{chains_range}} AND (c.length <> 0 OR c.head_hash <> '{GENESIS}')
   AND NOT EXISTS (SELECT 1 FROM workflows_auditevent e WHERE e.chain_key = c.key)
 ORDER BY c.key
"""


@dataclass
class Scan:
    """What one range of chains showed: counts and problems as plain data, in stream order."""

    events: int = 0
    chains: int = 0
    # ("seq", pk, seq, expected), ("prev", pk) or ("hash", pk), in (chain, seq) order
    broken: list = field(default_factory=list)
    bad_heads: list = field(default_factory=list)  # chain keys
    recorded_chains: int = 0  # chains with events that have a head row
    unfit: list = field(default_factory=list)  # keys of the chains that did not fit


def ranges_sql(low, high, literal):
    """WHERE clauses for chain keys in [low, high) (None: unbounded), both tables."""
    events, chains = ["TRUE"], ["TRUE"]
    if low is not None:
        events.append(f"e.chain_key >= {literal(low)}")
        chains.append(f"c.key >= {literal(low)}")
    if high is not None:
        events.append(f"e.chain_key < {literal(high)}")
        chains.append(f"c.key < {literal(high)}")
    return " AND ".join(events), " AND ".join(chains)


def iso_at(text):
    """``datetime.isoformat()`` of a timestamp from PostgreSQL's ISO text of it.

    PostgreSQL writes ``2026-01-02 03:04:05.5``, trailing zeros of the fraction dropped
    (none at all on a whole second); Python ``2026-01-02T03:04:05.500000``.
    """
    text = text.replace(" ", "T", 1)
    if len(text) > 19:
        text += "0" * (26 - len(text))
    return text


def check_rows(rows, scan):
    """Check streamed rows (in chain key, then seq order) into ``scan``.

    An event's hash is checked on its stored JSON text, then, if that does not give
    it, on the text re-encoded canonically (``reencoded``).
    """
    enc = encode_basestring
    broken, bad_heads = scan.broken, scan.bad_heads
    cache = {}
    events = chains = recorded = 0
    current, expected_seq, expected_prev = None, 1, GENESIS
    length = head = None
    for row in rows:
        pk, chain, seq, prev, digest, length_, head_, action, actor, label, after = row[:11]
        at, before, comment, middle, sid, srepr, tail = row[11:]
        if chain != current:
            if length is not None:  # the previous chain's recorded head against its last event
                recorded += 1
                if length != expected_seq - 1 or head != expected_prev:
                    bad_heads.append(current)
            current, expected_seq, expected_prev = chain, 1, GENESIS
            chains += 1
        length, head = length_, head_
        events += 1
        if seq != expected_seq:
            broken.append(("seq", pk, seq, expected_seq))
        elif prev != expected_prev:  # so ``middle`` holds a valid previous hash
            broken.append(("prev", pk))
        else:
            start = f'{{"action":{enc(action)},"actor":{actor},"actor_label":{enc(label)},"after":'
            at_text = f',"at":"{iso_at(at)}+00:00","before":'
            end = (
                f',"chain":{enc(chain)},"comment":{enc(comment)}{middle}{enc(sid)},'
                f'"subject_repr":{enc(srepr)}{tail}'
            )
            fits = False
            for after_text, before_text in (
                (after or "null", before or "null"),
                (reencoded(after, cache), reencoded(before, cache)),
            ):
                text = start + after_text + at_text + before_text + end
                if sha256(text.encode()).hexdigest() == digest:
                    fits = True
                    break
            if not fits:
                broken.append(("hash", pk))
        expected_seq, expected_prev = seq + 1, digest
    if length is not None:
        recorded += 1
        if length != expected_seq - 1 or head != expected_prev:
            bad_heads.append(current)
    scan.events += events
    scan.chains += chains
    scan.recorded_chains += recorded
    return scan


FETCH_ROWS = 5000  # rows per chunk as the server streams them


# Planner settings for both statements, set for them and restored after: the events
# stream in index order through the merge join, the window and the grouping, where the
# planner, for a large range, prefers hashing and sorting everything first (with
# parallel workers, on two cores), and JIT compilation of the expressions alone costs
# seconds.
STREAM_SETTINGS = {
    "DateStyle": "ISO",  # the text ``iso_at`` and FIT_SQL read
    "enable_hashagg": "off",
    "enable_hashjoin": "off",
    "enable_sort": "off",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
}


@contextmanager
def planner(cursor, settings):
    """``settings`` (name: value) SET LOCAL for the statements inside, then restored.

    Use it in a transaction (or savepoint) of its own: on an error they are not restored
    here, where the statement would fail in the aborted transaction and hide the error,
    but by that transaction's rollback, which undoes SET LOCAL.
    """
    names = list(settings)
    cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
    saved = cursor.fetchone()
    _configure(cursor, settings.items())
    yield
    _configure(cursor, zip(names, saved, strict=True))


def scan(cursor, low=None, high=None, literal=None):
    """Check the chains with keys in [low, high) on ``cursor`` (psycopg's, or Django's)."""
    events_range, chains_range = ranges_sql(low, high, literal)
    result = Scan()
    with planner(cursor, STREAM_SETTINGS):
        cursor.execute(
            FIT_SQL.format(events_range=events_range, genesis=GENESIS, iso_at=ISO_AT_SQL)
        )
        result.chains, result.events, result.recorded_chains, unfit = cursor.fetchone()
        if unfit:
            result.unfit = unfit
            if len(unfit) > UNFIT_LISTED:  # streamed all: counted again
                result.chains = result.events = result.recorded_chains = 0
            else:
                events_range += f" AND e.chain_key = ANY({literal(unfit)})"
            _stream(cursor, STREAM_SQL.format(events_range=events_range), result)
    cursor.execute(CHAINS_SQL.format(chains_range=chains_range))
    if cursor.fetchone()[0] > result.recorded_chains:
        cursor.execute(EMPTY_CHAINS_SQL.format(chains_range=chains_range))
        empty = [key for (key,) in cursor.fetchall()]
        if empty and result.bad_heads:  # one list in the keys' order, as the database sorts
            cursor.execute(
                f"SELECT k FROM unnest({literal(result.bad_heads + empty)}::text[]) k ORDER BY k"
            )
            result.bad_heads[:] = [key for (key,) in cursor.fetchall()]
        else:
            result.bad_heads.extend(empty)
    return result


def _stream(cursor, sql, result):
    """``check_rows`` on the rows of ``sql``, streamed by the server as they are read."""
    debug = getattr(cursor, "debug_sql", None)  # Django's query log, when it keeps one
    with debug(sql) if debug else nullcontext():
        check_rows(getattr(cursor, "cursor", cursor).stream(sql, size=FETCH_ROWS), result)


def _configure(cursor, settings):
    """SET LOCAL each of ``settings`` (name, value) in one statement."""
    settings = list(settings)
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
        [x for pair in settings for x in pair],
    )


# Every seal's heads: (checkpoint, position in its heads, key, seq), and the hash.
_SEALED_HEADS = """SELECT cp.id, h.n, h.key, h.seq
  FROM workflows_auditcheckpoint cp
 CROSS JOIN LATERAL (
       SELECT key, value ->> 1 AS hash, (value ->> 0)::bigint AS seq, n
         FROM json_each(cp.heads) WITH ORDINALITY AS j(key, value, n)
       OFFSET 0) h"""
# Every sealed head that is not the hash of the event it names, as (checkpoint, its
# position in the heads, key, seq). A head at its chain's recorded length is compared
# with the recorded head hash (one join), which is its last event's hash if the chain
# fits (``scan``; a recorded chain with no events does not); the others are looked up,
# an index probe each. The heads of chains that do not fit are looked up again
# (``ALTERED_HEADS_OF``).
ALTERED_HEADS_SQL = f"""
{_SEALED_HEADS}
  LEFT JOIN workflows_auditchain c ON c.key = h.key
 WHERE CASE WHEN c.length = h.seq AND h.seq > 0 THEN c.head_hash
            ELSE (SELECT e.hash FROM workflows_auditevent e
                   WHERE e.chain_key = h.key AND e.seq = h.seq) END
       IS DISTINCT FROM h.hash
"""
ALTERED_HEADS_OF = f"""
{_SEALED_HEADS}
 WHERE h.key = ANY({{keys}})
   AND (SELECT e.hash FROM workflows_auditevent e
         WHERE e.chain_key = h.key AND e.seq = h.seq) IS DISTINCT FROM h.hash
"""
# The chains hashed and joined (the planner, misjudging json_each, would look each up);
# the events looked up by index (it would read the whole table, and JIT-compile it).
ALTERED_HEADS_SETTINGS = {
    "DateStyle": "ISO",  # the text CHECKPOINTS_SQL reads
    # The chains' hash table (13 MB at 100,000 chains) and a seal's heads in memory:
    # with the default 4 MB both spilled to temporary files.
    "work_mem": "32MB",
    "enable_mergejoin": "off",
    "enable_nestloop": "off",
    "jit": "off",
}
# Each seal hashed by the database (its heads are stored as canonical text); the heads
# come back only for a seal whose text does not give its hash, to be re-encoded.
CHECKPOINTS_SQL = f"""
SELECT id, prev_hash, hash, CASE WHEN NOT fits THEN at_text END,
       CASE WHEN NOT fits THEN heads END
  FROM (
    SELECT id, at_text, heads::text AS heads, prev_hash, hash,
           hash = encode(sha256(convert_to(
             '{{"at":"' || {ISO_AT_SQL} || '+00:00","heads":' || heads::text
             || ',"prev":' || to_json(prev_hash)::text || '}}', 'UTF8')), 'hex') AS fits
      FROM (SELECT *, (at AT TIME ZONE 'UTC')::text AS at_text
              FROM workflows_auditcheckpoint) cp
  ) checked
 ORDER BY id
"""


@dataclass
class Seals:
    """What the checkpoints showed: the seals that do not match, and the altered heads."""

    checked: int = 0
    bad: list = field(default_factory=list)  # checkpoint pks, in seal order
    altered: list = field(default_factory=list)  # (checkpoint, n, key, seq)


def check_checkpoints(cursor):
    """Each seal against the one before it and its hash, and its heads against the
    recorded chain heads and the events (``ALTERED_HEADS_SQL``)."""
    seals = Seals()
    with planner(cursor, ALTERED_HEADS_SETTINGS):
        cursor.execute(ALTERED_HEADS_SQL)
        seals.altered = cursor.fetchall()
        cursor.execute(CHECKPOINTS_SQL)
        prev = GENESIS
        for pk, prev_hash, digest, at, heads in cursor.fetchall():
            seals.checked += 1
            if prev_hash != prev or not (heads is None or _seal_fits(at, heads, prev_hash, digest)):
                seals.bad.append(pk)
            prev = digest
    return seals


def seal_text(at, heads, prev_hash):
    """A seal's canonical text, what its hash covers: ``at`` the isoformat of its UTC
    time, ``heads`` their canonical JSON text. ``CHECKPOINTS_SQL`` writes it too."""
    enc = encode_basestring
    return '{"at":' + enc(at) + ',"heads":' + heads + ',"prev":' + enc(prev_hash) + "}"


def _seal_fits(at, heads, prev_hash, digest):
    """The seal's text re-encoded (heads written otherwise than canonically) gives its hash."""
    heads = "".join(_encode_parsed(json.loads(heads), 0))
    text = seal_text(iso_at(at) + "+00:00", heads, prev_hash)
    return sha256(text.encode()).hexdigest() == digest


def altered_heads_of(cursor, keys, literal):
    """``ALTERED_HEADS_OF`` for ``keys``: the heads of chains that do not fit, looked up."""
    with planner(cursor, ALTERED_HEADS_SETTINGS):
        cursor.execute(ALTERED_HEADS_OF.format(keys=literal(sorted(keys))))
        return cursor.fetchall()


@contextmanager
def _snapshot_connection(conninfo, snapshot):
    """A psycopg connection reading the caller's snapshot, and a ``literal`` for it."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))

        def literal(value):
            return sql.Literal(value).as_string(conn)

        with conn.cursor() as cursor:
            yield cursor, literal
        conn.rollback()


def scan_in_worker(conninfo, snapshot, low, high):
    """A range on a connection of its own, in the caller's snapshot (for a thread)."""
    with _snapshot_connection(conninfo, snapshot) as (cursor, literal):
        return scan(cursor, low, high, literal)


def checkpoints_in_worker(conninfo, snapshot):
    """``check_checkpoints`` on a connection of its own, in the caller's snapshot."""
    with _snapshot_connection(conninfo, snapshot) as (cursor, _literal):
        return check_checkpoints(cursor)
