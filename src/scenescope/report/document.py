"""`scenescope report`: one self-contained HTML file (and a PDF) a manager reads in five minutes.

Headline numbers, then one section per analysis the workbench registers (leaks by studio,
groups, the race, families, successors, the trace ranking, breaks in the pres, propagation,
seized media), each with its chart, its top rows and its method note — the same views, the
same estimators and the same notes as the dashboard — and the impact of each drop in the
pres found in the record, with its counterfactual chart. Charts are SVG inlined as `data:`
images (an image cannot run script), every value is escaped by Jinja's autoescape and shown
with its invisible characters made visible, so hostile names stay inert text. The PDF is
Chromium's print-to-PDF of the same file (headless, no network).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from scenescope.engine import Engine
    from scenescope.store import Store

TOP_ROWS = 10
CELL_CHARS = 90  # longer cells (a family's group list) are clipped, their length said
MAX_EVENTS = 3
PDF_TIMEOUT_SECONDS = 120
REPORT_SORT = {"leaks": "-lead_days"}  # a manager's top rows: the earliest leaks first
ProgressCallback = Callable[[str], None]


class ReportError(Exception):
    """The report cannot be written (an unwritable path, no PDF printer): one clear line."""


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Pres at or after `since` and before `until` (UTC); None leaves that side open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def query(self) -> dict[str, str]:
        """The period as the views' `since` / `until` filters."""
        query = {}
        if self.since is not None:
            query["since"] = self.since.astimezone(dt.UTC).isoformat()[:19]
        if self.until is not None:
            query["until"] = self.until.astimezone(dt.UTC).isoformat()[:19]
        return query

    def describe(self) -> str:
        if self.since is None and self.until is None:
            return "the whole record"
        since = f"{self.since:%Y-%m-%d %H:%M}" if self.since else "the first pre"
        until = f"{self.until:%Y-%m-%d %H:%M}" if self.until else "the last pre"
        return f"pres from {since} to {until} UTC"


@dataclass(frozen=True, slots=True)
class ReportSection:
    name: str
    title: str
    summary: str
    method: str
    total: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    chart: str | None = None  # an SVG data URI
    note: str | None = None  # why a section is empty or cut short
    text: tuple[str, ...] = ()  # paragraphs (the impact summaries)


@dataclass(frozen=True, slots=True)
class WrittenReport:
    html: Path
    pdf: Path | None
    sections: tuple[str, ...]
    headline: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "html": str(self.html),
            "pdf": None if self.pdf is None else str(self.pdf),
            "sections": list(self.sections),
            "headline": self.headline,
            "seconds": round(self.seconds, 2),
        }


def write_report(
    store: Store,
    out: Path,
    *,
    pdf: Path | None = None,
    period: ReportPeriod | None = None,
    on_section: ProgressCallback | None = None,
) -> WrittenReport:
    """Compute every section on the store and write the HTML (and the PDF)."""
    import time

    started = time.perf_counter()
    period = period or ReportPeriod()
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"{out} is a folder; give a file such as {out / 'report.html'}")
    engine = store.engine
    headline = _headline(engine, period)
    sections = build_sections(engine, period, on_section=on_section)
    html = render_html(headline, sections, period)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    if pdf is not None:
        print_pdf(out, Path(pdf))
    return WrittenReport(
        out, pdf, tuple(s.name for s in sections), headline, time.perf_counter() - started
    )


def build_sections(
    engine: Engine, period: ReportPeriod, *, on_section: ProgressCallback | None = None
) -> list[ReportSection]:
    """One section per registered analysis view, then the impact of each drop found."""
    from scenescope.web import views

    sections = []
    tables: dict[str, pa.Table] = {}
    query = period.query()
    for view in views.registered_views().values():
        if on_section is not None:
            on_section(view.title)
        section, table = _view_section(engine, view, query)
        sections.append(section)
        if table is not None:
            tables[view.name] = table
    if on_section is not None:
        on_section("Impact of each drop")
    sections.append(_impact_section(engine, period, tables))
    return sections


def _view_section(
    engine: Engine, view: Any, query: dict[str, str]
) -> tuple[ReportSection, pa.Table | None]:
    """The view's section, and its whole table (for the sections built on it)."""
    from scenescope.report.figures import svg_data_uri
    from scenescope.web.tables import select

    try:
        table = view.compute(engine)
    except Exception as exc:  # one analysis failing must not lose the rest of the report
        failed = ReportSection(
            view.name,
            view.title,
            view.summary,
            view.method,
            0,
            (),
            (),
            note=f"not computed: {type(exc).__name__}: {exc}",
        )
        return failed, None
    sort = REPORT_SORT.get(view.name, view.default_sort)
    sort = sort if sort.lstrip("-") in table.column_names else ""
    page = select(table, view.filters, {**query, "per_page": "1000"}, sort)
    selected = page.table
    rows = selected.to_pylist()
    columns = tuple(
        c for c in (view.columns or selected.column_names) if c in selected.column_names
    )
    chart = None
    if view.chart is not None and rows:
        try:
            chart = svg_data_uri(view.chart(rows))
        except Exception:  # a chart is an aid: the table still says it
            chart = None
    shown = tuple(tuple(cell_text(row.get(c)) for c in columns) for row in rows[:TOP_ROWS])
    note = None if rows else "nothing in the record for this section"
    section = ReportSection(
        view.name, view.title, view.summary, view.method, page.total, columns, shown, chart, note
    )
    return section, table


def _impact_section(
    engine: Engine, period: ReportPeriod, tables: dict[str, pa.Table]
) -> ReportSection:
    """For each drop the break detector finds (largest first), the weekly pres against the
    counterfactual with its 90% interval; the targeted groups are the family that went
    quietest across the drop."""
    from scenescope.analysis.impact_targets import family_members, study
    from scenescope.report.figures import svg_data_uri
    from scenescope.report.impact_charts import counterfactual_chart, summary_text

    title = "Impact of each drop in the pres"
    summary = "Weekly pres after each drop found in the record, against what was expected."
    method = (
        "The drops are the level breaks the change-point detection finds in the daily pres "
        "(the Impact view). For each, a structural time series with a weekly pattern and "
        "holidays is fitted on the weeks before it and projected forward with a 90% interval; "
        "the gap between observed and expected is the effect. The targeted groups are the "
        "inferred family that went quietest across the break (its pres in the four weeks after "
        "against the four before fell the most, by half at least), so the removal "
        "of the family is told apart from the chill on everyone else. After a scene-wide "
        "chill, other Scene categories are poor controls: the interval says how sure it is."
    )
    if not engine.scalar("SELECT count(*) FROM releases"):
        return ReportSection("impact-events", title, summary, method, 0, (), (), note="no pres")
    try:
        breaks = _breaks(engine, tables.get("impact"))
    except Exception as exc:
        return ReportSection(
            "impact-events",
            title,
            summary,
            method,
            0,
            (),
            (),
            note=f"no breaks computed: {type(exc).__name__}: {exc}",
        )
    drops = sorted((b for b in breaks if b[1] < 0 and _in_period(b[0], period)), key=lambda b: b[1])
    if not drops:
        return ReportSection(
            "impact-events", title, summary, method, 0, (), (), note="no drop found"
        )
    try:
        families = family_members(engine, tables.get("families"))
    except Exception:  # families could not be inferred: the studies name no targets
        families = []
    rows, charts, text = [], [], []
    for day, size in drops[:MAX_EVENTS]:
        try:
            result = study(engine, day, families=families)
        except Exception as exc:
            text.append(f"{day}: not estimated ({type(exc).__name__}: {exc})")
            continue
        s = result.summary()
        rows.append(
            (
                day.isoformat(),
                f"{size:+.0%}",
                ", ".join(result.params.groups) or "(none)",
                cell_text(s.get("weeks")),
                cell_text(s.get("direct_lost")),
                cell_text(s.get("chill_lost")),
            )
        )
        charts.append(svg_data_uri(counterfactual_chart(result)))
        text.append(summary_text(result).strip())
    return ReportSection(
        "impact-events",
        title,
        summary,
        method,
        len(drops),
        ("event", "size", "targeted groups", "weeks", "direct lost", "chill lost"),
        tuple(rows),
        charts[0] if charts else None,
        None if rows else "no drop could be estimated",
        tuple(text),
    )


def _in_period(day: dt.date, period: ReportPeriod) -> bool:
    if period.since is not None and day < period.since.date():
        return False
    return not (period.until is not None and day > period.until.date())


def _breaks(engine: Engine, table: pa.Table | None) -> list[tuple[dt.date, float]]:
    """(first day, relative size) of each level break: from the Impact view's table when the
    report has it, else from the detector."""
    if table is not None and {"date", "size"} <= set(table.column_names):
        return [
            (dt.date.fromisoformat(str(r["date"])[:10]), float(r["size"]))
            for r in table.select(["date", "size"]).to_pylist()
            if r["date"] is not None and r["size"] is not None
        ]
    from scenescope.analysis.impact_detect import BreakDetector

    return [(b.date, b.size) for b in BreakDetector().fit(engine).breaks]


def _headline(engine: Engine, period: ReportPeriod) -> dict[str, Any]:
    from scenescope.web.data import headline

    figures = headline(engine)
    if period.since is not None or period.until is not None:
        clauses, params = ["trusted"], []
        if period.since is not None:
            clauses.append("pre_at >= ?")
            params.append(period.since)
        if period.until is not None:
            clauses.append("pre_at < ?")
            params.append(period.until)
        figures["releases_in_period"] = engine.scalar(
            f"SELECT count(DISTINCT release_id) FROM pre_reports WHERE {' AND '.join(clauses)}",
            params,
        )
    return dict(figures)


def cell_text(value: Any) -> str:
    """A table cell as the report shows it: numbers grouped, times in UTC, text with its
    invisible characters made visible and clipped (Jinja escapes it on the way out)."""
    from scenescope.web.safety import clipped

    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and _ISO_UTC.fullmatch(value):
        return f"{value[:10]} {value[11:16]}"
    return clipped(value, CELL_CHARS)


_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|\+00:00)?")


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>scenescope report</title>
<style>
body { font: 13px/1.45 system-ui, sans-serif; color: #1d1d1f; margin: 2em auto; max-width: 1000px; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.sub { color: #666; }
.headline { display: flex; flex-wrap: wrap; gap: 1.5em; list-style: none; padding: 0; }
.headline b { display: block; font-size: 1.5em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .2em .4em; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f0f3; }
td bdi { unicode-bidi: isolate; }
img { max-width: 100%; }
.method { color: #444; font-size: .95em; background: #f7f7f9; padding: .5em .8em; }
.note { color: #888; font-style: italic; }
pre { white-space: pre-wrap; font: 12px/1.4 ui-monospace, monospace; }
section { break-inside: avoid-page; }
</style>
</head>
<body>
<h1>scenescope report</h1>
<p class="sub">Generated {{ generated }} UTC over {{ period }}. Metadata only: release names,
times, categories, sizes, nukes, catalog dates, shipments and sightings.</p>
<ul class="headline">
{% for label, value in headline %}<li><b>{{ value }}</b>{{ label }}</li>{% endfor %}
</ul>
{% for s in sections %}
<section id="{{ s.name }}">
<h2>{{ s.title }}</h2>
<p>{{ s.summary }}{% if s.total %} <span class="sub">({{ "{:,}".format(s.total) }} rows{%
 if s.total > s.rows|length and s.rows %}, top {{ s.rows|length }} shown{% endif %})</span>{%
 endif %}</p>
{% if s.chart %}<p><img alt="{{ s.title }} chart" src="{{ s.chart }}"></p>{% endif %}
{% if s.rows %}
<table>
<thead><tr>{% for c in s.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in s.rows %}<tr>{% for v in row %}<td><bdi>{{ v }}</bdi></td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% endif %}
{% if s.note %}<p class="note">{{ s.note }}</p>{% endif %}
{% for paragraph in s.text %}<pre>{{ paragraph }}</pre>{% endfor %}
<p class="method"><b>Method.</b> {{ s.method }}</p>
</section>
{% endfor %}
</body>
</html>
"""

HEADLINE_LABELS = (
    ("releases", "releases"),
    ("releases_in_period", "releases in the period"),
    ("pre_reports", "pre reports"),
    ("nuked", "nuked"),
    ("groups", "groups"),
    ("titles", "catalog titles"),
    ("matched", "releases matched to a title"),
    ("first_pre_at", "first pre"),
    ("last_pre_at", "last pre"),
)


def render_html(
    headline: dict[str, Any], sections: Sequence[ReportSection], period: ReportPeriod
) -> str:
    """The report as one HTML document (autoescaped; no script, no external resource)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    figures = [
        (label, cell_text(headline[key]))
        for key, label in HEADLINE_LABELS
        if headline.get(key) is not None
    ]
    return env.from_string(TEMPLATE).render(
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        period=period.describe(),
        headline=figures,
        sections=sections,
    )


def print_pdf(html: Path, pdf: Path) -> None:
    """Chromium's headless print-to-PDF of the HTML file (no network, a throwaway profile)."""
    browser = next(
        (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None
    )
    if browser is None:
        raise ReportError("no PDF printer: install Chromium (apt-get install chromium)")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise ReportError(f"printing {pdf} took over {PDF_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ReportError(f"Chromium could not print {pdf}: {' '.join(tail) or 'no output'}")
