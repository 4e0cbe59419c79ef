"""predb.ovh rows, nuke objects and websocket frames → feed events, and malformed ones → Reject."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scenescope.feeds.events import NukeEvent, PreReport, Reject
from scenescope.feeds.predb_ovh_rows import (
    DELETE_REASON,
    frame_events,
    release_events,
    release_events_or_reject,
    response_rows,
)

SEEN = dt.datetime(2020, 8, 20, tzinfo=dt.UTC)
ROW = {
    "id": 1,
    "name": "Some.Movie.2020.1080p.BluRay.x264-SPARKS",
    "team": "SPARKS",
    "cat": "X264",
    "genre": "",
    "url": "",
    "size": 4500000,
    "files": 90,
    "preAt": 1597838400,
    "nuke": None,
}
NUKE = {
    "id": 9,
    "typeID": 1,
    "type": "nuke",
    "preID": 1,
    "reason": "dupe",
    "net": "LinkNET",
    "nukeAt": 1597842000,
}


def test_release_row_becomes_a_pre_report() -> None:
    [event] = release_events(ROW, feed="predb.ovh", seen_at=SEEN)
    assert event == PreReport(
        name=ROW["name"],
        pre_at=dt.datetime(2020, 8, 19, 12, tzinfo=dt.UTC),
        feed="predb.ovh",
        category="X264",
        size_kb=4500000.0,
        files=90,
        genre=None,
        seen_at=SEEN,
    )


def test_row_with_nuke_also_yields_the_nuke() -> None:
    events = release_events({**ROW, "nuke": NUKE}, seen_at=SEEN)
    assert isinstance(events[1], NukeEvent)
    assert (events[1].kind, events[1].reason, events[1].network) == ("nuke", "dupe", "LinkNET")
    assert events[1].at == dt.datetime(2020, 8, 19, 13, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({**ROW, "name": None}, "missing field 'name'"),
        ({**ROW, "name": 42}, "field 'name': expected a string, got int"),
        ({**ROW, "name": "A" * 100_000}, "field 'name' is 100000 characters"),
        ({**ROW, "preAt": "soon"}, "field 'preAt': not a unix time"),
        ({k: v for k, v in ROW.items() if k != "preAt"}, "missing field 'preAt'"),
        ({**ROW, "size": "big"}, "field 'size': expected a number, got str"),
        ({**ROW, "nuke": {**NUKE, "typeID": 77, "type": "?"}}, "unknown typeID/type"),
        ("not a row", "expected an object, got str"),
    ],
)
def test_malformed_rows_become_rejects(row: object, reason: str) -> None:
    [event] = release_events_or_reject(row, source="f.json", line=4)
    assert isinstance(event, Reject)
    assert reason in event.reason
    assert (event.source, event.line) == ("f.json", 4)


@pytest.mark.parametrize("action", ["nuke", "unnuke", "modnuke", "delpre", "undelpre"])
def test_nuke_frames_take_their_kind_from_the_action(action: str) -> None:
    frame = {"action": action, "row": {**ROW, "nuke": {**NUKE, "typeID": 1}}}
    events = frame_events(json.dumps(frame), seen_at=SEEN)
    assert isinstance(events[0], PreReport)  # the row's own pre is kept too
    assert isinstance(events[-1], NukeEvent) and events[-1].kind == action


def test_insert_update_and_delete_frames() -> None:
    assert isinstance(frame_events({"action": "insert", "row": ROW}, seen_at=SEEN)[0], PreReport)
    assert isinstance(frame_events({"action": "update", "row": ROW}, seen_at=SEEN)[0], PreReport)
    [deleted] = frame_events({"action": "delete", "row": ROW}, seen_at=SEEN)
    assert isinstance(deleted, NukeEvent)
    assert (deleted.kind, deleted.reason, deleted.at) == ("delpre", DELETE_REASON, SEEN)


def test_nuke_frame_without_nuke_time_uses_seen_time() -> None:
    [_, event] = frame_events({"action": "nuke", "row": {**ROW, "nuke": None}}, seen_at=SEEN)
    assert isinstance(event, NukeEvent) and event.at == SEEN


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("{not json", "malformed JSON frame"),
        (b"\xff\xfe{}", "frame is not valid UTF-8"),
        ({"action": "explode", "row": ROW}, "unknown action 'explode'"),
        ({"row": ROW}, "missing field 'action'"),
        ({"action": "insert", "row": [1, 2]}, "field 'row': expected an object"),
        ({"action": "insert", "row": {**ROW, "preAt": None}}, "missing field 'preAt'"),
        ([1, 2, 3], "frame: expected an object"),
    ],
)
def test_bad_frames_are_rejected_not_raised(frame: object, reason: str) -> None:
    [event] = frame_events(frame, seen_at=SEEN, source="ws", line=7)
    assert isinstance(event, Reject)
    assert reason in event.reason and event.line == 7


def test_response_rows() -> None:
    doc = {"status": "success", "message": "", "data": {"rowCount": 1, "rows": [ROW]}}
    assert response_rows(doc) == [ROW]
    assert response_rows([ROW]) == [ROW]
    with pytest.raises(ValueError, match="missing field 'data'"):
        response_rows({"status": "error", "message": "rate limited"})


def test_nuke_kind_reads_the_public_servers_spelling_and_ours() -> None:
    from scenescope.feeds.predb_ovh_rows import nuke_kind

    assert nuke_kind({"id": 1, "typeId": 2, "type": "UNNUKE", "preId": 9}) == "unnuke"
    assert nuke_kind({"id": 1, "typeID": 4, "preID": 9}) == "delpre"
