"""Things selected by comparing them with others ("the largest object on the dresser", "the thickest book").

The typed query selects by category, attributes, a relation to one anchor, a room and a time; it has no
comparison between the things it selects, so a question that picks its thing by a superlative cannot be
read without answering a different question. The superlatives are those of the gradable properties of
household things (size, weight, temperature, age, light, cleanliness, speed, loudness, price, look);
"closest", "nearest" and "farthest" are relations to an anchor and are read as such (spatial_forms).
"""

from __future__ import annotations

import re

SUPERLATIVES: frozenset[str] = frozenset("""
largest biggest smallest tiniest tallest shortest longest widest narrowest thickest thinnest deepest highest lowest
heaviest lightest
warmest hottest coldest coolest
oldest newest youngest
brightest darkest
cleanest dirtiest tidiest messiest
fullest emptiest
fastest slowest loudest quietest noisiest
cheapest priciest
prettiest ugliest softest hardest
""".split())


def compared_by(text: str) -> str | None:
    """The superlative `text` selects its thing by, or None ("the thickest book" -> "thickest")."""
    return next((w for w in re.findall(r"[a-z]+", text.lower()) if w in SUPERLATIVES), None)
