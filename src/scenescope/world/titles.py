"""Fictional titles for the simulated catalog: the word lists and the maker that draws
English, French and German titles and romanized anime names, never repeating a title's
scene-name form unless asked (remakes and namesakes)."""

from __future__ import annotations

import random

from scenescope.world.config import CatalogSection
from scenescope.world.naming import name_key

_ADJ = (
    "Silent",
    "Broken",
    "Crimson",
    "Hidden",
    "Last",
    "Golden",
    "Frozen",
    "Wild",
    "Dark",
    "Burning",
    "Distant",
    "Hollow",
    "Iron",
    "Lonely",
    "Midnight",
    "Northern",
    "Paper",
    "Quiet",
    "Restless",
    "Scarlet",
    "Shallow",
    "Sleeping",
    "Stolen",
    "Sunken",
    "Tender",
    "Velvet",
    "Wicked",
    "Bitter",
    "Blind",
    "Bright",
    "Cold",
    "Endless",
    "Fading",
    "Gentle",
    "Lost",
    "Savage",
    "Secret",
    "Shattered",
    "Twisted",
    "Final",
    "Electric",
    "Hungry",
    "Perfect",
    "Amber",
    "Ancient",
    "Brave",
    "Careless",
    "Crooked",
    "Dusty",
    "Empty",
    "Fearless",
    "Fragile",
    "Glass",
    "Heavy",
    "Honest",
    "Jagged",
    "Little",
    "Marble",
    "Narrow",
    "Open",
    "Pale",
    "Proud",
    "Rusty",
    "Salt",
    "Silver",
    "Steady",
    "Strange",
    "Sudden",
    "Swift",
    "Tall",
    "Wandering",
)
_NOUN = (
    "Harbor",
    "Orchard",
    "Signal",
    "Meadow",
    "Lantern",
    "Frontier",
    "Witness",
    "Passage",
    "Horizon",
    "Garden",
    "Kingdom",
    "Island",
    "Mirror",
    "Highway",
    "Tide",
    "Empire",
    "Station",
    "Canyon",
    "Fortress",
    "Compass",
    "Ember",
    "Voyage",
    "Circuit",
    "Harvest",
    "Citadel",
    "Reckoning",
    "Echo",
    "Sanctuary",
    "Labyrinth",
    "Outpost",
    "Verdict",
    "Shepherd",
    "Vessel",
    "Covenant",
    "Prairie",
    "Summit",
    "Archive",
    "Tunnel",
    "Monarch",
    "Lighthouse",
    "Bayou",
    "Blizzard",
    "Carnival",
    "Dominion",
    "Glacier",
    "Heist",
    "Quarry",
    "Runway",
    "Saboteur",
    "Anchor",
    "Arrow",
    "Ballad",
    "Beacon",
    "Bridge",
    "Cathedral",
    "Chapel",
    "Cipher",
    "Cove",
    "Crown",
    "Delta",
    "Drifter",
    "Engine",
    "Falcon",
    "Ferry",
    "Forge",
    "Gambit",
    "Harp",
    "Hunter",
    "Keeper",
    "Ledger",
    "Mill",
    "Nomad",
    "Oracle",
    "Paradox",
    "Pilgrim",
    "Raven",
    "Refuge",
    "River",
    "Sentinel",
    "Spire",
    "Thicket",
    "Tower",
    "Valley",
    "Warden",
    "Wolf",
)
_NAMES = (
    "Alice",
    "Marcus",
    "Nora",
    "Elliot",
    "Greta",
    "Victor",
    "Ingrid",
    "Caleb",
    "Mabel",
    "Rufus",
    "Daisy",
    "Otto",
    "Clara",
    "Silas",
    "Hazel",
    "Felix",
    "Ruby",
    "Jonah",
    "Vera",
    "Agnes",
    "Bruno",
    "Cora",
    "Dexter",
    "Edith",
    "Flora",
    "Gideon",
    "Iris",
    "Jasper",
    "Lena",
    "Milo",
    "Opal",
    "Percy",
    "Rosa",
    "Theo",
    "Wanda",
)
_PLACES = (
    "Varenna",
    "Ashford",
    "Belmont",
    "Calder",
    "Dunmore",
    "Eastwick",
    "Fairhaven",
    "Glenrock",
    "Holloway",
    "Kingsbridge",
    "Larkspur",
    "Marlowe",
    "Northgate",
    "Oakridge",
    "Pinecrest",
    "Ravensworth",
    "Stonebrook",
    "Thornbury",
    "Westmere",
    "Yardley",
    "Brooklyn",
    "Memphis",
    "Alder Creek",
    "Bramblewood",
    "Cedar Falls",
    "Driftwood",
    "Elmhurst",
    "Foxhollow",
    "Greystone",
    "Harrowgate",
    "Ironbridge",
    "Juniper Bay",
    "Kettering",
    "Lowmoor",
)
_FR_WORDS = (
    "Nuit",
    "Maison",
    "Rivière",
    "Été",
    "Ombre",
    "Mémoire",
    "Vérité",
    "Fenêtre",
    "Forêt",
    "Lumière",
    "Tempête",
    "Château",
    "Frontière",
    "Saison",
    "Chasseur",
    "Étoile",
    "Île",
    "Cœur",
    "Rêve",
    "Hiver",
    "Fièvre",
    "Sœur",
    "Chemin",
    "Lac",
    "Vent",
    "Miroir",
    "Gare",
    "Colère",
    "Poussière",
    "Neige",
)
_FR_LINKS = (
    "La {} des {}",
    "Le {} de {}",
    "Une {} à {}",
    "Les {} du {}",
    "L'{} de la {}",
    "La {} et le {} de {}",
    "Le {} sans {} à {}",
)
_DE_WORDS = (
    "Nacht",
    "Haus",
    "Fluss",
    "Sommer",
    "Schatten",
    "Wahrheit",
    "Fenster",
    "Wald",
    "Licht",
    "Sturm",
    "Grenze",
    "Jäger",
    "Stern",
    "Insel",
    "Brücke",
    "Spur",
    "Zeuge",
    "Straße",
    "Größe",
    "Bär",
    "Herz",
    "Traum",
    "Winter",
    "Fieber",
    "Schwester",
    "Weg",
    "See",
    "Wind",
    "Spiegel",
    "Schnee",
)
_DE_LINKS = (
    "Die {} der {}",
    "Der {} im {}",
    "Das {} am {}",
    "Im {} des {}",
    "Die {} von {}",
    "Die {} und der {} von {}",
    "Der {} ohne {} in {}",
)
_NUMBERS = ("2", "3", "7", "10", "12", "19", "21", "47", "99", "101", "1917", "2049", "2067")
STUDIO_NETWORKS = ("NBX", "Channel Nine West", "Eastside TV", "StreamCo", "Lumen+", "Kite TV")


class TitleMaker:
    """Draws fictional titles, never repeating a (title, year, kind) unless asked (remakes)."""

    def __init__(self, rng: random.Random, cfg: CatalogSection) -> None:
        self.rng = rng
        self.cfg = cfg
        self.used: set[tuple[str, int, str]] = set()
        self.used_titles: set[str] = set()

    def english(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < self.cfg.digit_title_share:
            form = rng.randrange(4)
            if form == 0:
                return f"{rng.choice(_NOUN)} {rng.choice(_NUMBERS)}"
            if form == 1:
                return str(rng.choice((1987, 2012, 1999, 2033, 1776, 2046)))
            if form == 2:
                return f"{rng.choice(('3', '7', '12', '40'))} Days in {rng.choice(_PLACES)}"
            return f"The {rng.choice(_NOUN)} {rng.choice(('2', '3', 'II'))}"
        if roll < self.cfg.digit_title_share + self.cfg.colon_title_share:
            sep = ": " if rng.random() < 0.7 else " - "
            return f"{rng.choice(_NOUN)}{sep}{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        form = rng.randrange(9)
        if form == 7:
            return f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)} of {rng.choice(_PLACES)}"
        if form == 8:
            return f"{rng.choice(_NAMES)} and the {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if form == 0:
            return f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if form == 1:
            return f"{rng.choice(_NOUN)} of {rng.choice(_PLACES)}"
        if form == 2:
            return f"{rng.choice(_NAMES)}'s {rng.choice(_NOUN)}"
        if form == 3:
            return f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        if form == 4:
            return f"A {rng.choice(_NOUN)} in {rng.choice(_PLACES)}"
        if form == 5:
            first, second = rng.sample(_NAMES, 2)
            return f"{first} & {second}"
        first, second = rng.sample(_NOUN, 2)
        return f"The {first} and the {second}"

    def foreign(self, language: str) -> str:
        words, links = (_FR_WORDS, _FR_LINKS) if language == "fr" else (_DE_WORDS, _DE_LINKS)
        first, second = self.rng.sample(words, 2)
        link = self.rng.choice(links)
        if link.count("{}") == 3:
            return link.format(first, second, self.rng.choice(_PLACES))
        return link.format(first, second)

    def unique(self, make: str, year: int, kind: str, language: str = "en") -> str:
        """A new title whose scene-name form (dotted, transliterated, case-folded) no other
        title of the catalog has: "Vessel: Bitter Lighthouse" and "Vessel - Bitter
        Lighthouse" would otherwise release under one name. English titles are distinct
        across the catalog (remakes and namesakes aside); foreign titles and aliases only
        where names would clash: per year for movies (names carry it), for all series."""
        for _ in range(200):
            title = self.english() if make == "en" else self.foreign(language)
            key = name_key(title)
            if (key, _name_year(year, kind), kind) in self.used:
                continue
            if make == "en" and key in self.used_titles:
                continue
            self.claim(title, year, kind)
            return title
        title = f"{self.english()} {self.rng.choice(_PLACES)} {len(self.used)}"
        self.claim(title, year, kind)
        return title

    def romanized(self, year: int) -> str:
        """A romanized anime title no other series uses (groups write it in names)."""
        for _ in range(200):
            title = _romanized(self.rng)
            if (name_key(title), 0, "series") not in self.used:
                break
        self.claim(title, year, "series")
        return title

    def claim(self, title: str, year: int, kind: str) -> None:
        key = name_key(title)
        self.used.add((key, _name_year(year, kind), kind))
        self.used_titles.add(key)


def _name_year(year: int, kind: str) -> int:
    """The year as release names show it: movies carry it, series names do not."""
    return year if kind == "movie" else 0


def _romanized(rng: random.Random) -> str:
    syllables = ("ka", "mi", "to", "shi", "no", "ra", "yu", "ki", "ha", "ru", "sa", "ne")
    word = lambda n: "".join(rng.choice(syllables) for _ in range(n)).capitalize()  # noqa: E731
    return f"{word(3)} no {word(2)}"
