"""Parser behaviour on hand-written names: one concept per test, fields that could go wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scenescope import ReleaseName, parse, parse_many
from scenescope.names.vocabulary import render_markdown


def test_scene_movie_fields() -> None:
    r = parse("Some.Movie.2019.1080p.BluRay.x264-GRP")
    assert (r.title, r.year, r.kind, r.resolution, r.source, r.video_codec, r.group) == (
        "Some Movie", 2019, "movie", "1080p", "bluray", "h264", "GRP"
    )
    assert r.unparsed == ()


def test_episode_with_title() -> None:
    r = parse("Show.Name.S01E02.Episode.Title.720p.HDTV.x264-GROUP")
    assert (r.title, r.season, r.episodes, r.episode_title, r.kind) == (
        "Show Name", 1, (2,), "Episode Title", "episode"
    )


def test_anime_absolute_episode_and_crc_ignored() -> None:
    r = parse("[SubGroup] Show Name - 12 [1080p][ABCD1234].mkv")
    assert (r.group, r.title, r.episodes, r.absolute_episode, r.container) == (
        "SubGroup", "Show Name", (12,), True, "mkv"
    )
    assert r.unparsed == ()


def test_daily_show() -> None:
    r = parse("Show.2020.08.25.Guest.Name.720p.HDTV.x264-GRP")
    assert r.date == dt.date(2020, 8, 25)
    assert (r.kind, r.title, r.episode_title, r.year) == ("episode", "Show", "Guest Name", None)


def test_title_keeps_number_that_is_not_the_year() -> None:
    assert (parse("Blade.Runner.2049.2017.1080p.BluRay.x264-GRP").title) == "Blade Runner 2049"
    r = parse("2012.2009.1080p.BluRay.x264-GECKOS")
    assert (r.title, r.year) == ("2012", 2009)


def test_dashes_in_title_do_not_fool_the_group() -> None:
    r = parse("Spider-Man.Far.From.Home.2019.2160p.UHD.BluRay.x265.10bit.HDR.TrueHD.7.1-SPARKS")
    assert (r.title, r.group, r.source, r.bit_depth, r.hdr) == (
        "Spider-Man Far From Home", "SPARKS", "uhd-bluray", 10, ("hdr10",)
    )
    assert (r.audio_codec, r.audio_channels) == ("truehd", "7.1")
    assert parse("X-Men").group is None


def test_site_tags_and_p2p_suffixes_are_not_groups() -> None:
    r = parse("Show.Name.S01E01.720p.HDTV.x264-KILLERS[ettv]")
    assert (r.group, r.website) == ("KILLERS", "ettv")
    assert parse("Movie.2019.1080p.WEB.H264-GRP-xpost").group == "GRP"
    r = parse("www.Torrenting.com - Movie.Name.2019.720p.WEBRip.x264-GRP")
    assert (r.website, r.title, r.group, r.source) == (
        "torrenting.com", "Movie Name", "GRP", "webrip"
    )


def test_p2p_spaces_and_brackets() -> None:
    r = parse("Movie Name (2019) [1080p] [YTS.MX]")
    assert (r.title, r.year, r.resolution, r.group, r.website) == (
        "Movie Name", 2019, "1080p", None, "yts"
    )


def test_path_and_extension_are_stripped() -> None:
    r = parse("/data/incoming/Movie.2019.720p.BluRay.x264-GRP.mkv")
    assert (r.title, r.group, r.container) == ("Movie", "GRP", "mkv")


def test_multi_episode_and_ranges() -> None:
    assert parse("Show.S01E01E02.720p.HDTV.x264-A").episodes == (1, 2)
    assert parse("Show.S01E01-E03.720p.HDTV.x264-A").episodes == (1, 2, 3)
    r = parse("Show.1x05.HDTV.x264-A")
    assert (r.season, r.episodes) == (1, (5,))


def test_season_packs() -> None:
    r = parse("Show.Name.S03.1080p.BluRay.x264-ROVERS")
    assert (r.season, r.episodes, r.season_pack, r.kind) == (3, (), True, "episode")
    assert parse("Show.Name.S01-S03.720p.WEB.x264-A").season_pack


def test_streaming_service_audio_and_flags() -> None:
    r = parse("The.Show.S02E05.Chapter.13.1080p.DSNP.WEB-DL.DDP5.1.Atmos.H.264-FLUX")
    assert (r.streaming_service, r.source, r.audio_codec, r.audio_channels, r.video_codec) == (
        "DSNP", "web", "eac3", "5.1", "h264"
    )
    r = parse("Movie.2019.PROPER.REPACK.1080p.BluRay.DTS-HD.MA.5.1.x264-GRP")
    assert r.proper and r.repack and r.audio_codec == "dts-hd"


def test_languages_and_weak_words_after_title() -> None:
    r = parse("Movie.Name.2019.German.DL.1080p.WEB.h264-SPRiNTER")
    assert (r.languages, r.group) == (("de",), "SPRiNTER")
    r = parse("French.Kiss.1995.FRENCH.1080p.BluRay.x264-GRP")
    assert (r.title, r.languages) == ("French Kiss", ("fr",))
    r = parse("Some.Movie.MULTi.1080p.BluRay.x264-GRP")
    assert (r.title, r.languages) == ("Some Movie", ("multi",))


def test_kind_other_for_names_without_video_markers() -> None:
    r = parse("Cyberpunk.2077-CODEX")
    assert (r.kind, r.title, r.group) == ("other", "Cyberpunk 2077", "CODEX")
    assert parse("Artist-Album-WEB-2020-GRP").kind == "other"


def test_resolution_from_width_by_height() -> None:
    assert parse("Movie.2019.1920x800.BluRay.x264-A").resolution == "1080p"
    assert parse("Movie.2019.4K.WEB.x265-A").resolution == "2160p"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_empty_names_give_empty_records(blank: str) -> None:
    assert parse(blank) == ReleaseName(name=blank)


@pytest.mark.parametrize("bad", [None, 12, b"Movie.2019", ["a"]])
def test_non_str_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="str"):
        parse(bad)  # type: ignore[arg-type]


def test_parse_many_matches_parse_and_shares_duplicates() -> None:
    names = ["A.2019.1080p.WEB.x264-B", "C.S01E01.720p.HDTV.x264-D", "A.2019.1080p.WEB.x264-B"]
    results = parse_many(names)
    assert results == [parse(n) for n in names]
    assert results[0] is results[2]


def test_records_are_hashable_and_serialisable() -> None:
    r = parse("Show.2020.08.25.Guest.720p.HDTV.x264-GRP")
    assert hash(r) == hash(parse(r.name))
    assert r.to_dict()["date"] == "2020-08-25"


def test_vocabulary_doc_matches_table() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md"
    assert doc.read_text(encoding="utf-8") == render_markdown(), (
        "docs/vocabulary.md is stale: regenerate it from scenescope.names.vocabulary"
    )


def test_parser_records_equal_keyword_built_records() -> None:
    from scenescope.names.record import FIELD_NAMES

    r = parse("[QWE] Some Show S2 - 05 (1080p) [0A1B2C3D].mkv")
    rebuilt = ReleaseName(**{field: getattr(r, field) for field in FIELD_NAMES})
    assert r == rebuilt and hash(r) == hash(rebuilt) and repr(r) == repr(rebuilt)
    with pytest.raises(AttributeError):
        r.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "title", "season", "episode"),
    [
        ("Station.7.1x05.1080p.WEB.h264-FLAME", "Station 7", 1, 5),
        ("Frozen.Summer.2.2x03.HDTV.x264-TEPES", "Frozen Summer 2", 2, 3),
    ],
)
def test_a_title_ending_in_a_number_before_an_nxee_episode_is_not_audio_channels(
    name: str, title: str, season: int, episode: int
) -> None:
    parsed = parse(name)
    assert (parsed.title, parsed.season, parsed.episodes) == (title, season, (episode,))
    assert parsed.audio_channels is None
    assert parsed.kind == "episode"


def test_certain_only_when_every_token_is_explained_and_nothing_is_guessed() -> None:
    assert parse("Some.Movie.2019.1080p.BluRay.x264-SPARKS").certain
    assert parse("Show.Name.S01E02.720p.HDTV.x264-KILLERS").certain
    unexplained = parse("Some.Film.2001.1080p.WEB.H264-QWE [Uploader]")
    assert unexplained.unparsed == ("Uploader",) and not unexplained.certain
    spaced_group = parse("Some Film 2019 1080p BluRay x264 AAC HONE")
    assert spaced_group.group == "HONE" and not spaced_group.certain
    assert not parse("just some words").certain  # no marker ended the title
    assert not parse("").certain
