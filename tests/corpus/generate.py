"""Compose labeled release names from labeled parts; writes tests/corpus/generated.jsonl.

Every part (title, marker, group) carries its label, so each name's expected fields are
known by construction. Deterministic: the same seed always writes the same file.
Run: .venv/bin/python tests/corpus/generate.py
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("generated.jsonl")
SEED = 20200825

# (title as a P2P name writes it, year). Scene names drop what the naming rules forbid.
MOVIES: list[tuple[str, int]] = [
    ("The Irishman", 2019), ("Parasite", 2019), ("Knives Out", 2019), ("Joker", 2019),
    ("Ford v Ferrari", 2019), ("Little Women", 2019), ("Uncut Gems", 2019),
    ("Jojo Rabbit", 2019), ("Marriage Story", 2019), ("The Lighthouse", 2019),
    ("Tenet", 2020), ("Soul", 2020), ("Nomadland", 2020), ("Palm Springs", 2020),
    ("The Invisible Man", 2020), ("Bad Boys for Life", 2020), ("Onward", 2020),
    ("Minari", 2020), ("Promising Young Woman", 2020), ("Sound of Metal", 2020),
    ("Dune", 2021), ("The French Dispatch", 2021), ("No Time to Die", 2021),
    ("Free Guy", 2021), ("The Green Knight", 2021), ("Encanto", 2021), ("Pig", 2021),
    ("The Power of the Dog", 2021), ("Licorice Pizza", 2021), ("Nightmare Alley", 2021),
    ("The Batman", 2022), ("Top Gun: Maverick", 2022), ("Nope", 2022), ("Barbarian", 2022),
    ("The Banshees of Inisherin", 2022), ("Tar", 2022), ("Aftersun", 2022),
    ("Everything Everywhere All at Once", 2022), ("The Menu", 2022), ("Elvis", 2022),
    ("Oppenheimer", 2023), ("Barbie", 2023), ("Past Lives", 2023),
    ("Killers of the Flower Moon", 2023),
    ("Asteroid City", 2023), ("Saltburn", 2023), ("Poor Things", 2023), ("The Holdovers", 2023),
    ("Anatomy of a Fall", 2023), ("The Zone of Interest", 2023), ("Wonka", 2023),
    ("Civil War", 2024), ("Challengers", 2024), ("Furiosa: A Mad Max Saga", 2024),
    ("Inside Out 2", 2024), ("Longlegs", 2024), ("Twisters", 2024), ("Conclave", 2024),
    ("The Wild Robot", 2024), ("Anora", 2024), ("The Substance", 2024), ("Wicked", 2024),
    ("Heat", 1995), ("Casino", 1995), ("Fargo", 1996), ("Titanic", 1997), ("Gattaca", 1997),
    ("The Matrix", 1999), ("Fight Club", 1999), ("Magnolia", 1999), ("Gladiator", 2000),
    ("Memento", 2000), ("Amelie", 2001), ("Zodiac", 2007), ("No Country for Old Men", 2007),
    ("There Will Be Blood", 2007), ("The Dark Knight", 2008), ("Inception", 2010),
    ("Drive", 2011), ("Skyfall", 2012), ("Gravity", 2013), ("Her", 2013), ("Whiplash", 2014),
    ("Interstellar", 2014), ("Mad Max: Fury Road", 2015), ("Sicario", 2015), ("Arrival", 2016),
    ("Moonlight", 2016), ("Get Out", 2017), ("Dunkirk", 2017), ("Lady Bird", 2017),
    ("Roma", 2018), ("Hereditary", 2018), ("Widows", 2018), ("Shoplifters", 2018),
    ("Ocean's Eleven", 2001), ("Schindler's List", 1993), ("Pan's Labyrinth", 2006),
    ("Harry Potter and the Goblet of Fire", 2005), ("Kill Bill: Vol. 1", 2003),
    ("Star Wars: The Last Jedi", 2017), ("Spider-Man: Into the Spider-Verse", 2018),
    ("Spider-Man No Way Home", 2021), ("X-Men Days of Future Past", 2014), ("Ant-Man", 2015),
    ("Blade Runner 2049", 2017), ("2012", 2009), ("1917", 2019), ("Apollo 13", 1995),
    ("10 Cloverfield Lane", 2016), ("300", 2006), ("Fantastic 4", 2015), ("21 Jump Street", 2012),
    ("2001 A Space Odyssey", 1968), ("Ocean's 8", 2018), ("The Thing", 1982), ("The Thing", 2011),
    ("Suspiria", 1977), ("Suspiria", 2018), ("Dune", 1984), ("A Star Is Born", 2018),
    ("A Star Is Born", 1976), ("Halloween", 2018), ("Halloween", 1978), ("It", 2017),
    ("Us", 2019), ("Up", 2009), ("Se7en", 1995), ("Wall-E", 2008), ("Jay-Z Made in America", 2013),
    ("Glass Onion: A Knives Out Mystery", 2022), ("Ready or Not", 2019), ("Crawl", 2019),
    # invented titles
    ("The Quiet Cartographer", 2021), ("Harbor of Small Lights", 2022),
    ("Northbound Freight", 2020),
    ("Salt and Copper", 2023), ("The Ninth Orchard", 2019), ("Glasswing", 2024),
    ("Midnight at the Aquarium", 2018), ("Red Meridian", 2022), ("Paper Wolves", 2021),
    ("The Long Quiet", 2020), ("Lanterns over Kyiv", 2023), ("Stonefruit", 2024),
]

SHOWS: list[tuple[str, int | None]] = [
    ("Breaking Bad", None), ("Better Call Saul", None), ("The Wire", None),
    ("Stranger Things", None), ("The Crown", None), ("Succession", None), ("Severance", None),
    ("The Mandalorian", None), ("Ted Lasso", None), ("The Boys", None), ("Loki", None),
    ("House of the Dragon", None), ("The Last of Us", None), ("Slow Horses", None),
    ("Yellowstone", None), ("Abbott Elementary", None), ("The Bear", None), ("Shogun", 2024),
    ("Doctor Who", 2005), ("Battlestar Galactica", 2004), ("Fargo", None), ("Dark", None),
    ("Peaky Blinders", None), ("Line of Duty", None), ("Grey's Anatomy", None),
    ("Law and Order SVU", None), ("NCIS", None), ("9-1-1", None), ("9-1-1 Lone Star", None),
    ("The 4400", None), ("Room 104", None), ("1923", None), ("Blue Bloods", None),
    ("Survivor", None), ("The Amazing Race", None), ("MasterChef Australia", None),
    ("Only Murders in the Building", None), ("What We Do in the Shadows", None),
    ("Star Trek Strange New Worlds", None), ("Andor", None), ("The Rings of Power", None),
    ("Beef", None), ("Hacks", None), ("Reservation Dogs", None), ("Foundation", None),
    ("Silo", None), ("The Morning Show", None), ("Perry Mason", 2020), ("Dune Prophecy", None),
    ("Derry Girls", None), ("The Walking Dead", None), ("Vikings", None), ("Outlander", None),
    # invented shows
    ("Harbor Patrol Nine", None), ("The Copper Valley", None), ("Night Shift Bakers", None),
    ("Tidewater", None), ("The Glass Orchard", 2022), ("Lowland Detectives", None),
]

DAILY_SHOWS = [
    "The Daily Show", "Jimmy Kimmel Live", "The Late Show with Stephen Colbert",
    "Late Night with Seth Meyers", "The Tonight Show Starring Jimmy Fallon", "Conan",
    "WWE Monday Night Raw", "WWE SmackDown", "The View", "Real Time with Bill Maher",
    "Last Week Tonight with John Oliver", "Countdown", "Newsnight", "Pointless",
]

EPISODE_TITLES = [
    "Pilot", "The Long Night", "Homecoming", "Ozymandias", "Chapter One", "Winter Is Here",
    "The Reckoning", "Old Friends", "Day One", "Smoke and Mirrors", "Fault Lines",
    "A Quiet Place to Land", "The Signal", "Crossroads", "Ashes",
]

SCENE_GROUPS = [
    "SPARKS", "GECKOS", "DRONES", "ROVERS", "SPRiNTER", "AMIABLE", "DEFLATE", "ROVERS",
    "TERMiNAL", "SiNNERS", "BLOW", "PSYCHD", "CiNEFiLE", "iNFAMOUS", "DiAMOND", "SAPHiRE",
    "VETO", "METiS", "KiNGS", "DEMAND", "USURY", "EiDER", "LiViDiTY", "SHORTBREHD", "W4F",
    "BRMP", "Replica", "GUACAMOLE", "ViETNAM", "HAiKU", "WiKi", "CADAVER", "SNOW", "TOPAZ",
]
WEB_GROUPS = [
    "NTb", "NTG", "FLUX", "CMRG", "TEPES", "EDITH", "GLHF", "SLOT", "CAKES", "MiNX", "ION10",
    "playWEB", "KOGi", "SMURF", "APEX", "BYNDR", "WELP", "EVO", "TOMMY", "NOGRP", "DUSTiN",
    "PECULATE", "SiGMA", "GGWP", "MIXED", "RAWR", "PHOENiX", "ELiTE", "XEN0N",
]
TV_GROUPS = [
    "KILLERS", "LOL", "DIMENSION", "AVS", "SVA", "FLEET", "MORiTZ", "BAE", "SORNY", "TBS",
    "CROOKS", "ROBOTS", "FQM", "ASAP", "IMMERSE", "KOMPOST", "JETSET", "PLUTONiUM", "BATV",
    "SYNCOPY", "GALAXY", "W4F", "CBFM", "DEADPOOL",
]
P2P_GROUPS = [
    "RARBG", "GalaxyRG", "YIFY", "FGT", "EVO", "QxR", "PSA", "MkvCage", "ETRG", "ShAaNiG",
    "HDChina", "CtrlHD", "DON", "EbP", "HiFi", "SbR", "NCmt", "BHDStudio", "Chotab", "decibeL",
    "iFT", "FraMeSToR", "HONE", "playHD", "TayTO", "ZQ", "Geek", "KRaLiMaRKo", "BeyondHD",
]
CAM_GROUPS = ["HDCAMRip", "CM8", "PSYCHD", "ETRG", "SyncUP", "FreeCam", "DiRTY", "VAiN"]
ANIME_GROUPS = [
    "SubsPlease", "Erai-raws", "HorribleSubs", "Judas", "EMBER", "ASW", "Commie", "GJM",
    "Kametsu", "Anime Time", "Tsundere-Raws", "DKB", "Cleo", "Vodes", "Yameii",
]
ANIME = [
    "Jujutsu Kaisen", "One Piece", "Frieren", "Chainsaw Man", "Spy x Family", "Bocchi the Rock",
    "Dandadan", "Oshi no Ko", "Kaiju No 8", "Blue Lock", "Vinland Saga", "Mob Psycho 100",
    "Dr Stone", "Boruto", "Made in Abyss", "Mushoku Tensei", "Solo Leveling", "Detective Conan",
    "Demon Slayer", "Haikyuu", "Tokyo Revengers", "Black Clover", "Re Zero",
]

LANGS = [
    ("FRENCH", "fr"), ("TRUEFRENCH", "fr"), ("GERMAN", "de"), ("iTALiAN", "it"),
    ("SPANiSH", "es"), ("DUTCH", "nl"), ("POLiSH", "pl"), ("SWEDiSH", "sv"), ("DANiSH", "da"),
    ("FiNNiSH", "fi"), ("NORWEGiAN", "no"), ("KOREAN", "ko"), ("JAPANESE", "ja"),
    ("RUSSiAN", "ru"), ("HiNDi", "hi"), ("CZECH", "cs"), ("HUNGARiAN", "hu"),
    ("PORTUGUESE", "pt"), ("TURKiSH", "tr"), ("CHiNESE", "zh"),
]
EDITIONS = [
    ("EXTENDED", ["extended"]), ("UNRATED", ["unrated"]), ("DC", ["directors-cut"]),
    ("DIRECTORS.CUT", ["directors-cut"]), ("THEATRICAL", ["theatrical"]), ("IMAX", ["imax"]),
    ("REMASTERED", ["remastered"]), ("UNCUT", ["uncut"]), ("CRITERION", ["criterion"]),
    ("EXTENDED.CUT", ["extended"]), ("UNRATED.DC", ["unrated", "directors-cut"]),
]
FLAGS = [
    ("PROPER", ["proper"]), ("REPACK", ["repack"]), ("RERIP", ["rerip"]),
    ("REAL.PROPER", ["real", "proper"]), ("iNTERNAL", ["internal"]), ("INTERNAL", ["internal"]),
    ("LIMITED", ["limited"]), ("FESTIVAL", ["festival"]), ("STV", ["stv"]),
    ("READ.NFO", ["read-nfo"]), ("READNFO", ["read-nfo"]), ("DIRFIX", ["dirfix"]),
    ("NFOFIX", ["nfofix"]), ("SAMPLEFIX", ["samplefix"]), ("SYNCFIX", ["syncfix"]),
    ("SUBBED", ["subbed"]), ("PROPER.REPACK", ["proper", "repack"]),
    ("LIMITED.iNTERNAL", ["limited", "internal"]), ("REPACK2", ["repack"]),
]
SERVICES = [
    ("AMZN", "AMZN"), ("NF", "NF"), ("DSNP", "DSNP"), ("HMAX", "HMAX"), ("ATVP", "ATVP"),
    ("HULU", "HULU"), ("PCOK", "PCOK"), ("MAX", "MAX"), ("PMTP", "PMTP"), ("iT", "IT"),
]
# (token, audio_codec, audio_channels) for P2P-style audio tags
AUDIO_SPACE = [
    ("AAC 2.0", "aac", "2.0"), ("AAC5.1", "aac", "5.1"), ("DD 5.1", "ac3", "5.1"),
    ("DDP 5.1", "eac3", "5.1"), ("DTS-HD MA 5.1", "dts-hd", "5.1"),
    ("DTS-HD MA 7.1", "dts-hd", "7.1"),
    ("DTS 5.1", "dts", "5.1"), ("TrueHD 7.1", "truehd", "7.1"), ("FLAC 2.0", "flac", "2.0"),
    ("AC3 5.1", "ac3", "5.1"), ("EAC3 5.1", "eac3", "5.1"), ("Opus 5.1", "opus", "5.1"),
    ("LPCM 2.0", "pcm", "2.0"), ("AAC", "aac", None), ("AC3", "ac3", None), ("DTS", "dts", None),
]
AUDIO_DOT = [
    ("AAC2.0", "aac", "2.0"), ("AAC5.1", "aac", "5.1"), ("DD5.1", "ac3", "5.1"),
    ("DD2.0", "ac3", "2.0"), ("DDP5.1", "eac3", "5.1"), ("DDP2.0", "eac3", "2.0"),
    ("DD+5.1", "eac3", "5.1"), ("DTS-HD.MA.5.1", "dts-hd", "5.1"),
    ("DTS-HD.MA.7.1", "dts-hd", "7.1"),
    ("DTS", "dts", None), ("TrueHD.7.1", "truehd", "7.1"), ("DTS-X.7.1", "dtsx", "7.1"),
    ("FLAC.2.0", "flac", "2.0"), ("AC3", "ac3", None), ("EAC3", "eac3", None),
    ("DTS-HD.MA", "dts-hd", None), ("TrueHD", "truehd", None), ("LPCM.2.0", "pcm", "2.0"),
]
HDRS = [
    ("HDR", ["hdr10"]), ("HDR10", ["hdr10"]), ("HDR10+", ["hdr10+"]), ("DV", ["dv"]),
    ("DV.HDR", ["dv", "hdr10"]), ("HLG", ["hlg"]), ("DoVi", ["dv"]), ("HDR10Plus", ["hdr10+"]),
]

# Tracker tags glued after the group name the site that re-posted it, not the group.
SITE_TAGS = {"[tgx]": "tgx", "[rarbg]": "rarbg", "[ettv]": "ettv", "[eztv]": "eztv"}

Case = dict[str, Any]


def scene_title(title: str) -> str:
    """Scene naming rules allow letters, digits, dots, dashes: drop the rest."""
    cleaned = re.sub(r"[^A-Za-z0-9\- ]", "", title.replace("&", "and"))
    return re.sub(r" +", " ", cleaned).strip()


def dotted(words: str) -> str:
    return words.replace(" ", ".")


def case(name: str, expected: dict[str, Any], tags: list[str]) -> Case:
    return {"name": name, "expected": expected, "tags": sorted({*tags, "generated"})}


def scene_movie(rng: random.Random) -> Case:
    title, year = rng.choice(MOVIES)
    clean = scene_title(title)
    parts = [dotted(clean), str(year)]
    exp: dict[str, Any] = {"title": clean, "year": year, "kind": "movie"}
    tags = ["movie", "scene"]
    if rng.random() < 0.15:
        token, edition = rng.choice(EDITIONS)
        parts.append(token)
        exp["edition"] = edition
        tags.append("edition")
    flags: list[str] = []
    if rng.random() < 0.25:
        token, flags = rng.choice(FLAGS)
        parts.append(token)
        tags.append("flags")
    exp["flags"] = flags
    if rng.random() < 0.2:
        token, code = rng.choice(LANGS)
        parts.append(token)
        exp["languages"] = [code]
        tags.append("non-english")
        if code == "de" and rng.random() < 0.5:
            parts.append("DL")
            exp.pop("languages")
            exp["languages_contains"] = ["de"]
    kind = rng.random()
    group = rng.choice(SCENE_GROUPS)
    if kind < 0.35:
        res = rng.choice(["720p", "1080p", "1080p", "2160p"])
        if res == "2160p":
            parts += [res, "UHD.BluRay", "x265"]
            exp.update(source="uhd-bluray", video_codec="h265")
        else:
            parts += [res, "BluRay", "x264"]
            exp.update(source="bluray", video_codec="h264")
        exp["resolution"] = res
    elif kind < 0.45:
        token = rng.choice(["BDRip", "BRRip", "BDRip", "DVDRip"])
        codec = rng.choice([("x264", "h264"), ("XviD", "xvid")])
        parts += [token, codec[0]]
        exp.update(source="dvd" if token == "DVDRip" else "bluray", video_codec=codec[1])
    elif kind < 0.5:
        token = rng.choice(["PAL.DVDR", "NTSC.DVDR", "COMPLETE.BLURAY", "COMPLETE.UHD.BLURAY"])
        parts.append(token)
        exp["source"] = {"PAL.DVDR": "dvd", "NTSC.DVDR": "dvd", "COMPLETE.BLURAY": "bluray"}.get(
            token, "uhd-bluray"
        )
    elif kind < 0.75:
        res = rng.choice(["720p", "1080p", "2160p"])
        parts.append(res)
        exp["resolution"] = res
        if res == "2160p" and rng.random() < 0.6:
            token, hdr = rng.choice(HDRS[:6])
            parts.insert(-1, token)  # scene rules put HDR before the resolution
            exp["hdr"] = hdr
            tags.append("hdr")
        web = rng.choice([("WEB", "web"), ("WEB", "web"), ("WEBRip", "webrip")])
        codec = rng.choice([("H264", "h264"), ("x264", "h264"), ("H265", "h265"), ("x265", "h265")])
        parts += [web[0], codec[0]]
        exp.update(source=web[1], video_codec=codec[1])
        group = rng.choice(WEB_GROUPS)
    else:
        token, source = rng.choice([
            ("CAM", "cam"), ("HDCAM", "cam"), ("TS", "telesync"), ("HDTS", "telesync"),
            ("TELESYNC", "telesync"), ("TC", "telecine"), ("HDTC", "telecine"),
            ("TELECINE", "telecine"), ("DVDSCR", "screener"), ("BDSCR", "screener"),
            ("SCREENER", "screener"), ("WORKPRINT", "workprint"), ("HDTV", "hdtv"),
        ])
        if rng.random() < 0.4 and source != "workprint":
            res = rng.choice(["720p", "1080p"])
            parts.append(res)
            exp["resolution"] = res
        codec = rng.choice([("x264", "h264"), ("XviD", "xvid"), ("H264", "h264")])
        parts += [token, codec[0]]
        exp.update(source=source, video_codec=codec[1])
        group = rng.choice(CAM_GROUPS + SCENE_GROUPS[:6])
        if source in {"cam", "telesync", "telecine", "screener"}:
            tags.append("pre-release")
    exp["group"] = group
    if group != group.upper():
        tags.append("odd-group")
    return case(".".join(parts) + "-" + group, exp, tags)


def p2p_movie(rng: random.Random) -> Case:
    title, year = rng.choice(MOVIES)
    exp: dict[str, Any] = {"year": year, "kind": "movie"}
    tags = ["movie", "p2p"]
    res = rng.choice(["720p", "1080p", "1080p", "2160p", "480p"])
    source_token, source = rng.choice([
        ("BluRay", "bluray"), ("WEB-DL", "web"), ("WEBRip", "webrip"), ("BRRip", "bluray"),
        ("BDRip", "bluray"), ("WEB-DL", "web"), ("HDRip", None), ("DVDRip", "dvd"),
    ])
    codec_token, codec = rng.choice([
        ("x264", "h264"), ("x265", "h265"), ("HEVC", "h265"), ("H.264", "h264"),
        ("AVC", "h264"), ("H.265", "h265"), ("AV1", "av1"),
    ])
    exp.update(resolution=res, video_codec=codec)
    # a 2160p "BluRay"/"BRRip" could be a UHD disc or an upscale: a careful reader can't say
    if source and not (res == "2160p" and source == "bluray"):
        exp["source"] = source
    style = rng.randrange(6)
    group: str | None = rng.choice(P2P_GROUPS)
    audio_token, audio, channels = rng.choice(AUDIO_SPACE)
    exp["audio_codec"] = audio
    if channels:
        exp["audio_channels"] = channels
    service = None
    if source == "web" and rng.random() < 0.6:
        service = rng.choice(SERVICES)
        exp["streaming_service"] = service[1]
    svc = f"{service[0]} " if service else ""
    if style == 0:  # Title (Year) 1080p BluRay x264 AAC-GRP
        exp["title"] = title
        name = f"{title} ({year}) {res} {svc}{source_token} {codec_token} {audio_token}-{group}"
    elif style == 1:  # Title (Year) [1080p] [BluRay] [x265] [AAC 5.1]
        exp["title"] = title
        name = f"{title} ({year}) [{res}] [{svc}{source_token}] [{codec_token}] [{audio_token}]"
        group = None
        tags.append("no-group")
    elif style == 2:  # dotted P2P with audio: Title.2019.1080p.AMZN.WEB-DL.DDP5.1.H.264-GRP
        audio_token, audio, channels = rng.choice(AUDIO_DOT)
        exp["audio_codec"] = audio
        exp.pop("audio_channels", None)
        if channels:
            exp["audio_channels"] = channels
        clean = scene_title(title)
        exp["title"] = clean
        svc = f"{service[0]}." if service else ""
        name = (
            f"{dotted(clean)}.{year}.{res}.{svc}{source_token}.{audio_token}."
            f"{codec_token.replace(' ', '.')}-{group}"
        )
    elif style == 3:  # file with extension: Title (2019) 1080p WEB-DL x264-GRP.mkv
        container = rng.choice(["mkv", "mp4", "avi", "mkv"])
        exp.update(title=title, container=container)
        name = f"{title} ({year}) {res} {svc}{source_token} {codec_token} {audio_token}-{group}"
        name += f".{container}"
        tags.append("container")
    elif style == 4:  # tracker tag suffix: -GRP[TGx] / -GRP[rarbg] / [ettv]
        clean = scene_title(title)
        exp["title"] = clean
        tag = rng.choice(["[TGx]", "[rarbg]", "[ettv]", "[EtHD]", "[eztv]", "[PRiME]"])
        if tag.lower() in SITE_TAGS:
            exp["website"] = SITE_TAGS[tag.lower()]
        svc = f"{service[0]}." if service else ""
        name = f"{dotted(clean)}.{year}.{res}.{svc}{source_token}.{codec_token}-{group}{tag}"
        exp.pop("audio_codec")
        exp.pop("audio_channels", None)
        tags.append("site-tag")
    else:  # no group at all: Title 2019 1080p BluRay x264 DTS
        exp["title"] = title
        name = f"{title} {year} {res} {svc}{source_token} {codec_token} {audio_token}"
        group = None
        tags.append("no-group")
    if res == "2160p" and style in (0, 3, 5) and rng.random() < 0.6:
        token, hdr = rng.choice(HDRS)
        name = name.replace(f" {res} ", f" {res} {token.replace('.', ' ')} ", 1)
        exp["hdr"] = hdr
        tags.append("hdr")
    if rng.random() < 0.25 and style in (0, 2, 3):
        bit_token = rng.choice(["10bit", "10-bit"])
        name = name.replace(f"{codec_token}", f"{codec_token} {bit_token}", 1)
        if style == 2:
            name = name.replace(f" {bit_token}", f".{bit_token}", 1)
        exp["bit_depth"] = 10
    exp["group"] = group
    return case(name, exp, tags)


def tv_episode(rng: random.Random) -> Case:
    show, year = rng.choice(SHOWS)
    clean = scene_title(show)
    season = rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 11, 19])
    first = rng.randint(1, 22)
    exp: dict[str, Any] = {"title": clean, "kind": "episode", "season": season}
    tags = ["episode", "tv"]
    if year:
        exp["year"] = year
    shape = rng.random()
    if shape < 0.7:
        episodes = [first]
        code = f"S{season:02d}E{first:02d}"
    elif shape < 0.82:
        episodes = [first, first + 1]
        code = f"S{season:02d}E{first:02d}E{first + 1:02d}"
        tags.append("multi-episode")
    elif shape < 0.9:
        episodes = [first, first + 1, first + 2]
        code = f"S{season:02d}E{first:02d}-E{first + 2:02d}"
        tags.append("multi-episode")
    else:
        episodes = [first]
        code = f"{season}x{first:02d}"
        tags.append("nxnn")
    exp["episodes"] = episodes
    parts = [dotted(clean)] + ([str(year)] if year else []) + [code]
    if rng.random() < 0.3:
        episode_title = rng.choice(EPISODE_TITLES)
        parts.append(dotted(episode_title))
        exp["episode_title"] = episode_title
        tags.append("episode-title")
    flags: list[str] = []
    if rng.random() < 0.15:
        token, flags = rng.choice(FLAGS[:7] + FLAGS[11:12] + FLAGS[16:17])
        parts.append(token)
        tags.append("flags")
    exp["flags"] = flags
    if rng.random() < 0.1:
        token, code_lang = rng.choice(LANGS[:8])
        parts.append(token)
        exp["languages"] = [code_lang]
        tags.append("non-english")
    style = rng.random()
    if style < 0.3:
        res = rng.choice(["720p", "1080p", None])
        if res:
            parts.append(res)
            exp["resolution"] = res
        parts += ["HDTV", "x264"]
        exp.update(source="hdtv", video_codec="h264")
        group = rng.choice(TV_GROUPS)
        tags.append("scene")
    elif style < 0.6:
        res = rng.choice(["720p", "1080p", "2160p"])
        parts += [res, "WEB", rng.choice(["H264", "h264", "x264"])]
        exp.update(resolution=res, source="web", video_codec="h264")
        group = rng.choice(WEB_GROUPS + TV_GROUPS[:5])
        tags.append("scene")
    else:
        res = rng.choice(["720p", "1080p", "2160p"])
        service = rng.choice(SERVICES)
        audio_token, audio, channels = rng.choice(AUDIO_DOT[:8])
        web = rng.choice([("WEB-DL", "web"), ("WEBRip", "webrip"), ("WEB-DL", "web")])
        codec = rng.choice([("H.264", "h264"), ("H.265", "h265"), ("x264", "h264")])
        parts += [res, service[0], web[0], audio_token, codec[0]]
        exp.update(
            resolution=res, streaming_service=service[1], source=web[1], video_codec=codec[1],
            audio_codec=audio,
        )
        if channels:
            exp["audio_channels"] = channels
        group = rng.choice(WEB_GROUPS)
        tags.append("p2p")
    name = ".".join(parts) + "-" + group
    if rng.random() < 0.1:
        tag = rng.choice(["[ettv]", "[eztv]", "[rarbg]", "[TGx]"])
        name += tag
        exp["website"] = SITE_TAGS[tag.lower()]
        tags.append("site-tag")
    exp["group"] = group
    if group != group.upper():
        tags.append("odd-group")
    return case(name, exp, tags)


def daily_show(rng: random.Random) -> Case:
    show = rng.choice(DAILY_SHOWS)
    clean = scene_title(show)
    year = rng.randint(2012, 2025)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = f"{year:04d}-{month:02d}-{day:02d}"
    guest = rng.choice(["Tom.Hanks", "Greta.Gerwig", "Zendaya", "Pedro.Pascal", "Ayo.Edebiri", ""])
    res = rng.choice(["480p", "720p", "1080p", None])
    group = rng.choice(TV_GROUPS + WEB_GROUPS[:6])
    parts = [dotted(clean), f"{year}.{month:02d}.{day:02d}"]
    exp: dict[str, Any] = {"title": clean, "kind": "episode", "date": date, "group": group}
    if guest:
        parts.append(guest)
    if res:
        parts.append(res)
        exp["resolution"] = res
    source = rng.choice([("HDTV", "hdtv"), ("WEB", "web")])
    parts += [source[0], rng.choice(["x264", "h264"])]
    exp.update(source=source[1], video_codec="h264")
    return case(".".join(parts) + "-" + group, exp, ["daily", "episode", "scene", "tv"])


def season_pack(rng: random.Random) -> Case:
    show, year = rng.choice(SHOWS)
    clean = scene_title(show)
    exp: dict[str, Any] = {"title": clean, "kind": "episode", "season_pack": True}
    if year:
        exp["year"] = year
    parts = [dotted(clean)] + ([str(year)] if year else [])
    shape = rng.randrange(4)
    if shape <= 1:
        season = rng.randint(1, 9)
        parts.append(f"S{season:02d}")
        exp["season"] = season
        exp["episodes"] = []
    elif shape == 2:
        parts.append(rng.choice(["Complete.Series", "COMPLETE.SERIES", "The.Complete.Series"]))
    else:
        last = rng.randint(2, 6)
        parts.append(f"S01-S{last:02d}")
    res = rng.choice(["720p", "1080p", "2160p"])
    source = rng.choice([("BluRay", "bluray"), ("WEB", "web"), ("WEB-DL", "web")])
    codec = rng.choice([("x264", "h264"), ("x265", "h265"), ("H264", "h264")])
    group = rng.choice(SCENE_GROUPS + WEB_GROUPS[:8])
    parts += [res, source[0], codec[0]]
    exp.update(resolution=res, source=source[1], video_codec=codec[1], group=group)
    return case(".".join(parts) + "-" + group, exp, ["season-pack", "episode", "tv", "scene"])


def anime(rng: random.Random) -> Case:
    title = rng.choice(ANIME)
    group = rng.choice(ANIME_GROUPS)
    long_running = title in {"One Piece", "Detective Conan", "Boruto", "Black Clover"}
    number = rng.randint(100, 1120) if long_running else rng.randint(1, 26)
    res = rng.choice(["720p", "1080p", "480p"])
    exp: dict[str, Any] = {
        "title": title, "kind": "episode", "episodes": [number], "group": group,
        "resolution": res,
    }
    crc = "".join(rng.choice("0123456789ABCDEF") for _ in range(8))
    shape = rng.randrange(4)
    container = rng.choice(["mkv", "mkv", "mp4"])
    if shape == 0:
        name = f"[{group}] {title} - {number:02d} ({res}) [{crc}].{container}"
        exp["container"] = container
    elif shape == 1:
        name = f"[{group}] {title} - {number:02d} [{res}].{container}"
        exp["container"] = container
    elif shape == 2:
        codec = rng.choice([("HEVC", "h265"), ("x264", "h264"), ("x265", "h265")])
        name = f"[{group}] {title} - {number:02d} [Web {res} {codec[0]} AAC] [{crc}]"
        exp.update(video_codec=codec[1], audio_codec="aac")
    else:
        name = f"[{group}] {title} - {number:02d} [BD {res} Hi10P FLAC][{crc}].mkv"
        exp.update(bit_depth=10, audio_codec="flac", source="bluray", container="mkv")
    exp["absolute_episode"] = number > 0
    return case(name, exp, ["anime", "episode", "p2p"])


def other_kind(rng: random.Random) -> Case:
    """Music, games, apps, ebooks: not films or TV; kind 'other' and the group still counts."""
    shape = rng.randrange(6)
    if shape == 0:
        artist = rng.choice(["Nils_Frahm", "Taylor_Swift", "Radiohead", "Burial", "Bicep", "VA"])
        album = rng.choice(
            ["Spaces", "Night_Songs", "Kid_A_Mnesia", "Antidawn", "Isles", "Summer_Hits"]
        )
        year = rng.randint(2015, 2024)
        group = rng.choice(["ENRiCH", "FATHEAD", "MARiBOR", "C4", "PsyCZ", "D2H", "BF"])
        fmt = rng.choice(["WEB", "CD", "WEB-FLAC", "2CD", "Vinyl"])
        name = f"{artist}-{album}-{fmt}-{year}-{group}"
        exp: dict[str, Any] = {"kind": "other", "group": group}
        tags = ["music"]
    elif shape == 1:
        game = rng.choice(["Hollow.Knight", "Stardew.Valley", "Disco.Elysium", "Hades", "Celeste"])
        version = f"v{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
        group = rng.choice(["CODEX", "PLAZA", "SKIDROW", "TENOKE", "RUNE", "DOGE", "FLT"])
        name = f"{game}.Update.{version}-{group}"
        exp = {"kind": "other", "group": group}
        tags = ["game"]
    elif shape == 2:
        game = rng.choice(["Metroid_Dread", "Mario_Kart_8", "Zelda_Echoes", "Pikmin_4"])
        group = rng.choice(["SUXXORS", "VENOM", "BigBlueBox", "LiGHTFORCE"])
        platform = rng.choice(["NSW", "PS4", "PS5", "XBOX360"])
        name = f"{game}_{platform}-{group}"
        exp = {"kind": "other", "group": group}
        tags = ["game"]
    elif shape == 3:
        app = rng.choice(
            ["Sublime.Text", "Blender", "VLC.Media.Player", "Affinity.Photo", "DaVinci.Resolve"]
        )
        group = rng.choice(["BTCR", "F4CG", "TBE", "AMPED", "DVT", "XFORCE"])
        arch = rng.choice(["x64", "x86", "MacOS", "Linux", "Multilingual"])
        version = f"v{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}"
        name = f"{app}.{version}.{arch}.Incl.Keygen-{group}"
        exp = {"kind": "other", "group": group}
        tags = ["app"]
    elif shape == 4:
        publisher = rng.choice(["OReilly", "Packt", "Wiley", "Penguin", "Manning"])
        book = rng.choice(
            ["Fluent.Python", "Learning.Rust", "The.Art.of.Statistics", "Designing.Data"]
        )
        fmt = rng.choice(["EPUB", "PDF", "MOBI", "AZW3"])
        group = rng.choice(["BitBook", "DiSTRiBUTiON", "LiBRiS", "PAGEMASTER", "ePUBGRP"])
        name = f"{publisher}.{book}.{rng.randint(2015, 2024)}.RETAIL.{fmt}.eBook-{group}"
        exp = {"kind": "other", "group": group}
        tags = ["ebook"]
    else:
        artist = rng.choice(["Pink_Floyd", "Daft_Punk", "Miles_Davis", "Bjork"])
        album = rng.choice(["Live_at_Pompeii", "Discovery", "Kind_of_Blue", "Vespertine"])
        group = rng.choice(["FLACME", "MOD", "NBFLAC", "DDAS"])
        name = f"{artist}-{album}-(Remastered)-{rng.randint(2005, 2024)}-FLAC-{group}"
        exp = {"kind": "other", "group": group}
        tags = ["music"]
    return case(name, exp, ["other", "scene", *tags])


RECIPES: list[tuple[Callable[[random.Random], Case], int]] = [
    (scene_movie, 470), (p2p_movie, 260), (tv_episode, 360), (daily_show, 80),
    (season_pack, 80), (anime, 100), (other_kind, 90),
]


def generate(seed: int = SEED) -> list[Case]:
    """Every recipe's quota of distinct names, in a stable order."""
    rng = random.Random(seed)
    seen: set[str] = set()
    cases: list[Case] = []
    for recipe, quota in RECIPES:
        made, attempts = 0, 0
        while made < quota and attempts < quota * 20:
            attempts += 1
            item = recipe(rng)
            if item["name"] in seen:
                continue
            seen.add(item["name"])
            cases.append(item)
            made += 1
    return cases


def main() -> None:
    cases = generate()
    with OUT.open("w", encoding="utf-8") as handle:
        for item in cases:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
