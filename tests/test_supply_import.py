"""Importing accounts.csv and shipments.csv: bad rows reported file:line [field], the rest kept,
and a re-import changes nothing."""

from __future__ import annotations

from pathlib import Path

from scenescope.catalog import import_catalog
from scenescope.store import Store

TITLES = "title_id,kind,title,year\nM1,movie,First Film,2020\nM2,movie,Second Film,2020\n"
ACCOUNTS = (
    "account_id,name,kind,country,opened_at\n"
    "A1,Corner Video,retailer,US,2019-01-01\n"
    "A2,Press Desk,press,GB,2020-03-01\n"
    "A3,Odd Shop,boutique,US,2019-01-01\n"
)
SHIPMENTS = (
    "shipment_id,account_id,title_id,format,shipped_at,quantity\n"
    "S1,A1,M1,bluray,2020-02-01,5\n"  # 2: good
    "S2,A9,M1,dvd,2020-02-01,5\n"  # 3: unknown account
    "S3,A1,M9,dvd,2020-02-01,5\n"  # 4: unknown title
    "S4,A1,M1,dvd,2020-02-01,0\n"  # 5: zero quantity
    "S5,A1,M1,dvd,2020-02-01,-2\n"  # 6: negative quantity
    "S6,A1,M1,dvd,2999-02-01,1\n"  # 7: in the future
    "S7,A2,M2,dvd,2020-01-15,1\n"  # 8: before the account opened
    "S8,A1,M1,vhs,2020-02-01,1\n"  # 9: unknown format
    "S1,A1,M2,bluray,2020-02-01,5\n"  # 10: duplicate id, other contents
    "S1,A1,M1,bluray,2020-02-01,5\n"  # 11: duplicate id, same contents: fine
    "S9,A2,M2,uhd,2020-03-05,1\n"  # 12: good
)


def _write(folder: Path) -> list[Path]:
    paths = []
    for name, text in (("titles", TITLES), ("accounts", ACCOUNTS), ("shipments", SHIPMENTS)):
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_bad_rows_are_reported_by_line_and_field_and_the_rest_imports(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    with Store.open(tmp_path / "store.duckdb") as store:
        report = import_catalog(store, paths)
        stored = store.connection.execute(
            "SELECT shipment_id FROM supply_shipments ORDER BY 1"
        ).fetchall()
        kinds = dict(
            store.connection.execute("SELECT account_id, kind FROM supply_accounts").fetchall()
        )
    problems = {str(p).split(": ", 1)[0].split("shipments.csv")[-1] for p in report.problems}
    assert {
        ":3 [account_id]",
        ":4 [title_id]",
        ":5 [quantity]",
        ":6 [quantity]",
        ":7 [shipped_at]",
        ":8 [shipped_at]",
        ":9 [format]",
        ":10 [shipment_id]",
    } <= problems
    assert any("accounts.csv:4 [kind]" in str(p) for p in report.problems)
    assert not any(
        ":11 " in str(p) or ":2 " in str(p) for p in report.problems if "shipments" in str(p)
    )
    assert stored == [("S1",), ("S9",)]
    assert kinds == {"A1": "retailer", "A2": "press"}
    assert (report.accounts, report.shipments) == (2, 2)


def test_reimport_is_idempotent_and_changed_contents_are_refused(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    with Store.open(tmp_path / "store.duckdb") as store:
        import_catalog(store, paths)
        again = import_catalog(store, paths)
        assert again.shipments == 0
        assert store.connection.execute("SELECT count(*) FROM supply_shipments").fetchone() == (2,)
        changed = tmp_path / "shipments2.csv"
        changed.write_text(
            "shipment_id,account_id,title_id,format,shipped_at,quantity\nS9,A2,M2,uhd,2020-03-05,7\n",
            encoding="utf-8",
        )
        report = import_catalog(store, [changed])
        quantity = store.connection.execute(
            "SELECT quantity FROM supply_shipments WHERE shipment_id = 'S9'"
        ).fetchone()
    assert report.shipments == 0
    assert [str(p) for p in report.problems] == [
        f"{changed}:2 [shipment_id]: shipment_id 'S9' is already stored with other contents"
    ]
    assert quantity == (1,)


def test_a_folder_imports_its_supply_files_after_the_titles(tmp_path: Path) -> None:
    _write(tmp_path)
    with Store.open(tmp_path / "store.duckdb") as store:
        report = import_catalog(store, [tmp_path])
    assert report.titles == 2 and report.shipments == 2
