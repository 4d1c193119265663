"""Streaming check of audit chains, free of Django so that a worker process starts fast.

``audit.verify`` calls ``scan`` on its own connection for one range of chain keys and,
for a large trail, in spawned worker processes (``scan_in_worker``) for the others.
The hashed text is ``audit.event_payload``'s canonical JSON, written directly from
plain tuples streamed from one query: the strings go through the JSON encoder's C
escaping and the JSON fields are parsed and re-encoded with sorted keys (once per
distinct text). A test holds this text equal to ``audit.event_hash``.
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


def canonical_json(text, cache):
    """``_canonical(json.loads(text))`` for PostgreSQL's text of a jsonb value."""
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


# Events in chain order; each row also carries its chain's recorded length, and the
# recorded head hash on the row whose seq is that length. A merge join of the two
# unique indexes: no sort, no hash table, rows leave as they are read.
# PostgreSQL writes the numbers into the fixed parts of the canonical text (its text of
# an integer is Python's) and ``at`` as text (``DateStyle`` ISO, in STREAM_SETTINGS):
# converting them to Python objects and back was half of this process's work per event.
# The strings stay raw for the encoder's C escaping. (Braces doubled for ``format``.)
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
    statements: int = 0


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
    """Check streamed rows (in chain key, then seq order) into ``scan``."""
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
            text = (
                f'{{"action":{enc(action)},"actor":{actor},"actor_label":{enc(label)},'
                f'"after":{canonical_json(after, cache)},"at":"{iso_at(at)}+00:00",'
                f'"before":{canonical_json(before, cache)},"chain":{enc(chain)},'
                f'"comment":{enc(comment)}{middle}{enc(sid)},"subject_repr":{enc(srepr)}{tail}'
            )
            if sha256(text.encode()).hexdigest() != digest:
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


# Planner settings for the stream, set for it and restored after: the merge join of the
# two indexes streams rows in order at once, where the planner, for a large range,
# prefers hashing and sorting everything first (with parallel workers, on two cores),
# and JIT compilation of the row expressions alone costs seconds.
STREAM_SETTINGS = {
    "DateStyle": "ISO",  # the text ``iso_at`` reads
    "enable_hashjoin": "off",
    "enable_sort": "off",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
}


@contextmanager
def planner(cursor, settings):
    """``settings`` (name: value) SET LOCAL for the statements inside, then restored."""
    names = list(settings)
    cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
    saved = cursor.fetchone()
    _configure(cursor, settings.items())
    try:
        yield
    finally:
        _configure(cursor, zip(names, saved, strict=True))


def scan(cursor, low=None, high=None, literal=None):
    """Check the chains with keys in [low, high) on ``cursor`` (psycopg's, or Django's)."""
    events_range, chains_range = ranges_sql(low, high, literal)
    result = Scan(statements=4)
    sql = STREAM_SQL.format(events_range=events_range)
    debug = getattr(cursor, "debug_sql", None)  # Django's query log, when it keeps one
    with planner(cursor, STREAM_SETTINGS), debug(sql) if debug else nullcontext():
        check_rows(getattr(cursor, "cursor", cursor).stream(sql, size=FETCH_ROWS), result)
    cursor.execute(CHAINS_SQL.format(chains_range=chains_range))
    if cursor.fetchone()[0] > result.recorded_chains:
        cursor.execute(EMPTY_CHAINS_SQL.format(chains_range=chains_range))
        result.bad_heads.extend(key for (key,) in cursor.fetchall())
        result.statements += 1
    return result


def _configure(cursor, settings):
    """SET LOCAL each of ``settings`` (name, value) in one statement."""
    settings = list(settings)
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
        [x for pair in settings for x in pair],
    )


def scan_in_worker(conninfo, snapshot, low, high):
    """A worker process's range, on its own connection, in the caller's snapshot."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))

        def literal(value):
            return sql.Literal(value).as_string(conn)

        with conn.cursor() as cursor:
            result = scan(cursor, low, high, literal)
        conn.rollback()
    result.statements += 2
    return result
