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
    "typeId": 1,
    "type": "nuke",
    "preId": 1,
    "reason": "dupe",
    "net": "LinkNET",
    "nukeAt": 1597842000,
}
# The spelling of the server's documentation (and of worlds written before #14): still read.
LEGACY_NUKE = {
    "id": 9,
    "typeID": 1,
    "type": "NUKE",
    "preID": 1,
    "reason": "dupe",
    "net": "LinkNET",
    "nukeAt": 1597842000,
}

# Byte for byte what the public server (Go, encoding/json with a four-space indent) sends for
# `GET /api/v1/?q=...`: fractional kB sizes, `typeId` / `preId`, empty strings (never null)
# for a missing genre, url, reason or net, `&` escaped as \u0026, a trailing newline.
REAL_RESPONSE = r"""{
    "status": "success",
    "message": "",
    "data": {
        "rowCount": 2,
        "rows": [
            {
                "id": 7814699,
                "name": "Tom.\u0026.Friends.2017.1080p.WEB.h264-YAPG",
                "team": "YAPG",
                "cat": "TV-HD",
                "genre": "",
                "url": "",
                "size": 211.9,
                "files": 45,
                "preAt": 1493881734,
                "nuke": {
                    "id": 431,
                    "typeId": 3,
                    "type": "modnuke",
                    "preId": 7814699,
                    "reason": "bad.ivtc",
                    "net": "",
                    "nukeAt": 1493885334
                }
            },
            {
                "id": 7814680,
                "name": "Some.Album-WEB-2017-ZzZz",
                "team": "ZzZz",
                "cat": "MP3",
                "genre": "Dance",
                "url": "http://junodownload.com",
                "size": 7,
                "files": 1,
                "preAt": 1493880783,
                "nuke": null
            }
        ],
        "offset": 0,
        "reqCount": 20,
        "total": 7751247,
        "time": 0.898239015
    }
}
"""
# A websocket frame as gorilla's WriteJSON sends it: compact, HTML-safe, newline-terminated.
REAL_FRAME = (
    '{"action":"nuke","row":{"id":7814727,"name":"Cats\\u0026Dogs.2016.720p.BluRay.x264-ESG",'
    '"team":"ESG","cat":"X264","genre":"","url":"","size":4471.368,"files":47,'
    '"preAt":1493884429,"nuke":{"id":88,"typeId":1,"type":"nuke","preId":7814727,'
    '"reason":"dupe.2015","net":"LocalNet","nukeAt":1493888029}}}\n'
)


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
        ({**ROW, "nuke": {**NUKE, "typeId": 77, "type": "?"}}, "unknown typeId/type"),
        ({**ROW, "nuke": {**LEGACY_NUKE, "typeID": 77, "type": "?"}}, "unknown typeId/type"),
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
    frame = {"action": action, "row": {**ROW, "nuke": {**NUKE, "typeId": 1}}}
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


@pytest.mark.parametrize("nuke", [NUKE, LEGACY_NUKE], ids=["typeId/preId", "typeID/preID"])
def test_both_spellings_of_the_nuke_keys_give_the_same_event(nuke: dict) -> None:
    events = release_events({**ROW, "nuke": nuke}, seen_at=SEEN)
    assert events[1] == NukeEvent(
        name=ROW["name"],
        kind="nuke",
        at=dt.datetime(2020, 8, 19, 13, tzinfo=dt.UTC),
        feed="predb.ovh",
        reason="dupe",
        network="LinkNET",
        seen_at=SEEN,
    )


def test_a_response_exactly_as_the_public_server_writes_it() -> None:
    rows = response_rows(json.loads(REAL_RESPONSE))
    events = [e for row in rows for e in release_events(row, seen_at=SEEN)]
    first, nuke, second = events
    assert isinstance(first, PreReport) and isinstance(nuke, NukeEvent)
    assert first.name == "Tom.&.Friends.2017.1080p.WEB.h264-YAPG"
    assert first.size_kb == 211.9 and isinstance(first.size_kb, float)  # the fraction is kept
    assert (first.files, first.category, first.genre) == (45, "TV-HD", None)
    assert (nuke.kind, nuke.reason, nuke.network) == ("modnuke", "bad.ivtc", None)  # "" → None
    assert nuke.at == dt.datetime.fromtimestamp(1493885334, dt.UTC)
    assert isinstance(second, PreReport)
    assert (second.size_kb, second.genre) == (7.0, "Dance")  # a whole kB is written as an int


def test_a_frame_exactly_as_the_public_server_sends_it() -> None:
    pre, nuke = frame_events(REAL_FRAME, seen_at=SEEN)
    assert isinstance(pre, PreReport) and isinstance(nuke, NukeEvent)
    assert pre.name == nuke.name == "Cats&Dogs.2016.720p.BluRay.x264-ESG"
    assert pre.size_kb == 4471.368
    assert (nuke.kind, nuke.reason, nuke.network) == ("nuke", "dupe.2015", "LocalNet")
    assert nuke.at == dt.datetime.fromtimestamp(1493888029, dt.UTC)


@pytest.mark.parametrize("size", [0.001, 1234.5, 4471.368, 52428800.999])
def test_fractional_sizes_are_kept_exactly(size: float) -> None:
    [event] = release_events({**ROW, "size": size}, seen_at=SEEN)
    assert isinstance(event, PreReport) and event.size_kb == size
