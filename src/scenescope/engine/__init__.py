"""The engine: one definition of each derived relation over the store and the domain rules
they are generated from (`rules`). Analyses read the store only through an `Engine`."""

from scenescope.engine.core import Engine, Relation, Scratch, Source, relation

__all__ = ["Engine", "Relation", "Scratch", "Source", "relation"]
