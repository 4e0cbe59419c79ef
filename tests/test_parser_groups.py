"""Where the group sits in names the first corpus under-represented: underscores and dashes
inside it, brackets and copy numbers after it, subtitle and part files, paths, spaced P2P
names, and names that have no group at all. Made-up titles and groups, one rule per test.
"""

from __future__ import annotations

import pytest

from scenescope import parse


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Some.Film.2001.720p.BluRay.x264-ab_CrEw", "ab_CrEw"),
        ("Some.Film.2001.1080p.BluRay.x264-XY_Z", "XY_Z"),
        ("Some.Game.v1.0.2-Q_Team", "Q_Team"),
        ("Some.Film.2001.1080p.BluRay.x264-Q-Bit", "Q-Bit"),
        ("Some.Film.2001.1080p.BluRay.x265-Siteish.in", "Siteish.in"),
        ("Some.Film.2001.1080p.BluRay.x264-[QWE]", "QWE"),
        ("Some.Film.2001.1080p.BluRay.DD5.1.x264-E9", "E9"),
        ("Somegame-QWERTY", "QWERTY"),
    ],
)
def test_groups_with_inner_punctuation(name: str, group: str) -> None:
    assert parse(name).group == group


@pytest.mark.parametrize(
    "name",
    [
        "Some.Film.2001.1080p.WEB.H264-QWE [Uploader]",
        "Some.Film.2001.1080p.WEB.H264-QWE[Uploader]",
        "Some.Film.2001.1080p.WEB.H264-QWE (1)",
        "Some.Film.2001.1080p.WEB.H264-QWE (2).mkv",
        "Some.Film.2001.1080p.WEB.H264-QWE.en.srt",
        "Some.Film.2001.1080p.WEB.H264-QWE.eng.forced.srt",
        "Some.Film.2001.1080p.WEB.H264-QWE.CD1.avi",
        "Some.Film.2001.1080p.WEB.H264-QWE.Sample",
        "Some.Film.2001.1080p.WEB.H264-QWE-WhiteRev",
        "Some.Film.2001.1080p.WEB.H264-QWE-RakuvFIN",
        "Some Film 2001 1080p WEB H264 - QWE",
        "Some Film 2001 1080p WEB H264 -QWE",
        "Some Film 2001 1080p WEB HEVC x265 5.1 QWE",
    ],
)
def test_what_follows_the_group_does_not_hide_it(name: str) -> None:
    r = parse(name)
    assert (r.group, r.title, r.year) == ("QWE", "Some Film", 2001)


def test_uploader_bracket_is_kept_in_unparsed_and_site_bracket_is_the_website() -> None:
    assert "Uploader" in parse("Some.Film.2001.1080p.WEB.H264-QWE [Uploader]").unparsed
    r = parse("Some.Show.S01E02.720p.WEB.h264-QWE[rartv]")
    assert (r.group, r.website) == ("QWE", "rartv")


@pytest.mark.parametrize(
    "name",
    [
        "Some.Film.2001.1080p.WEB-DL",
        "Some.Film.2001.1080p.BluRay.x264.DTS-HD.MA.5.1",
        "Some Show - S01E02 - Episode Name WEBDL-1080p.mkv",
        "Some Show - 1x02 - Episode Name.avi",
        "Some Film (2001) 1080p BluRay x264 Português",
        "Spider-Man.2002.1080p.BluRay",
    ],
)
def test_names_without_a_group(name: str) -> None:
    assert parse(name).group is None


def test_spaced_quality_tag_keeps_its_resolution() -> None:
    r = parse("Some Show - S01E02 - Episode Name WEBDL-1080p.mkv")
    assert (r.resolution, r.source, r.episode_title) == ("1080p", "web", "Episode Name")


def test_leading_bracket_group_with_a_vocabulary_word_in_it() -> None:
    r = parse("[Fansub-subs] Some Show - 07 [WEB 1080p] [0A1B2C3D].mkv")
    assert (r.group, r.title, r.episodes) == ("Fansub-subs", "Some Show", (7,))
    assert parse("[1080p] Some Show - 07.mkv").group is None


def test_part_files_in_a_path_are_read_through_their_release_folder() -> None:
    r = parse("/dl/Some.Film.2001.DVDRip.XviD-QWE/CD1/qwe-somefilm-cd1.avi")
    assert (r.title, r.year, r.source, r.group, r.container) == (
        "Some Film", 2001, "dvd", "QWE", "avi"
    )
    r = parse("Some.Film.2001.720p.BluRay.x264-QWE/Sample/qwe-somefilm.720p-sample.mkv")
    assert (r.group, r.resolution) == ("QWE", "720p")
    # a full release name as the file name is read as written
    r = parse("D:\\dl\\Some.Film.2001.720p.BluRay.x264-QWE\\some.film.2001.720p.x264-qwe.mkv")
    assert (r.title, r.group) == ("some film", "qwe")


def test_marker_word_before_the_year_is_title() -> None:
    r = parse("Madam.Web.2024.1080p.WEB.H264-QWE")
    assert (r.title, r.year, r.source) == ("Madam Web", 2024, "web")
    assert parse("Some.Film.2001.WEB.1080p.H264-QWE").source == "web"


def test_movies_anywhere_and_spaced_channels() -> None:
    r = parse("Some.Film.2001.1080p.MA.WEB-DL.DDP5.1.H.264-QWE")
    assert (r.streaming_service, r.source, r.audio_codec) == ("MA", "web", "eac3")
    assert parse("Some.Film.2001.1080p.BluRay.DTS-HD.MA.5.1.x264-QWE").streaming_service is None
    r = parse("Some Film 2001 1080p BluRay x264 DTS-HD MA 5 1-QWE")
    assert (r.audio_codec, r.audio_channels, r.group) == ("dts-hd", "5.1", "QWE")


def test_titles_stop_at_brackets_and_akas() -> None:
    assert parse("[QWE] Some Show! [Ma10p_1080p]").title == "Some Show!"
    assert parse("[QWE].Some.Film.(Other.Name).DVDRip.XviD.mkv").title == "Some Film"


def test_batch_range_and_lone_title_with_year() -> None:
    r = parse("[QWE] Some Show (01-12) (1080p) [Batch]")
    assert (r.title, r.episodes, r.kind) == ("Some Show", tuple(range(1, 13)), "episode")
    assert parse("Some Film (2001)").kind == "movie"
    assert parse("Artist - Album (2001) FLAC").kind == "other"


@pytest.mark.parametrize(
    "name",
    [
        "Some_Artist-Some_Song-DDC-1080p-x264-2024-QWE",
        "Some_Artist-Live_At_Somewhere-DVDRiP-x264-2009-QWE",
        "Some_DJ-Radio_Show_101-SAT-02-01-2024-QWE",
    ],
)
def test_music_layout_is_kind_other_whatever_markers_it_carries(name: str) -> None:
    r = parse(name)
    assert (r.kind, r.group) == ("other", "QWE")


def test_spelled_out_episode_and_cross_ranges() -> None:
    r = parse("Some Show Season 2 Episode 5 720p WEB-DL")
    assert (r.title, r.season, r.episodes, r.group) == ("Some Show", 2, (5,), None)
    assert parse("Some.Show.1x01-1x03.DVDRip.XviD-QWE").episodes == (1, 2, 3)
    # `Episode` inside a film title is not an episode marker
    assert parse("Some.Saga.Episode.1.Part.Name.1999.720p.BluRay.x264-QWE").episodes == ()


def test_library_folder_year_fills_a_films_missing_year() -> None:
    r = parse("Movies/Some Film (1999)/Some.Film.720p.BluRay.x264-QWE.mkv")
    assert (r.title, r.year, r.group) == ("Some Film", 1999, "QWE")
    assert parse("Movies/Some Film (1999)/Some.Film.2001.720p.BluRay.x264-QWE.mkv").year == 2001
    assert parse("TV/Some Show (2005)/Season 1/Some.Show.S01E01.HDTV.x264-QWE.mkv").year is None
