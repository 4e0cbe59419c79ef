"""The simulator's name writer: titles become scene names the way groups write them —
transliterated to ASCII (ß → ss, é → e), `&` → and, words dotted — for any letters."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from scenescope.world import naming

FORMAT = naming.FORMATS["1080p.bluray.x264"]


def test_german_and_french_letters_transliterate() -> None:
    assert naming.dotted("Die Straße der Jäger") == "Die.Strasse.der.Jager"
    assert naming.dotted("La Fenêtre de l'Été") == "La.Fenetre.de.lEte"
    assert naming.dotted("Œuvre & Æther: Øresund") == "Oeuvre.and.Aether.Oresund"
    assert naming.movie_name("Große Nacht", 2020, FORMAT, "GRP") == \
        "Grosse.Nacht.2020.1080p.BluRay.x264-GRP"
    assert naming.episode_name("Łódź Nights", 1, 2, FORMAT, "GRP") == \
        "Lodz.Nights.S01E02.1080p.BluRay.x264-GRP"


def test_non_latin_scripts_are_romanized_not_dropped() -> None:
    assert naming.dotted("Москва") == "Moskva"
    assert naming.dotted("Ωμέγα 2") == "Omega.2"


@given(st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=1, max_size=12))
def test_every_letter_survives_in_ascii(word: str) -> None:
    name = naming.movie_name(f"{word} Story", 2020, FORMAT, "GRP")
    assert name.isascii()
    title = name.split(".2020.")[0]
    # a letter never collapses into a separator: the word keeps letters of its own
    assert title.endswith(".Story") or title == "Story"
    assert all(part for part in title.split("."))


def test_noise_names_carry_a_serial_and_never_repeat() -> None:
    rng = random.Random(3)
    day = dt.date(2020, 8, 19)
    for category in ("MP3", "FLAC", "MVID", "GAMES", "EBOOK", "PDA", "0DAY"):
        names = [naming.noise_name(category, "GRP", day, serial, rng) for serial in range(5000)]
        assert len(set(names)) == len(names), category
        assert all(name.endswith("-GRP") and name.isascii() for name in names)
