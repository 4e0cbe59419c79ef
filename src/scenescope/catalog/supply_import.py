"""Import a distributor's supply records (accounts.csv, shipments.csv) next to the catalog.

Every bad row — an unknown account or title, a zero quantity, a shipment dated in the future
or before its account opened, a reused shipment id with other contents, an unknown format —
is an `ImportProblem` naming file:line [field]; the good rows import, and re-importing the
same files changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from scenescope.catalog.csv_import import RowError, parse_date
from scenescope.catalog.records import ImportProblem

ACCOUNT_KINDS: tuple[str, ...] = ("retailer", "rental", "wholesale", "press", "other")
DISC_FORMATS: tuple[str, ...] = ("dvd", "bluray", "uhd")
ACCOUNTS_COLUMNS = ("account_id", "kind")
SHIPMENTS_COLUMNS = ("shipment_id", "account_id", "title_id", "format", "shipped_at", "quantity")
SUPPLY_STEMS = ("accounts", "shipments")


@dataclass(frozen=True, slots=True)
class SupplyAccount:
    account_id: str
    name: str | None
    kind: str
    country: str | None
    opened_at: dt.date | None
    closed_at: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Shipment:
    shipment_id: str
    account_id: str
    title_id: str
    format: str
    shipped_at: dt.date
    quantity: int
    distributor: str | None = None


@dataclass(frozen=True, slots=True)
class SupplyReport:
    accounts: int
    shipments: int
    problems: tuple[ImportProblem, ...] = ()


@dataclass(slots=True)
class _Read:
    accounts: list[tuple[int, str, SupplyAccount]] = field(default_factory=list)
    shipments: list[tuple[int, str, Shipment]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def supply_kind(path: Path) -> str | None:
    """'accounts' or 'shipments' when the file is one (by its header, else its name)."""
    if path.suffix.lower() not in (".csv", ".txt", ""):
        return None
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = {h.strip().lower() for h in next(csv.reader(handle), [])}
    except OSError:
        return None
    if set(SHIPMENTS_COLUMNS) <= header:
        return "shipments"
    if {"account_id", "kind", "opened_at"} <= header and "title_id" not in header:
        return "accounts"
    stem = path.stem.lower()
    return next((s for s in SUPPLY_STEMS if stem.startswith(s)), None)


def _cell(row: dict[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _required(row: dict[str, str | None], name: str) -> str:
    value = _cell(row, name)
    if not value:
        raise RowError(name, f"missing {name}")
    return value


def account_from_row(row: dict[str, str | None]) -> SupplyAccount:
    kind = _required(row, "kind").lower()
    if kind not in ACCOUNT_KINDS:
        raise RowError(
            "kind", f"unknown kind {kind!r} (expected one of {', '.join(ACCOUNT_KINDS)})"
        )
    opened = _cell(row, "opened_at")
    closed = _cell(row, "closed_at")
    return SupplyAccount(
        account_id=_required(row, "account_id"),
        name=_cell(row, "name") or None,
        kind=kind,
        country=_cell(row, "country").upper() or None,
        opened_at=parse_date(opened, "opened_at") if opened else None,
        closed_at=parse_date(closed, "closed_at") if closed else None,
    )


def shipment_from_row(row: dict[str, str | None], today: dt.date) -> Shipment:
    disc_format = _required(row, "format").lower()
    if disc_format not in DISC_FORMATS:
        raise RowError(
            "format", f"unknown format {disc_format!r} (expected one of {', '.join(DISC_FORMATS)})"
        )
    text = _required(row, "quantity")
    try:
        quantity = int(text)
    except ValueError:
        raise RowError("quantity", f"bad quantity {text!r} (expected a whole number)") from None
    if quantity <= 0:
        raise RowError("quantity", f"quantity {quantity} must be at least 1")
    shipped = parse_date(_cell(row, "shipped_at"), "shipped_at")
    if shipped > today:
        raise RowError("shipped_at", f"shipped_at {shipped} is in the future")
    return Shipment(
        shipment_id=_required(row, "shipment_id"),
        account_id=_required(row, "account_id"),
        title_id=_required(row, "title_id"),
        format=disc_format,
        shipped_at=shipped,
        quantity=quantity,
        distributor=_cell(row, "distributor") or None,
    )


def _rows(
    path: Path, required: tuple[str, ...], read: _Read
) -> Iterator[tuple[int, dict[str, str | None]]]:
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            reader.fieldnames = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in reader.fieldnames]
            if missing:
                read.problems.append(
                    ImportProblem(name, 1, missing[0], f"missing required column {missing[0]!r}")
                )
                return
            for row in reader:
                if any(_cell(row, c) for c in required):
                    yield reader.line_num, row
    except (OSError, csv.Error) as exc:
        read.problems.append(ImportProblem(name, None, None, f"cannot read: {exc}"))


def read_supply_files(paths: Iterable[Path], today: dt.date) -> _Read:
    read = _Read()
    for path in paths:
        kind = supply_kind(path)
        if kind == "accounts":
            for line, row in _rows(path, ACCOUNTS_COLUMNS, read):
                try:
                    read.accounts.append((line, str(path), account_from_row(row)))
                except RowError as exc:
                    read.problems.append(ImportProblem(str(path), line, exc.field, str(exc)))
        elif kind == "shipments":
            for line, row in _rows(path, SHIPMENTS_COLUMNS, read):
                try:
                    read.shipments.append((line, str(path), shipment_from_row(row, today)))
                except RowError as exc:
                    read.problems.append(ImportProblem(str(path), line, exc.field, str(exc)))
    return read


def import_supply(
    conn: duckdb.DuckDBPyConnection, paths: Iterable[Path], *, today: dt.date | None = None
) -> SupplyReport:
    """Validate and upsert accounts and shipments (inside the caller's transaction)."""
    today = today or dt.datetime.now(dt.UTC).date()
    read = read_supply_files(list(paths), today)
    accounts: dict[str, SupplyAccount] = {}
    for _, _, account in read.accounts:
        accounts[account.account_id] = account  # the last row of an id wins, like the catalog
    _upsert_accounts(conn, list(accounts.values()))
    opened = dict(conn.execute("SELECT account_id, opened_at FROM supply_accounts").fetchall())
    titles = {r[0] for r in conn.execute("SELECT title_id FROM catalog_titles").fetchall()}
    stored = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT shipment_id, account_id, title_id, format, shipped_at, quantity "
            "FROM supply_shipments"
        ).fetchall()
    }
    seen: dict[str, tuple[int, Shipment]] = {}
    fresh: list[Shipment] = []
    problems = read.problems
    for line, name, ship in read.shipments:
        problem = _shipment_problem(ship, line, opened, titles, stored, seen)
        if problem is not None:
            problems.append(ImportProblem(name, line, problem[0], problem[1]))
            continue
        if ship.shipment_id not in seen and ship.shipment_id not in stored:
            fresh.append(ship)
        seen.setdefault(ship.shipment_id, (line, ship))
    _insert_shipments(conn, fresh)
    return SupplyReport(len(accounts), len(fresh), tuple(problems))


def _content(ship: Shipment) -> tuple[object, ...]:
    return (ship.account_id, ship.title_id, ship.format, ship.shipped_at, ship.quantity)


def _shipment_problem(
    ship: Shipment,
    line: int,
    opened: dict[str, dt.date | None],
    titles: set[str],
    stored: dict[str, tuple[object, ...]],
    seen: dict[str, tuple[int, Shipment]],
) -> tuple[str, str] | None:
    if ship.account_id not in opened:
        return "account_id", f"unknown account_id {ship.account_id!r} (import its account)"
    if ship.title_id not in titles:
        return "title_id", f"unknown title_id {ship.title_id!r} (import its title)"
    opened_at = opened[ship.account_id]
    if opened_at is not None and ship.shipped_at < opened_at:
        return (
            "shipped_at",
            f"shipped_at {ship.shipped_at} is before the account opened ({opened_at})",
        )
    earlier = seen.get(ship.shipment_id)
    if earlier is not None and _content(earlier[1]) != _content(ship):
        return "shipment_id", (
            f"duplicate shipment_id {ship.shipment_id!r} with other contents (line {earlier[0]})"
        )
    if ship.shipment_id in stored and tuple(stored[ship.shipment_id]) != _content(ship):
        return "shipment_id", (
            f"shipment_id {ship.shipment_id!r} is already stored with other contents"
        )
    return None


def _upsert_accounts(conn: duckdb.DuckDBPyConnection, rows: list[SupplyAccount]) -> None:
    if not rows:
        return
    batch = pa.table(
        {
            "account_id": [a.account_id for a in rows],
            "name": pa.array([a.name for a in rows], pa.string()),
            "kind": [a.kind for a in rows],
            "country": pa.array([a.country for a in rows], pa.string()),
            "opened_at": pa.array([a.opened_at for a in rows], pa.date32()),
            "closed_at": pa.array([a.closed_at for a in rows], pa.date32()),
        }
    )
    view = "incoming_supply_accounts"
    conn.register(view, batch)
    try:
        conn.execute(
            f"""
            INSERT INTO supply_accounts SELECT *, ? FROM {view}
            ON CONFLICT (account_id) DO UPDATE SET
                name = excluded.name, kind = excluded.kind, country = excluded.country,
                opened_at = excluded.opened_at, closed_at = excluded.closed_at,
                updated_at = excluded.updated_at
            """,
            [dt.datetime.now(dt.UTC)],
        )
    finally:
        conn.unregister(view)


def _insert_shipments(conn: duckdb.DuckDBPyConnection, rows: list[Shipment]) -> None:
    if not rows:
        return
    batch = pa.table(
        {
            "shipment_id": [s.shipment_id for s in rows],
            "account_id": [s.account_id for s in rows],
            "title_id": [s.title_id for s in rows],
            "format": [s.format for s in rows],
            "shipped_at": pa.array([s.shipped_at for s in rows], pa.date32()),
            "quantity": pa.array([s.quantity for s in rows], pa.int32()),
            "distributor": pa.array([s.distributor for s in rows], pa.string()),
        }
    )
    view = "incoming_supply_shipments"
    conn.register(view, batch)
    try:
        conn.execute(
            f"INSERT INTO supply_shipments SELECT *, ? FROM {view} ON CONFLICT DO NOTHING",
            [dt.datetime.now(dt.UTC)],
        )
    finally:
        conn.unregister(view)
