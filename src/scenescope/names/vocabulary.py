"""The one vocabulary table: every known release-name token, the field it sets and its value.

`TERMS` is the documented source of truth (docs/vocabulary.md is rendered from it by
`render_markdown()`); `LOOKUP` and `COMPOUNDS` are the flat dicts the parser reads, one dict
lookup per lowercased token. Multi-token spellings ("web dl", "dts hd ma") are compounds.
"""

from __future__ import annotations

from dataclasses import dataclass

# Pseudo-fields that are not ReleaseName fields: tokens that are recognised on purpose and
# dropped (P2P re-post suffixes), or that only adjust other fields.
IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary entry: the spellings (lowercase, space between the tokens of a compound)
    that set `field` to `value`. `strong` terms end the title; weak ones (languages, editions,
    words that are also common English) only count after the title has ended."""

    field: str
    value: str
    spellings: tuple[str, ...]
    strong: bool = True


def _t(field: str, value: str, *spellings: str, strong: bool = True) -> Term:
    return Term(field, value, spellings, strong)


# The table is laid out by hand (one term a line, spellings wrapped), so the formatter leaves it.
# fmt: off
TERMS: tuple[Term, ...] = (
    # --- resolution -------------------------------------------------------------------
    _t("resolution", "360p", "360p"),
    _t("resolution", "480p", "480p", "480i"),
    _t("resolution", "540p", "540p"),
    _t("resolution", "576p", "576p", "576i"),
    _t("resolution", "720p", "720p", "720i", "bd720p", "bluray720p", "hd720p"),
    _t("resolution", "900p", "900p"),
    _t("resolution", "1080p", "1080p", "bd1080p", "bluray1080p", "hd1080p"),
    _t("resolution", "1080i", "1080i"),
    _t("resolution", "1440p", "1440p"),
    _t("resolution", "2160p", "2160p", "bluray2160p"),
    _t("resolution", "4320p", "4320p"),
    # Aliases only count when the name has no explicit NNNNp (`4K.REMASTERED.1080p` is 1080p).
    _t("resolution_alias", "2160p", "4k", "uhd"),
    _t("resolution_alias", "4320p", "8k"),
    _t("resolution_alias", "1080p", "fhd"),
    _t("resolution_alias", "480p", "sd"),
    # --- source -----------------------------------------------------------------------
    _t("source", "uhd-bluray", "uhd bluray", "uhd blu ray", "uhdbd", "uhd bdrip", "uhdrip",
       "uhd bd", "uhdremux", "uhdbdrip", "uhdbdremux"),
    _t("source", "bluray", "bluray", "blu ray", "bdrip", "brrip", "bdremux", "bdmv", "bd25",
       "bd50", "bd", "br", "bdiso", "hdbluray", "bd720p", "bd1080p", "mbluray", "mbdrip",
       "bdmux", "bluray720p", "bluray1080p", "bluray2160p"),
    _t("source", "hddvd", "hddvd", "hd dvd", "hddvdrip"),
    _t("source", "dvd", "dvd", "dvdrip", "dvdr", "dvd r", "dvd5", "dvd9", "dvdiso", "dvdmux",
       "pal", "ntsc", "xvidvd"),
    _t("source", "web", "web", "web dl", "webdl", "webhd", "web hd"),
    _t("source", "webrip", "webrip", "web rip", "webmux", "web dlrip", "webdlrip"),
    _t("source", "hdtv", "hdtv", "pdtv", "sdtv", "hdtvrip", "tvrip", "dsr", "dsrip", "satrip",
       "dvb", "dvbrip", "hdrip", "ahdtv", "uhdtv"),
    _t("source", "cam", "cam", "camrip", "hdcam", "cam rip", "hdcamrip", "newcam", "hqcam",
       "hq cam", "hd cam"),
    _t("source", "telesync", "ts", "telesync", "hdts", "hd ts", "pdvd", "tsrip"),
    _t("source", "telecine", "tc", "telecine", "hdtc", "hd tc"),
    _t("source", "screener", "scr", "screener", "dvdscr", "dvdscreener", "bdscr", "webscr",
       "dvd scr", "webscreener", "web screener"),
    _t("source", "workprint", "workprint", "wp"),
    _t("source", "ppv", "ppv", "ppvrip"),
    _t("source", "vhs", "vhs", "vhsrip"),
    _t("source", "vod", "vod", "vodrip"),
    # --- streaming services (canonical uppercase tags; each implies a WEB source) -------
    _t("streaming_service", "AMZN", "amzn", "amazon"),
    _t("streaming_service", "NF", "nf", "netflix"),
    _t("streaming_service", "DSNP", "dsnp", "dsny", "disney+", "dsnyp"),
    _t("streaming_service", "HMAX", "hmax"),
    _t("streaming_service", "MAX", "max", strong=False),
    _t("streaming_service", "ATVP", "atvp", "atv"),
    _t("streaming_service", "HULU", "hulu"),
    _t("streaming_service", "PCOK", "pcok"),
    _t("streaming_service", "PMTP", "pmtp"),
    _t("streaming_service", "PMNT", "pmnt"),
    _t("streaming_service", "IT", "itunes"),
    _t("streaming_service", "IT", "it", strong=False),
    _t("streaming_service", "CRAV", "crav"),
    _t("streaming_service", "STAN", "stan", strong=False),
    _t("streaming_service", "CR", "cr", strong=False),
    _t("streaming_service", "FUNI", "funi"),
    _t("streaming_service", "HBO", "hbo", strong=False),
    _t("streaming_service", "SHO", "sho", strong=False),
    _t("streaming_service", "STZ", "stz"),
    _t("streaming_service", "AMC", "amc", strong=False),
    _t("streaming_service", "CBS", "cbs", strong=False),
    _t("streaming_service", "NBC", "nbc", strong=False),
    _t("streaming_service", "DCU", "dcu"),
    _t("streaming_service", "RED", "red", strong=False),
    _t("streaming_service", "IP", "ip", strong=False),
    _t("streaming_service", "ALL4", "all4"),
    _t("streaming_service", "MY5", "my5"),
    _t("streaming_service", "ITVX", "itvx"),
    _t("streaming_service", "NOW", "now", strong=False),
    _t("streaming_service", "SKST", "skst"),
    _t("streaming_service", "VIAP", "viap"),
    _t("streaming_service", "HTSR", "htsr"),
    _t("streaming_service", "ZEE5", "zee5"),
    _t("streaming_service", "VRV", "vrv"),
    _t("streaming_service", "TVNZ", "tvnz"),
    _t("streaming_service", "ROKU", "roku", strong=False),
    _t("streaming_service", "TUBI", "tubi"),
    _t("streaming_service", "MUBI", "mubi"),
    _t("streaming_service", "CC", "cc", strong=False),
    _t("streaming_service", "NICK", "nick", strong=False),
    _t("streaming_service", "BCORE", "bcore"),
    # Movies Anywhere: `MA` is also DTS-HD MA, so only right before a WEB source
    _t("streaming_service", "MA", "ma web", "ma web dl", "ma webdl", "ma webrip"),
    _t("source", "web", "ma web", "ma web dl", "ma webdl"),
    _t("source", "webrip", "ma webrip"),
    _t("streaming_service", "HIDI", "hidive"),
    # --- video codec ------------------------------------------------------------------
    _t("video_codec", "h264", "x264", "h264", "avc", "h 264", "x 264", "avc1"),
    _t("video_codec", "h265", "x265", "h265", "hevc", "h 265", "x 265"),
    _t("video_codec", "av1", "av1"),
    _t("video_codec", "vp9", "vp9"),
    _t("video_codec", "xvid", "xvid", "xvidvd"),
    _t("video_codec", "divx", "divx"),
    _t("video_codec", "mpeg2", "mpeg2", "mpeg 2"),
    _t("video_codec", "vc1", "vc1", "vc 1"),
    # --- audio codec ------------------------------------------------------------------
    _t("audio_codec", "aac", "aac", "aaclc", "he aac"),
    _t("audio_codec", "ac3", "ac3", "dd", "dolby digital"),
    _t("audio_codec", "eac3", "eac3", "e ac3", "ddp", "dd+", "ddplus"),
    _t("audio_codec", "truehd", "truehd", "true hd"),
    _t("audio_codec", "atmos", "atmos"),
    _t("audio_codec", "dts", "dts"),
    _t("audio_codec", "dts-hd", "dts hd", "dtshd", "dts hd ma", "dts ma", "dtsma", "dtshdma",
       "dts hdma", "dts hr"),
    _t("audio_codec", "dts-hd", "ma", strong=False),
    _t("audio_codec", "dtsx", "dtsx", "dts x"),
    _t("audio_codec", "flac", "flac"),
    _t("audio_codec", "opus", "opus"),
    _t("audio_codec", "mp3", "mp3"),
    _t("audio_codec", "pcm", "pcm", "lpcm"),
    # --- hdr / bit depth ---------------------------------------------------------------
    _t("hdr", "hdr10", "hdr", "hdr10"),
    _t("hdr", "hdr10+", "hdr10+", "hdr10plus"),
    _t("hdr", "dv", "dv", "dovi", "dolby vision"),
    _t("hdr", "hlg", "hlg"),
    _t("bit_depth", "10", "10bit", "10 bit", "10bits", "10 bits", "hi10p", "hi10"),
    _t("bit_depth", "8", "8bit", "8 bit"),
    _t("bit_depth", "12", "12bit", "12 bit"),
    # --- languages (ISO 639-1; "multi" for MULTi; DL = German dub + original) ----------
    _t("languages", "multi", "multi", "multilang", "multi lang"),
    _t("languages", "de", "german", "deutsch", "ger", "dl", "gerdub", strong=False),
    _t("languages", "en", "english", "eng", "en", "ing", strong=False),
    _t("languages", "fr", "french", "truefrench", "vff", "vfq", "vf2", "vfi", "fre", "vf", "fr",
       strong=False),
    _t("languages", "es", "spanish", "spa", "castellano", "latino", "esp", "es", "lat", "cast",
       "espanol", "español", strong=False),
    _t("languages", "it", "italian", "ita", strong=False),
    _t("languages", "pt", "portuguese", "brazilian", "por", "ptbr", "pt br", "dublado", "pt",
       strong=False),
    _t("languages", "nl", "dutch", "flemish", "nl", strong=False),
    _t("languages", "sv", "swedish", "swe", "nordic", strong=False),
    _t("languages", "da", "danish", "nordic", "dan", strong=False),
    _t("languages", "fi", "finnish", "nordic", strong=False),
    _t("languages", "no", "norwegian", "nordic", strong=False),
    _t("languages", "pl", "polish", "pldub", "pl", "pol", "dub pl", "pl dub", strong=False),
    _t("languages", "ru", "russian", "rus", "ru", strong=False),
    _t("languages", "uk", "ukrainian", "ukr", "ua", strong=False),
    _t("languages", "cs", "czech", "cz", "cze", strong=False),
    _t("languages", "hu", "hungarian", "hun", "magyar", strong=False),
    _t("languages", "ro", "romanian", strong=False),
    _t("languages", "el", "greek", "gre", strong=False),
    _t("languages", "tr", "turkish", "tur", "turkce", "türkçe", strong=False),
    _t("languages", "he", "hebrew", "heb", "hebdub", strong=False),
    _t("languages", "ar", "arabic", strong=False),
    _t("languages", "hi", "hindi", "hin", strong=False),
    _t("languages", "ta", "tamil", "tam", strong=False),
    _t("languages", "te", "telugu", "tel", strong=False),
    _t("languages", "kn", "kannada", strong=False),
    _t("languages", "ml", "malayalam", strong=False),
    _t("languages", "ka", "georgian", "geo", "ka", strong=False),
    _t("languages", "ja", "japanese", "jap", "jpn", strong=False),
    _t("languages", "ko", "korean", "kor", strong=False),
    _t("languages", "zh", "chinese", "mandarin", "cantonese", "国语", "粤语", "国粤双语",
       "国语中字", "国英双语", strong=False),
    _t("languages", "ko", "韩语中字", "韩语", strong=False),
    _t("languages", "ja", "日语", strong=False),
    _t("languages", "th", "thai", strong=False),
    _t("languages", "vi", "vietnamese", strong=False),
    _t("languages", "id", "indonesian", strong=False),
    _t("languages", "is", "icelandic", strong=False),
    _t("languages", "et", "estonian", strong=False),
    _t("languages", "lt", "lithuanian", strong=False),
    _t("languages", "lv", "latvian", strong=False),
    _t("languages", "bg", "bulgarian", "bgaudio", "bg audio", strong=False),
    _t("languages", "hr", "croatian", strong=False),
    _t("languages", "sr", "serbian", strong=False),
    _t("languages", "sk", "slovak", "sk", "svk", strong=False),
    _t("languages", "sl", "slovenian", strong=False),
    _t("languages", "fa", "persian", "farsi", strong=False),
    # --- subtitles -----------------------------------------------------------------------
    _t("subtitles", "multi", "multisubs", "multisub", "multi subs", strong=False),
    _t("subtitles", "fr", "vostfr", "subfrench", "stfr", strong=False),
    _t("subtitles", "en", "engsub", "engsubs", "eng subs", "english subs", strong=False),
    _t("subtitles", "nl", "nlsubs", "nlsub", "nl subs", "nl sub", strong=False),
    _t("subtitles", "sv", "swesub", "swesubs", "swe sub", strong=False),
    _t("subtitles", "da", "dksubs", "danish subs", strong=False),
    _t("subtitles", "no", "nosubs", strong=False),
    _t("subtitles", "fi", "finsub", "finsubs", strong=False),
    _t("subtitles", "ko", "korsub", "korsubs", strong=False),
    # CJK subtitle tags: scripts (simplified/traditional, GB/BIG5 encodings), not audio
    _t("subtitles", "zh", "chisub", "chs", "cht", "gb", "big5", "中字", "中文字幕", "简繁",
       "简体", "繁体", "简中", "繁中", "简繁内封", "简繁内嵌", "简繁字幕", "简繁内封字幕",
       "简日双语", "繁日双语", "简日内嵌", "繁日内嵌", "简体内嵌", "繁体内嵌", "简繁日语字幕",
       "国语中字", "韩语中字", strong=False),
    _t("subtitles", "es", "spasub", "esub", "vose", "subtitulado", "subtitulada", strong=False),
    _t("subtitles", "it", "subita", "subsita", strong=False),
    _t("subtitles", "pt", "legendado", strong=False),
    # --- season packs ----------------------------------------------------------------
    _t("season_pack", "true", "complete series", "the complete series", "complete season",
       "complete seasons", "the complete season"),
    # --- edition -----------------------------------------------------------------------
    _t("edition", "extended", "extended", "extended cut", "extended edition", strong=False),
    _t("edition", "unrated", "unrated", strong=False),
    _t("edition", "directors-cut", "directors cut", "dc", "directors", "director's cut",
       "dircut", strong=False),
    _t("edition", "theatrical", "theatrical", "theatrical cut", strong=False),
    _t("edition", "imax", "imax", "imax edition", strong=False),
    _t("edition", "remastered", "remastered", "remaster", "4k remaster", strong=False),
    _t("edition", "criterion", "criterion", "cc criterion", strong=False),
    _t("edition", "uncut", "uncut", strong=False),
    _t("edition", "uncensored", "uncensored", strong=False),
    _t("edition", "special-edition", "special edition", strong=False),
    _t("edition", "collectors-edition", "collectors edition", strong=False),
    _t("edition", "anniversary", "anniversary edition", strong=False),
    _t("edition", "final-cut", "final cut", strong=False),
    _t("edition", "open-matte", "open matte", "openmatte", strong=False),
    # --- release flags -----------------------------------------------------------------
    _t("flags", "proper", "proper", strong=False),
    _t("flags", "repack", "repack", "repack2", "repack3", "rpk", strong=False),
    _t("flags", "rerip", "rerip", strong=False),
    _t("flags", "real", "real", strong=False),
    _t("flags", "internal", "internal", "int", strong=False),
    _t("flags", "limited", "limited", strong=False),
    _t("flags", "festival", "festival", "fest", strong=False),
    _t("flags", "stv", "stv", strong=False),
    _t("flags", "dubbed", "dubbed", "dub", "dubbing", "dabing", "dublaj", strong=False),
    _t("flags", "subbed", "subbed", "sub", "subs", "napisy", "legendas", "sottotitoli",
       strong=False),
    _t("flags", "read-nfo", "read nfo", "readnfo", strong=False),
    _t("flags", "dirfix", "dirfix", "dir fix", strong=False),
    _t("flags", "nfofix", "nfofix", "nfo fix", strong=False),
    _t("flags", "samplefix", "samplefix", "sample fix", strong=False),
    _t("flags", "syncfix", "syncfix", "sync fix", strong=False),
    _t("flags", "proof", "proof", "prooffix", strong=False),
    # --- other markers outside the main fields -----------------------------------------
    _t("other", "remux", "remux"),
    _t("other", "3d", "3d", "hsbs", "h sbs", "half sbs", "hou", "half ou"),
    _t("other", "hc", "hc", "hardsub", "hardsubs", "hardcoded"),
    _t("other", "hybrid", "hybrid", strong=False),
    _t("other", "voice-over", "lektor", "voiceover", strong=False),
    _t("other", "complete", "complete", strong=False),
    _t("other", "dual-audio", "dual audio", "dual", "dualaudio", strong=False),
    _t("other", "sdr", "sdr"),
    _t("other", "ws", "ws", "widescreen"),
    _t("other", "fs", "fs", "fullscreen", strong=False),
    _t("other", "retail", "retail", strong=False),
    _t("other", "line-audio", "line", "ld", "md", strong=False),
    _t("other", "upscaled", "upscaled", "upscale", "ai upscale"),
    _t("other", "converted", "converted", "conv", strong=False),
    _t("other", "ntsc", "ntsc"),
    _t("other", "pal", "pal"),
    _t("other", "nuked", "nuked", strong=False),
    _t("other", "obfuscated", "obfuscated", "obfuscation", strong=False),
    # markers of non-video releases: the name is kind "other" whatever else it says
    _t("other", "ebook", "ebook", "epub", "retail ebook"),
    _t("other", "audiobook", "audiobook", "abook"),
    # --- containers (as the name's extension, or written as a tag) ----------------------
    _t("container", "mkv", "mkv"),
    _t("container", "mp4", "mp4"),
    _t("container", "avi", "avi"),
    _t("container", "m2ts", "m2ts"),
    _t("container", "iso", "iso"),
    _t("container", "wmv", "wmv"),
    # --- site tags (the website that re-posted the release, not its group) ---------------
    _t("website", "ettv", "ettv", strong=False),
    _t("website", "eztv", "eztv", "eztv re", strong=False),
    _t("website", "rarbg", "rarbg", strong=False),
    _t("website", "tgx", "tgx", strong=False),
    _t("website", "yts", "yts", "yts mx", "yts am", "yts lt", "yts ag", "yify", strong=False),
    _t("website", "publichd", "publichd", strong=False),
    _t("website", "torrentgalaxy", "torrentgalaxy", strong=False),
    _t("website", "1337x", "1337x", strong=False),
    _t("website", "extratorrent", "extratorrent", strong=False),
    _t("website", "rartv", "rartv", strong=False),
    _t("website", "glodls", "glodls", strong=False),
    # --- P2P re-post suffixes after the group (recognised and dropped on purpose) --------
    _t(IGNORE, "p2p-suffix", "xpost", "postbot", "obfuscated", "scrambled", "asrequested",
       "buymore", "rp", "4p", "chamele0n", "sample", "rakuv", "rakuvfinhel", "rakuvfin",
       "rakuvus", "rakuvuk", "rakuv01", "rakuv02", "whiterev", "ws", "1", "nzbgeek", "pre",
       "alternativetorequested", "repost", "nzb", strong=False),
)
# fmt: on

# Non-ReleaseName fields handled specially by the parser: container and site tags are
# read from the name's edges; P2P suffixes only count right after the group.
EDGE_ONLY_FIELDS = frozenset({"container", "website", IGNORE})

# Video containers reported in `container` when they are the name's extension.
VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {"mkv", "mp4", "avi", "m4v", "wmv", "mov", "flv", "webm", "mpg", "mpeg", "m2ts", "ts"}
    | {"vob", "iso", "img", "ogm", "rmvb", "3gp"}
)
# Subtitle files: `-GRP.en.srt` carries the subtitle's language after the group.
SUBTITLE_EXTENSIONS: frozenset[str] = frozenset({"srt", "sub", "idx", "ass", "ssa", "vtt", "sup"})
# File extensions stripped from the end of a name (and reported as `container` when video).
EXTENSIONS: frozenset[str] = (
    VIDEO_EXTENSIONS
    | SUBTITLE_EXTENSIONS
    | {"nfo", "rar", "zip", "7z", "par2", "nzb", "torrent", "sfv", "jpg", "png", "txt", "wav"}
)

Assignment = tuple[str, str]
Hit = tuple[bool, tuple[Assignment, ...]]  # (strong, ((field, value), ...))


def _build() -> tuple[dict[str, Hit], dict[str, Hit], dict[str, int]]:
    single: dict[str, list[Assignment]] = {}
    compound: dict[str, list[Assignment]] = {}
    strength: dict[str, bool] = {}
    for term in TERMS:
        if term.field == IGNORE:
            continue  # handled through P2P_SUFFIXES
        for spelling in term.spellings:
            table = compound if " " in spelling else single
            table.setdefault(spelling, []).append((term.field, term.value))
            strength[spelling] = strength.get(spelling, False) or term.strong
    heads: dict[str, int] = {}
    for spelling in compound:
        parts = spelling.split(" ")
        heads[parts[0]] = max(heads.get(parts[0], 0), len(parts))
    return (
        {k: (strength[k], tuple(v)) for k, v in single.items()},
        {k: (strength[k], tuple(v)) for k, v in compound.items()},
        heads,
    )


LOOKUP, COMPOUNDS, COMPOUND_HEADS = _build()
P2P_SUFFIXES: frozenset[str] = frozenset(
    s for term in TERMS if term.field == IGNORE for s in term.spellings
)
SITE_TAGS: frozenset[str] = frozenset(
    s.replace(" ", ".") for term in TERMS if term.field == "website" for s in term.spellings
)


def render_markdown() -> str:
    """docs/vocabulary.md, rendered from TERMS so the docs and the code cannot drift."""
    lines = [
        "# Release-name vocabulary",
        "",
        "Generated from `src/scenescope/names/vocabulary.py` (`TERMS`); a test checks that",
        "this file matches it. Spellings are matched case-insensitively, one token at a time;",
        "a spelling with spaces is a compound of consecutive tokens, whatever separates them",
        "in the name (`WEB-DL`, `WEB.DL`, `web dl`). *Strong* terms end the title; weak ones",
        "(languages, editions, common words) only count once the title has ended.",
        "",
        "Patterned tokens are read by the tokenizer, not this table: `S01E02`, `S01E01E02`,",
        "`S01E01-E03`, `S01EP01`, `S01` and `S01-S03` (season packs), `1x02`, `2x04x05`,",
        "`E05`, `Season 2`, dates `2020.08.25` / `25.08.2020` / `2012.16.02` (day over 12),",
        "years 1890 to next year, `WxH` (nearest standard resolution), audio channels `5.1` /",
        "`DDP5.1`, and anime ` - 12` / ` - 12v2` / ` - 001-050`.",
        "",
        "Numbers written as words and bare digits (`names/numbering.py`): `Episode 5`,",
        "`Episodio 13`, `Folge`, `Odcinek`, `Capitulo`, `Ep 09`, `BLM 74`, `60.Bölüm`, `3.Sezon`,",
        "`Season 1 Episode 5-6`; mini-series `Part01` / `Part.2` and a bare `E07-E08` are season",
        "1 (`Part.1.2010` before a year is a film's title, `S06.Part.2` half a season); `5of9`;",
        "a dotted `Lost.103.HDTV` is S01E03; a spaced `Naruto 402 [720p]` is absolute episode",
        "402; dates `140722` (yymmdd), `20201013`, `31st Jan 2025`. Layouts rewritten first",
        "(`names/layouts.py`): a Usenet subject line is its quoted file name, CJK bracket-only",
        "names `[字幕组][Title][12][1080P]` read as `[字幕组] Title - 12`, `第12話` as ` - 12`,",
        "`[01/24]` and `{01}` as episode 1, `[Ukr/Eng]` as a language list.",
        "",
        "How sure a parse is: `unparsed` lists the words no rule explained (uploader tags,",
        "the encoder inside a P2P tag list, unknown words after the title), and `certain` is",
        "true only when nothing is unparsed, a marker ended the title (it did not run to the",
        "name's end), and the group, if any, is the `-GRP` after a marker or a leading",
        "`[Group]` rather than a spaced word or the `[TAG]` after an `(... Encoder)` list.",
        "Downstream matching should treat `certain = false` as a doubtful read.",
        "",
        "Spoken languages are `languages`; subtitle tags are `subtitles`: `VOSTFR`, `SUBITA`,",
        "any language right after `SUB`/`SUBS` (`SUB ITA ENG`), and the CJK script tags",
        "(`简繁`, `中字`, `CHS`/`CHT`, `GB`/`BIG5`), so a name with only subtitle tags has no",
        "spoken language. `国语` (Mandarin audio) is spoken.",
        "",
        "Choices: `DL` (German *dual language*) adds `de`; the original language is not",
        "written in the name, so it is only listed when another language tag is. `TrueHD` and",
        "`DDP` win over `Atmos` for `audio_codec` (Atmos is then kept in `other`). A streaming",
        "service without a source tag implies `source = web`. `resolution_alias` terms (`4K`,",
        "`UHD`) set `resolution` only when no explicit `NNNNp` is in the name. Names with an",
        "`ebook`/`audiobook` marker are kind `other`.",
        "",
        "| field | value | spellings | ends title |",
        "|---|---|---|---|",
    ]
    for term in TERMS:
        spellings = ", ".join(f"`{s}`" for s in term.spellings)
        lines.append(
            f"| {term.field} | `{term.value}` | {spellings} | {'yes' if term.strong else 'no'} |"
        )
    return "\n".join(lines) + "\n"
