"""The workbench's REST API on a real store over a real loopback server: tokens and roles,
pages of table views with filters, ETags, CSV / Parquet downloads, hostile names, rate limits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from cli_support import run
from scenescope.store import Store
from scenescope.web.app import WebOptions
from scenescope.web.tables import csv_bytes, rows_table
from scenescope.web.tokens import create_token
from web_support import HOSTILE_NAMES, build_world, running_server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_world(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def served(world: Path) -> Iterator[dict[str, str]]:
    store = Store.open(world)
    tokens = {
        role: create_token(store.connection, role).token for role in ("admin", "analyst", "viewer")
    }
    with running_server(store, WebOptions(rate_per_second=1000, rate_burst=1000)) as url:
        yield {"url": url, **tokens}
    store.close()


def client(served: dict[str, str], role: str | None = "analyst") -> httpx.Client:
    headers = {"Authorization": f"Bearer {served[role]}"} if role else {}
    return httpx.Client(base_url=served["url"], headers=headers, timeout=60)


def test_no_token_is_401_and_a_bad_one_too(served: dict[str, str]) -> None:
    with client(served, None) as http:
        response = http.get("/api/v1/leaks")
        assert response.status_code == 401
        assert "token" in response.json()["error"]
        assert response.headers["www-authenticate"].startswith("Bearer")
        bad = http.get("/api/v1/leaks", headers={"Authorization": "Bearer ss_nope_nope"})
        assert bad.status_code == 401


def test_roles(served: dict[str, str]) -> None:
    with client(served, "viewer") as http:
        assert http.get("/api/v1/leaks").status_code == 403  # dashboards only
        assert http.get("/api/v1/tokens").status_code == 403
        assert http.get("/leaks").status_code == 200
    with client(served, "analyst") as http:
        assert http.get("/api/v1/leaks").status_code == 200
        forbidden = http.post("/api/v1/tokens", json={"role": "admin"})
        assert forbidden.status_code == 403 and "admin" in forbidden.json()["error"]
    with client(served, "admin") as http:
        made = http.post("/api/v1/tokens", json={"role": "viewer", "name": "wall screen"})
        assert made.status_code == 201
        new = made.json()
        with httpx.Client(base_url=served["url"]) as other:
            auth = {"Authorization": f"Bearer {new['token']}"}
            assert other.get("/feeds", headers=auth).status_code == 200
            assert http.delete(f"/api/v1/tokens/{new['token_id']}").status_code == 200
            assert other.get("/feeds", headers=auth).status_code == 401


def test_every_analysis_view_pages_and_filters(served: dict[str, str]) -> None:
    with client(served) as http:
        for name in ("leaks", "groups", "race", "families", "successors", "trace"):
            body = http.get(f"/api/v1/{name}", params={"per_page": 5}).json()
            assert body["view"] == name and body["per_page"] == 5
            assert len(body["items"]) <= 5 and body["total"] >= len(body["items"])
        everything = http.get("/api/v1/leaks", params={"per_page": 1000}).json()
        assert everything["total"] > 0
        retail = http.get(
            "/api/v1/leaks", params={"source_class": "retail-disc", "per_page": 1000}
        ).json()
        assert 0 < retail["total"] < everything["total"]
        assert {row["source_class"] for row in retail["items"]} == {"retail-disc"}
        early = http.get("/api/v1/leaks", params={"min_lead": 10, "per_page": 1000}).json()
        assert all(row["lead_days"] >= 10 for row in early["items"])
        bad = http.get("/api/v1/leaks", params={"min_lead": "soon"})
        assert bad.status_code == 400 and "min_lead" in bad.json()["error"]
        assert http.get("/api/v1/leaks", params={"sort": "nope"}).status_code == 400


def test_the_aftermath_views_answer_on_the_world(served: dict[str, str]) -> None:
    """Impact breaks, propagation down the tiers and the seized media, each from its
    estimator on the world's sightings and bodyfiles; the seized media are analyst-only."""
    with client(served) as http:
        tiers = http.get("/api/v1/propagation", params={"per_page": 100}).json()
        assert tiers["total"] > 0
        assert {row["tier"] for row in tiers["items"]} <= {
            "p2p", "usenet", "ddl", "streaming", "iptv"
        }
        p2p = http.get("/api/v1/propagation", params={"tier": "p2p", "per_page": 100}).json()
        assert p2p["total"] > 0 and {row["tier"] for row in p2p["items"]} == {"p2p"}
        media = http.get("/api/v1/evidence", params={"per_page": 100}).json()
        assert media["total"] == 3
        assert {row["case_id"] for row in media["items"]} == {"op-demo"}
        assert all(row["entries"] > 0 and row["role"] for row in media["items"])
        impact = http.get("/api/v1/impact").json()
        assert impact["view"] == "impact" and impact["total"] == len(impact["items"])
        for row in impact["items"]:
            assert row["after_per_day"] >= 0 and row["before_per_day"] >= 0
        assert http.get("/impact").status_code == 200
        assert http.get("/evidence").status_code == 200
    with client(served, "viewer") as http:
        assert http.get("/evidence").status_code == 403
    with client(served, None) as http:
        assert http.get("/api/v1/propagation").status_code == 401


def test_impact_study_of_the_worlds_operation(served: dict[str, str]) -> None:
    """The study of the world's operation day through the API and its page: the targets are
    chosen (the family that went quietest), a bad date is a 400 naming the parameter."""
    with client(served) as http:
        body = http.get("/api/v1/impact/study", params={"event": "2020-08-25"})
        assert body.status_code == 200, body.text
        summary = body.json()["summary"]
        assert summary["event"] == "2020-08-25" and summary["targeted_groups"]
        named = http.get(
            "/api/v1/impact/study", params={"event": "2020-08-25", "groups": "SOMEGRP"}
        ).json()
        assert named["summary"]["targeted_groups"] == ["SOMEGRP"]
        bad = http.get("/api/v1/impact/study", params={"event": "last tuesday"})
        assert bad.status_code == 400 and "event" in bad.json()["error"]
    with client(served, "viewer") as http:
        page = http.get("/impact/study", params={"event": "2020-08-25"})
        assert page.status_code == 200 and "Impact study of 2020-08-25" in page.text
        for group in summary["targeted_groups"]:
            assert f"/groups/{group}" in page.text
        assert http.get("/impact/study").status_code == 200  # the form alone
        assert http.get("/api/v1/impact/study", params={"event": "2020-08-25"}).status_code == 403
    with client(served, None) as http:
        assert http.get("/impact/study", params={"event": "2020-08-25"}).status_code == 401


def test_search_etag_and_detail(served: dict[str, str]) -> None:
    with client(served) as http:
        first = http.get("/api/v1/releases", params={"q": "1080p", "per_page": 10})
        assert first.status_code == 200 and first.json()["items"]
        tag = first.headers["etag"]
        again = http.get(
            "/api/v1/releases",
            params={"q": "1080p", "per_page": 10},
            headers={"If-None-Match": tag},
        )
        assert again.status_code == 304
        other = http.get("/api/v1/releases", params={"q": "720p", "per_page": 10})
        assert other.headers["etag"] != tag
        name = first.json()["items"][0]["name"]
        detail = http.get(f"/api/v1/releases/{name}").json()
        assert detail["release"]["name"] == name and detail["reports"]
        leak = http.get("/api/v1/leaks", params={"per_page": 1}).json()["items"][0]
        title = http.get(f"/api/v1/titles/{leak['title_id']}").json()
        assert leak["release_name"] in {p["name"] for p in title["pres"]}
        assert title["release_dates"]
        group = http.get(f"/api/v1/groups/{leak['group']}").json()
        assert group["profile"]["group"].lower() == leak["group"].lower()
        assert http.get("/api/v1/groups/NO-SUCH-GROUP-X").status_code == 404


def test_csv_and_parquet_downloads(served: dict[str, str]) -> None:
    with client(served) as http:
        json_rows = http.get("/api/v1/groups", params={"per_page": 1000}).json()
        text = http.get("/api/v1/groups.csv").text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == json_rows["total"]
        table = pq.read_table(io.BytesIO(http.get("/api/v1/groups.parquet").content))
        assert table.num_rows == json_rows["total"]
        assert "releases" in table.column_names


def test_hostile_names_are_exact_in_json_and_inert_in_csv(served: dict[str, str]) -> None:
    with client(served) as http:
        found = http.get("/api/v1/releases", params={"q": "evil", "per_page": 100}).json()
        names = {row["name"] for row in found["items"]}
        assert {n for n in HOSTILE_NAMES if n.startswith("Evil")} <= names
        text = http.get("/api/v1/groups.csv").text
        for row in csv.reader(io.StringIO(text)):
            for value in row:
                assert not value.startswith(("=", "+", "-", "@")), value
    table = rows_table(
        [
            {"name": '=HYPERLINK("http://x")', "group": "@SUM(A1)", "lead": -2.5},
            {"name": "+1", "group": "-GRP", "lead": 1.0},
        ]
    )
    cells = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"))))
    assert cells[1] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "-2.5"]
    assert cells[2] == ["'+1", "'-GRP", "1.0"]


def test_hostile_names_render_inert_on_pages(served: dict[str, str]) -> None:
    with client(served, "viewer") as http:
        for path in ["/search?q=evil&per_page=100", "/groups", "/"]:
            page = http.get(path).text
            assert "<script>window.pwned" not in page
            assert "<img src=x" not in page
            assert "49" not in page.split("{{7*7}}")[0][-5:]  # not evaluated as a template
            assert "\u202e" not in page and "\x1b" not in page and "\u200b" not in page
        search = http.get("/search?q=evil&per_page=100").text
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in search
        assert "{{7*7}}" in search
        assert "\\u202e" in search and "\\u001b" in search
        huge = http.get("/search", params={"q": "<script>" + "x" * 10_240}).text
        assert "<script>x" not in huge


def test_rate_limit_per_token(world: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store.duckdb"
    copy.write_bytes(world.read_bytes())
    store = Store.open(copy)
    token = create_token(store.connection, "analyst").token
    other = create_token(store.connection, "analyst").token
    with running_server(store, WebOptions(rate_per_second=0.5, rate_burst=3)) as url:  # noqa: SIM117
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
            codes = [http.get("/api/v1/headline").status_code for _ in range(5)]
            assert codes[:3] == [200, 200, 200] and codes[-1] == 429
            assert "retry-after" in http.get("/api/v1/headline").headers
            fresh = http.get("/api/v1/headline", headers={"Authorization": f"Bearer {other}"})
            assert fresh.status_code == 200
    store.close()


def test_token_commands(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    made = run("token", "create", "--role", "analyst", "--name", "ci", "--db", db)
    assert made.code == 0 and made.out.startswith("ss_")
    listed = run("token", "list", "--db", db, "--json")
    assert '"role": "analyst"' in listed.out and made.out.strip() not in listed.out
    token_id = made.out.split("_")[1]
    assert run("token", "revoke", token_id, "--db", db).code == 0
    assert '"active": false' in run("token", "list", "--db", db, "--json").out
    bad = run("token", "create", "--role", "root", "--db", db)
    assert bad.code == 2 and "unknown role" in bad.err
    assert "secret" not in run("token", "list", "--db", db, "--json").out
    with Store.open(db) as store:
        hashes = store.connection.execute("SELECT secret_hash FROM api_tokens").fetchall()
    assert made.out.strip().split("_")[2] not in str(hashes)


def test_an_empty_store_answers_every_view_with_an_empty_page(tmp_path: Path) -> None:
    """A fresh store (nothing ingested): each analysis view is a 200 with no rows, sorted by
    default or not — never a 400 about a sort column the empty answer does not have."""
    store = Store.open(tmp_path / "empty.duckdb")
    token = create_token(store.connection, "analyst").token
    with running_server(store, WebOptions(rate_per_second=1000, rate_burst=1000)) as url:  # noqa: SIM117
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
            for name in ("leaks", "groups", "race", "impact", "propagation", "evidence"):
                response = http.get(f"/api/v1/{name}")
                assert response.status_code == 200, (name, response.text)
                assert response.json()["total"] == 0
            assert http.get("/api/v1/leaks", params={"sort": "-lead_days"}).status_code == 200
    store.close()


def test_security_headers_on_every_response(served: dict[str, str]) -> None:
    with client(served) as http:
        for path in ("/api/v1/headline", "/login", "/api/v1/no-such-route"):
            response = http.get(path)
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["x-frame-options"] == "DENY", path
            assert response.headers["referrer-policy"] == "no-referrer", path
            assert "default-src 'self'" in response.headers["content-security-policy"], path
        docs = http.get("/api/docs")  # the docs page loads its scripts from a CDN
        assert docs.status_code == 200 and "content-security-policy" not in docs.headers
        assert docs.headers["x-content-type-options"] == "nosniff"
