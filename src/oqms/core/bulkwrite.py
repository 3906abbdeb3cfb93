"""Writing many rows at once, below the ORM: PostgreSQL's ``COPY`` and SQLite's ``executemany``.

For imports of hundreds of thousands of rows, where building model instances would cost more than the database
itself. Values come as columns (numpy arrays or lists, one per database column); ``None``/NaN/NaT are NULL.
Nothing here sends signals or writes the audit trail: the caller records what it did, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from django.db import connection, models

CHUNK = 50_000
_PG_NULL = "\\N"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _kind(field: models.Field[Any, Any]) -> str:
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return "datetime"
    if internal == "JSONField":
        return "json"
    if internal in {"FloatField"}:
        return "float"
    if internal in {"BooleanField"}:
        return "bool"
    if field.is_relation or internal.endswith("IntegerField") or internal == "AutoField":
        return "int"
    return "text"


def _datetimes(values: np.ndarray, postgres: bool) -> list[Any]:
    array = np.asarray(values).astype("datetime64[us]")
    text = np.datetime_as_string(array, unit="us")
    missing = np.isnat(array)
    if postgres:
        out = np.char.add(text, "+00").astype(object)
        out[missing] = _PG_NULL
    else:
        out = np.char.replace(text, "T", " ").astype(object)
        out[missing] = None
    return list(out)


class Constant:
    """One value for every row (for a JSON column, where a list would otherwise be read as one per row)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _per_row(values: Any) -> bool:
    return isinstance(values, np.ndarray | list)


def _slice(values: Any, start: int, stop: int) -> Any:
    return values[start:stop] if _per_row(values) else values


def _column(values: Any, kind: str, postgres: bool, size: int) -> list[Any]:
    """One column as database-ready Python values (PostgreSQL: COPY text, with its NULL marker)."""
    if not _per_row(values):
        constant = values.value if isinstance(values, Constant) else values
        if isinstance(constant, np.datetime64):
            return _datetimes(np.full(1, constant, dtype="datetime64[us]"), postgres) * size
        return _column([constant], kind, postgres, 1) * size
    if kind == "datetime":
        array = np.asarray(values)
        if array.dtype.kind != "M":
            array = np.array([np.datetime64("NaT") if v is None else v for v in values], "datetime64[us]")
        return _datetimes(array, postgres)
    if kind == "json":
        text = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        if postgres:
            return [_PG_NULL if v is None else _escape(v) for v in text]
        return text
    array = np.asarray(values) if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    if kind == "float":
        floats = array.astype(np.float64)
        if postgres:
            out = floats.astype(str).astype(object)
            out[np.isnan(floats)] = _PG_NULL
            return list(out)
        return [None if v != v else v for v in floats.tolist()]
    if kind in {"int", "bool"}:
        if array.dtype != object:
            if not postgres:
                return array.tolist()
            if kind == "bool":
                return np.where(array, "t", "f").tolist()
            return array.astype(np.int64).astype(str).tolist()
        items = [None if v is None else (int(v) if kind == "int" else bool(v)) for v in array.tolist()]
        if postgres:
            if kind == "bool":
                return [_PG_NULL if v is None else ("t" if v else "f") for v in items]
            return [_PG_NULL if v is None else str(v) for v in items]
        return items
    items = array.tolist()
    if postgres:
        return _escaped_texts(items)
    return [None if v is None else str(v) for v in items]


def _escaped_texts(items: list[Any]) -> list[str]:
    """COPY text of a column: NULL marker for None, backslash, tab and line breaks escaped (only where present)."""
    texts = [None if v is None else v if isinstance(v, str) else str(v) for v in items]
    present = "".join(v for v in texts if v is not None)
    if any(c in present for c in "\\\t\n\r"):
        return [_PG_NULL if v is None else _escape(v) for v in texts]
    return [_PG_NULL if v is None else v for v in texts]


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(text: str) -> str:
    return (
        text.translate(_ESCAPES) if ("\\" in text or "\t" in text or "\n" in text or "\r" in text) else text
    )


def _prepared(
    model: type[models.Model], values: Mapping[str, Any], size: int, postgres: bool
) -> tuple[list[str], list[list[Any]]]:
    fields = {f.column: f for f in model._meta.concrete_fields}
    columns = list(values)
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    prepared = [_column(values[c], _kind(fields[c]), postgres, size) for c in columns]
    for column, data in zip(columns, prepared, strict=True):
        if len(data) != size:
            raise ValueError(f"column {column} has {len(data)} values, expected {size}")
    return columns, prepared


def insert(
    model: type[models.Model],
    values: Mapping[str, Any],
    size: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert ``size`` rows; ``values`` maps each database column to its values (or one value for all).

    On PostgreSQL one ``COPY`` takes every chunk, sent by a writer thread while the next chunk is prepared, with
    the foreign keys checked as rows arrive rather than all at the commit: the server works while Python does.
    """
    if size == 0:
        return
    table = model._meta.db_table
    postgres = is_postgres()
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in values)

    def chunks() -> Any:
        for start in range(0, size, CHUNK):
            stop = min(start + CHUNK, size)
            part = {c: _slice(v, start, stop) for c, v in values.items()}
            yield stop, _prepared(model, part, stop - start, postgres)[1]

    with connection.cursor() as cursor:
        if postgres:
            from psycopg.copy import QueuedLibpqWriter

            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with raw.copy(f"COPY {qn(table)} ({names}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
                for stop, prepared in chunks():
                    copy.write(
                        ("\n".join(map("\t".join, zip(*prepared, strict=True))) + "\n").encode("utf-8")
                    )
                    if progress is not None:
                        progress(stop)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            marks = ", ".join(["%s"] * len(values))
            for stop, prepared in chunks():
                cursor.executemany(
                    f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})", list(zip(*prepared, strict=True))
                )
                if progress is not None:
                    progress(stop)


def update(
    model: type[models.Model],
    ids: Sequence[int] | np.ndarray,
    values: Mapping[str, Any],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Set these columns of the rows with these primary keys (one value per row, or one for all)."""
    size = len(ids)
    if size == 0 or not values:
        return
    table = model._meta.db_table
    postgres = is_postgres()
    qn = connection.ops.quote_name
    pk = model._meta.pk.column
    ids = np.asarray(ids, dtype=np.int64)
    for start in range(0, size, CHUNK):
        stop = min(start + CHUNK, size)
        part = {c: _slice(v, start, stop) for c, v in values.items()}
        part_ids = ids[start:stop]
        columns, prepared = _prepared(model, part, stop - start, postgres)
        with connection.cursor() as cursor:
            if postgres:
                scratch = "oqms_bulk_update"
                cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
                cursor.execute(
                    f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS "
                    f"SELECT {qn(pk)}, {', '.join(qn(c) for c in columns)} FROM {qn(table)} WITH NO DATA"
                )
                id_text = [str(v) for v in part_ids.tolist()]
                payload = "\n".join(map("\t".join, zip(id_text, *prepared, strict=True))) + "\n"
                names = ", ".join(qn(c) for c in [pk, *columns])
                with cursor.cursor.copy(f"COPY {scratch} ({names}) FROM STDIN") as copy:
                    copy.write(payload.encode("utf-8"))
                sets = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {qn(table)} AS t SET {sets} FROM {scratch} AS s WHERE t.{qn(pk)} = s.{qn(pk)}"
                )
                cursor.execute(f"DROP TABLE {scratch}")
            else:
                sets = ", ".join(f"{qn(c)} = %s" for c in columns)
                rows = [
                    (*row, key)
                    for row, key in zip(zip(*prepared, strict=True), part_ids.tolist(), strict=True)
                ]
                cursor.executemany(f"UPDATE {qn(table)} SET {sets} WHERE {qn(pk)} = %s", rows)
        if progress is not None:
            progress(stop)
