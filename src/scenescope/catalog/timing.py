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

# Ties: releases of this run whose best candidates share the top score and were left possible.
_DECIDE_SQL = """
CREATE OR REPLACE TEMP TABLE match_timing AS
WITH tied AS (
    SELECT m.release_id, m.title_id, m.reason
    FROM release_matches m
    JOIN match_input i USING (release_id)
    WHERE m.status = 'possible' AND m.reason LIKE 'ambiguous:%'
      AND i.year IS NOT NULL  -- a missing year stays ambiguous: timing only breaks name ties
    QUALIFY m.score = max(m.score) OVER (PARTITION BY m.release_id)
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
    JOIN release_state s USING (release_id)
    LEFT JOIN official o ON o.title_id = t.title_id
    WHERE s.pre_at IS NOT NULL
    GROUP BY t.release_id, t.title_id, t.reason
),
counted AS (
    SELECT *,
           count(*) OVER (PARTITION BY release_id) AS candidates,
           count(*) FILTER (WHERE days <= $window) OVER (PARTITION BY release_id) AS near
    FROM distance
)
SELECT release_id, title_id, days, reason FROM counted
WHERE candidates > 1 AND near = 1 AND days <= $window
"""


def decide_ties_by_timing(conn: duckdb.DuckDBPyConnection) -> int:
    """Assert the one tied candidate with an official date near the pre (for the releases in
    the current `match_input`); drop the other candidates of those releases. Returns how many."""
    conn.execute(_DECIDE_SQL, {"window": TIMING_WINDOW_DAYS})
    row = conn.execute("SELECT count(*) FROM match_timing").fetchone()
    decided = int(row[0]) if row else 0
    if decided:
        conn.execute(
            "DELETE FROM release_matches WHERE release_id IN (SELECT release_id FROM match_timing)"
            " AND (release_id, title_id) NOT IN (SELECT release_id, title_id FROM match_timing)"
        )
        conn.execute(
            """
            UPDATE release_matches AS m
            SET status = 'matched', score = $score,
                reason = 'name tie decided by timing ('
                    || t.days || ' days from an official date); ' || t.reason
            FROM match_timing t
            WHERE m.release_id = t.release_id AND m.title_id = t.title_id
            """,
            {"score": TIMING_SCORE},
        )
    conn.execute("DROP TABLE IF EXISTS match_timing")
    return decided
