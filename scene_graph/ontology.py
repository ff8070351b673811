"""The category ontology: synonyms, is_a, receptacle/openable categories, typical receptacles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.typed_config import load_dataclass_file

GENERIC_PARENTS = frozenset({"object", "furniture"})
# The classes of nouns that name no object memory stores (ontology.yaml `not_objects`), and why.
NOT_OBJECT_CLASSES = {
    "structure": "walls, floors and other parts of the building are not objects I remember",
    "part": "I remember objects, not their parts",
    "substance": "I remember objects, not substances",
}
# Package data of the installed scene_graph (a wheel, a colcon install or a checkout alike).
DEFAULT_ONTOLOGY = Path(str(resources.files("scene_graph").joinpath("data", "ontology.yaml")))


@dataclass
class OntologyFile:
    """The YAML layout of an ontology file (the default: scene_graph/data/ontology.yaml)."""

    synonyms: dict[str, str] = field(default_factory=dict)
    is_a: dict[str, str] = field(default_factory=dict)
    receptacles: list[str] = field(default_factory=list)
    openable: list[str] = field(default_factory=list)
    typical_receptacles: dict[str, list[str]] = field(default_factory=dict)
    not_objects: dict[str, list[str]] = field(default_factory=dict)


def normalise_label(label: str) -> str:
    return "_".join(str(label).strip().lower().replace("-", " ").split())


class Ontology:
    """Category knowledge the robot is given; categories are open strings, unknown ones are allowed."""

    def __init__(self, spec: OntologyFile, source: str = "<ontology>") -> None:
        self.source = source
        self.synonyms = {normalise_label(k): normalise_label(v) for k, v in spec.synonyms.items()}
        self.parent = {normalise_label(k): normalise_label(v) for k, v in spec.is_a.items()}
        self.receptacle_categories = frozenset(normalise_label(c) for c in spec.receptacles)
        self.openable_categories = frozenset(normalise_label(c) for c in spec.openable)
        self.typical = {normalise_label(k): [normalise_label(v) for v in vs]
                        for k, vs in spec.typical_receptacles.items()}
        for child in self.parent:
            seen = {child}
            node = child
            while node in self.parent:
                node = self.parent[node]
                if node in seen:
                    raise BadInputError(f"{source}: is_a.{child}: cycle through {node!r}")
                seen.add(node)
        unknown_classes = set(spec.not_objects) - set(NOT_OBJECT_CLASSES)
        if unknown_classes:
            raise BadInputError(f"{source}: not_objects.{sorted(unknown_classes)[0]}: unknown class "
                                f"(expected one of {', '.join(NOT_OBJECT_CLASSES)})")
        self.not_object_class = {normalise_label(word): kind for kind, words in spec.not_objects.items()
                                 for word in words}
        self._known = set(self.parent) | set(self.parent.values()) | set(self.receptacle_categories) | set(self.typical)
        self.canonical = lru_cache(maxsize=4096)(self._canonical)
        self.compatibility = lru_cache(maxsize=16384)(self._compatibility)
        self.descendants = lru_cache(maxsize=4096)(self._descendants)

    @classmethod
    def load(cls, path: str | Path) -> Ontology:
        return cls(load_dataclass_file(OntologyFile, path), source=str(path))

    def _canonical(self, label: str) -> str:
        name = normalise_label(label)
        if name in self.synonyms:
            return self.synonyms[name]
        if name not in self._known and name.endswith("s"):
            singular = name[:-1]
            if singular in self.synonyms:
                return self.synonyms[singular]
            if singular in self._known:
                return singular
        return name

    def ancestors(self, category: str) -> list[str]:
        out = []
        node = self.canonical(category)
        while node in self.parent:
            node = self.parent[node]
            out.append(node)
        return out

    def is_a(self, category: str, parent: str) -> bool:
        cat, par = self.canonical(category), self.canonical(parent)
        return cat == par or par in self.ancestors(cat)

    def _descendants(self, category: str) -> frozenset[str]:
        root = self.canonical(category)
        return frozenset(c for c in self._known if c != root and root in self.ancestors(c))

    def related_distance(self, a: str, b: str) -> int | None:
        """Steps through the is_a tree from a to b via their lowest common ancestor; None when that is generic.

        0 same category, 1 parent/child (coffee_table - table), 2 siblings (cup - mug under drinkware).
        Categories that meet only at "object" or "furniture" are not related.
        """
        chain_a = [self.canonical(a), *self.ancestors(a)]
        chain_b = [self.canonical(b), *self.ancestors(b)]
        common = next((node for node in chain_a if node in chain_b), None)
        if common is None or common in GENERIC_PARENTS:
            return None
        return chain_a.index(common) + chain_b.index(common)

    def nearest_related(self, category: str, held: Iterable[str],
                        similarity: Callable[[str, str], float] | None = None) -> str | None:
        """The category of `held` nearest to `category` in the is_a tree (None: none is related).

        Ties (cup: mug, glass and bottle are all siblings) go to the most `similar` name, else the first
        in alphabetical order.
        """
        ranked = []
        for other in sorted(set(held)):
            distance = self.related_distance(category, other)
            if distance is not None and distance > 0:
                ranked.append((distance, -(similarity(category, other) if similarity else 0.0), other))
        return min(ranked)[2] if ranked else None

    def _compatibility(self, a: str, b: str) -> float:
        """1.0 same category, 0.5 siblings under a specific parent (mug/glass), 0.0 otherwise."""
        ca, cb = self.canonical(a), self.canonical(b)
        if ca == cb:
            return 1.0
        pa, pb = self.parent.get(ca), self.parent.get(cb)
        if pa is not None and pa == pb and pa not in GENERIC_PARENTS:
            return 0.5
        return 0.0

    def not_an_object(self, noun: str) -> str | None:
        """The class ("structure", "part", "substance") of a noun that names no object memory stores, or None.

        A plural is read as its singular ("walls", "legs"); a known category is never one.
        """
        name = normalise_label(noun)
        if self.canonical(name) in self._known or name in self.synonyms:
            return None
        for form in (name, name[:-2] if name.endswith("es") else name, name[:-1] if name.endswith("s") else name):
            if form in self.not_object_class:
                return self.not_object_class[form]
        return None

    def is_receptacle(self, category: str) -> bool:
        cat = self.canonical(category)
        return cat in self.receptacle_categories

    def is_openable(self, category: str) -> bool:
        return self.canonical(category) in self.openable_categories

    def typical_receptacles(self, category: str) -> list[str]:
        cat = self.canonical(category)
        for node in [cat, *self.ancestors(cat)]:
            if node in self.typical:
                return list(self.typical[node])
        return []
