"""Bulk writes for sweeps and imports: PostgreSQL COPY, with an INSERT fallback.

The ORM's bulk_create spends most of its time preparing each value; COPY sends
rows as they are. Used where thousands of append-only rows are written at once.
"""

import gc
from contextlib import contextmanager

from django.db import connection

from .fields import canonical_json


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector during a burst of short-lived objects.

    A sweep makes some hundred thousand rows, tuples and dicts at once; reference
    counting frees them, since they form no cycles, but while they live their
    number alone sets off collections that walk the whole heap of the process
    (a fifth of a sweep's time). The collector is switched back on afterwards if
    it was on; whatever cycles were made meanwhile are collected then.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def mark_stored(instance, pk=None):
    """``instance`` as the ORM leaves a saved row, for rows written by SQL of our own."""
    if pk is not None:
        instance.pk = pk
    instance._state.adding, instance._state.db = False, connection.alias
    return instance


def allocate_ids(model, count):
    """Reserve ``count`` primary keys from the table's sequence (PostgreSQL), else None."""
    if connection.vendor != "postgresql" or count == 0:
        return None
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        # The sequence is looked up once (a materialized CTE), not once per id.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def update_chain_heads(chains):
    """Set many audit chain heads in one statement per thousand chains."""
    from .models import AuditChain

    chains = list(chains)
    if connection.vendor != "postgresql":
        AuditChain.objects.bulk_update(chains, ["length", "head_hash"], batch_size=500)
        return
    for start in range(0, len(chains), 1000):
        part = chains[start : start + 1000]
        values = ", ".join(["(%s::bigint, %s::bigint, %s)"] * len(part))
        params = [x for c in part for x in (c.pk, c.length, c.head_hash)]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE workflows_auditchain AS c SET length = v.length, head_hash = v.head "
                f"FROM (VALUES {values}) AS v(id, length, head) WHERE c.id = v.id",
                params,
            )


def copy_rows(model, columns, rows, json_columns=()):
    """Insert plain tuples (in ``columns`` order): COPY on PostgreSQL, INSERTs elsewhere.

    A value in one of ``json_columns`` is encoded as canonical JSON (the text an audit
    hash covers), unless it is a ``str``: that is taken as JSON text already encoded
    (``None`` is SQL NULL). On PostgreSQL ``rows`` may be a generator: it is consumed as
    COPY streams, so the server stores the first rows while the next are still being made.
    """
    if isinstance(rows, list | tuple) and not rows:
        return
    json_index = [i for i, column in enumerate(columns) if column in json_columns]
    if connection.vendor != "postgresql":
        rows = list(rows)
        if not rows:
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
            f"({', '.join(connection.ops.quote_name(c) for c in columns)}) VALUES ({placeholders})"
        )
        import datetime

        prepared = []
        for row in rows:
            row = _encode_json(row, json_index)
            for i, value in enumerate(row):
                if isinstance(value, datetime.datetime):
                    row[i] = connection.ops.adapt_datetimefield_value(value)
            prepared.append(row)
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                for i in json_index:
                    if not (row[i] is None or isinstance(row[i], str)):
                        row = _encode_json(row, json_index)
                        break
                write_row(row)


def _encode_json(row, json_index):
    """``row`` (as a list) with its JSON values as canonical text, where not text already."""
    row = list(row)
    for i in json_index:
        if not (row[i] is None or isinstance(row[i], str)):
            row[i] = canonical_json(row[i])
    return row
