"""Table views as Arrow tables: declared filters, sorting, pages, ETags, CSV and Parquet.

Every analysis page and endpoint holds its rows as one Arrow table (computed once per store
version); a request filters and slices it with pyarrow.compute, so a filter costs
milliseconds, never a rerun of the analysis.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scenescope.web.safety import csv_cell

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
Op = Literal["eq", "contains", "min", "max", "since", "until"]


class QueryError(ValueError):
    """A bad query parameter: one clear line naming it (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class Filter:
    """A query parameter that narrows a table view: `?studio=warner` → contains on studio."""

    name: str
    column: str
    op: Op
    help: str
    choices: tuple[str, ...] = ()  # for a select box on the page

    def expression(self, value: str) -> pc.Expression:
        field = pc.field(self.column)
        if self.op == "eq":
            return pc.utf8_lower(field.cast(pa.string())) == value.strip().lower()
        if self.op == "contains":
            return pc.match_substring(field.cast(pa.string()), value.strip(), ignore_case=True)
        if self.op in ("since", "until"):
            text = value.strip()
            if len(text) < 4 or not text[:4].isdigit():
                raise QueryError(f"{self.name}={value!r}: expected a date such as 2020-08-25")
            column = field.cast(pa.string())
            return column >= text if self.op == "since" else column < text
        try:
            number = float(value)
        except ValueError:
            raise QueryError(f"{self.name}={value!r}: expected a number") from None
        if not math.isfinite(number):
            raise QueryError(f"{self.name}={value!r}: expected a finite number")
        return field >= number if self.op == "min" else field <= number


def rows_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> pa.Table:
    """An Arrow table of flat rows (lists become `a|b` text so CSV stays flat)."""
    names = list(columns) if columns is not None else list(rows[0]) if rows else []
    data: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        for name in names:
            value = row.get(name)
            if isinstance(value, list | tuple):
                value = "|".join("" if v is None else str(v) for v in value)
            data[name].append(value)
    arrays = {}
    for name, values in data.items():
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(arrays) if arrays else pa.table({})


@dataclass(frozen=True, slots=True)
class Page:
    table: pa.Table  # the filtered, sorted rows (all of them)
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return int(self.table.num_rows)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def items(self) -> list[dict[str, Any]]:
        start = (self.page - 1) * self.per_page
        return self.table.slice(start, self.per_page).to_pylist()


def _int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name}={text!r}: expected a whole number") from None
    if not low <= value <= high:
        raise QueryError(f"{name}={value}: expected {low} to {high}")
    return value


def sort_table(table: pa.Table, sort: str) -> pa.Table:
    """`table` sorted by `sort` (`col` or `-col`; stable, so ties keep their order)."""
    # An analysis that found nothing has no columns to sort by: its empty page is the answer.
    if not sort or not table.num_columns:
        return table
    column = sort.lstrip("-")
    if column not in table.column_names:
        raise QueryError(f"sort={sort!r}: not a column; one of {', '.join(table.column_names)}")
    return table.sort_by([(column, "descending" if sort.startswith("-") else "ascending")])


def select(
    table: pa.Table,
    filters: Iterable[Filter],
    query: Mapping[str, str],
    default_sort: str = "",
    *,
    presorted: bool = False,
) -> Page:
    """Apply the filters named in `query`, its `sort` (`col` or `-col`) and page it.
    `presorted`: the table is already in `default_sort` order (a filter keeps the order, so
    a request for that order sorts nothing: the view tables are sorted once when computed)."""
    for spec in filters:
        value = query.get(spec.name)
        if value is not None and value.strip() != "" and spec.column in table.column_names:
            table = table.filter(spec.expression(value))
    sort = query.get("sort") or default_sort
    if not (presorted and sort == default_sort):
        table = sort_table(table, sort)
    per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = _int_param(query, "page", 1, 1, 10**9)
    return Page(table, page, per_page)


def etag(*parts: object) -> str:
    """A weak ETag over what a response depends on (store version, path, query)."""
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:24]
    return f'W/"{digest}"'


def csv_bytes(table: pa.Table) -> bytes:
    """CSV with a header, formula-injection neutralised in every text cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow([csv_cell(v) for v in row.values()])
    return out.getvalue().encode("utf-8")


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
