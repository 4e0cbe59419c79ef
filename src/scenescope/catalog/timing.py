"""Break title ties by timing: among equally named candidates, the title whose official dates
are near the pre is the one the release is of.

Same-named films of the same year (one film's local title is another's original title) cannot
be told apart by name. Releases cluster around a title's windows and air dates, so when
exactly one tied candidate has an official date within `TIMING_WINDOW_DAYS` of the pre (the
others none), it is asserted and the reason says so. A name without a year stays ambiguous.
"""

from __future__ import annotations

import duckdb

TIMING_WINDOW_DAYS = 45
TIMING_SCORE = 0.9

# how a decided candidate's reason reads (over the decisions `t`: days, reason)
DECIDED_REASON_SQL = (
    "'name tie decided by timing (' || t.days || ' days from an official date); ' || t.reason"
)


def timing_decisions_sql(
    matches: str = "release_matches",
    inputs: str = "match_input",
    state: str = "release_state",
    window_days: int = TIMING_WINDOW_DAYS,
) -> str:
    """The decided ties (release_id, title_id, days, reason): releases of `inputs` whose best
    candidates in `matches` share the top score and were left possible, where exactly one has
    an official date within `window_days` of the pre (`state`.pre_at). Also the engine plan's
    definition (engine/matching.py), so it is written portably (no QUALIFY, no FILTER on a
    window)."""
    return f"""
WITH ambiguous AS (
    SELECT m.release_id, m.title_id, m.reason, m.score,
           max(m.score) OVER (PARTITION BY m.release_id) AS top_score
    FROM {matches} m
    JOIN {inputs} i USING (release_id)
    WHERE m.status = 'possible' AND m.reason LIKE 'ambiguous:%'
      AND i.year IS NOT NULL  -- a missing year stays ambiguous: timing only breaks name ties
),
tied AS (
    SELECT release_id, title_id, reason FROM ambiguous WHERE score = top_score
),
official AS (
    SELECT title_id, date FROM catalog_release_dates
    UNION ALL
    SELECT title_id, air_date FROM catalog_episodes WHERE air_date IS NOT NULL
),
distance AS (
    SELECT t.release_id, t.title_id, t.reason,
           min(abs(date_diff('day', o.date, CAST(s.pre_at AS DATE)))) AS days
    FROM tied t
    JOIN {state} s USING (release_id)
    LEFT JOIN official o ON o.title_id = t.title_id
    WHERE s.pre_at IS NOT NULL
    GROUP BY t.release_id, t.title_id, t.reason
),
counted AS (
    SELECT *,
           count(*) OVER (PARTITION BY release_id) AS candidates,
           count(CASE WHEN days <= {int(window_days)} THEN 1 END)
             OVER (PARTITION BY release_id) AS near
    FROM distance
)
SELECT release_id, title_id, days, reason FROM counted
WHERE candidates > 1 AND near = 1 AND days <= {int(window_days)}
"""


def decide_ties_by_timing(conn: duckdb.DuckDBPyConnection) -> int:
    """Assert the one tied candidate with an official date near the pre (for the releases in
    the current `match_input`); drop the other candidates of those releases. Returns how many."""
    conn.execute("CREATE OR REPLACE TEMP TABLE match_timing AS " + timing_decisions_sql())
    row = conn.execute("SELECT count(*) FROM match_timing").fetchone()
    decided = int(row[0]) if row else 0
    if decided:
        conn.execute(
            "DELETE FROM release_matches WHERE release_id IN (SELECT release_id FROM match_timing)"
            " AND (release_id, title_id) NOT IN (SELECT release_id, title_id FROM match_timing)"
        )
        conn.execute(
            f"""
            UPDATE release_matches AS m
            SET status = 'matched', score = $score,
                reason = {DECIDED_REASON_SQL}
            FROM match_timing t
            WHERE m.release_id = t.release_id AND m.title_id = t.title_id
            """,
            {"score": TIMING_SCORE},
        )
    conn.execute("DROP TABLE IF EXISTS match_timing")
    return decided
