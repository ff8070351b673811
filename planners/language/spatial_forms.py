"""Question wordings for the relations of depth and of rooms, and for free space on a surface.

- "what is behind / in front of / across from / opposite X" -> identify, relation behind / in_front_of /
  across_from, anchor X (planners.language.question_forms reads the same phrases inside other questions:
  `RELATION_PATTERNS` below go first in its list);
- "what is closest / nearest to X", "what stands / sits between X and Y", "which furniture is next to X" ->
  identify, relation closest_to / between / next_to / near, anchor X (and Y) (`read_nearness_form`, called
  by planners.language.question_forms): the wordings of nearness its general "what is <relation> X" rule
  leaves to the classifier (a superlative, a verb in the present tense); a thing named before the verb is
  the target ("which chair is closest to the desk"), a generic one ("furniture", "piece of furniture", "object") is not;
- "what is in the centre / middle of the room | kitchen" -> identify, relation in_middle_of (the room, when
  one is named, is linked by the parser);
- "what is (hanging) on the (back / left / ...) wall (of the living room)" -> identify, relation on_wall; a
  depth relation after the wall ("on the wall behind the fridge") is that relation to its anchor, and "the
  opposite wall of X" is across from X;
- "is there room / space on X (for Y | to put Y)", "is there room for Y on X", "can (another) Y fit on X",
  "can I put / place my Y on X", "which surface has room for Y" -> room_for, receptacle X, target Y; a
  purpose said instead of a thing ("is there room on the desk to work") is kept as its `activity`.
"""

from __future__ import annotations

import re
from typing import Any

RELATION_PATTERNS: list[tuple[str, str]] = [
    ("in_front_of", r"in\s*front\s+of|infront\s+of"),
    ("behind", r"behind|(?:at|to)\s+the\s+back\s+of|in\s+back\s+of"),
    ("across_from", r"across\s+(?:from|of)|across(?=\s+the\b)|opposite(?:\s+(?:to|of|from))?|"
                    r"on\s+the\s+opposite\s+side\s+of"),
]
_DEPTH = r"in\s*front\s+of|infront\s+of|behind|(?:at|to)\s+the\s+back\s+of|across\s+(?:from|of)|across|" \
         r"opposite(?:\s+(?:to|of|from))?|on\s+the\s+opposite\s+side\s+of"
_GENERIC = r"(?:object|thing|item|one|stuff)s?"
_WHAT = r"^\s*(?:what|which)(?:\s+(?!is\b|are\b|was\b|were\b|can\b)(?P<desc>[a-z]+(?:\s+(?!is\b|are\b)[a-z]+)?))?" \
        r"\s+(?:is|are|was|were|'s)?\s*(?:(?:located|placed|kept|standing|" \
        r"sitting|hanging|lying|stored|found|sticking\s+out|visible)\s+)?(?:(?:right|just|directly|\w+ly)\s+)?" \
        r"(?:from\s+)?"
_WHAT_DEPTH = re.compile(_WHAT + r"(?:on\s+the\s+(?:\w+\s+)?walls?\s+)?(?P<rel>" + _DEPTH + r")\s+(?P<rest>.+?)\s*\??$")
_OPPOSITE_WALL = re.compile(_WHAT + r"on\s+the\s+(?:opposite|other)\s+wall\s+(?:of|from|to)\s+(?P<rest>.+?)\s*\??$")
_NEARNESS = re.compile(r"^\s*(?:what|which)(?:\s+(?P<desc>(?!is\b|are\b|stands?\b|sits?\b)[a-z]+(?:\s+of\s+[a-z]+)?))?"
                       r"\s+(?:is|are|'s|stands|stand|sits|sit|lies|is\s+standing|is\s+located)\s+"
                       r"(?:(?:right|just|directly)\s+)?"
                       r"(?P<rel>clos(?:est|e)\s+to|nearest(?:\s+to)?|(?:in\s+)?between|next\s+to|beside|near)\s+"
                       r"(?P<rest>.+?)\s*\??$")
_GENERIC_DESC = re.compile(r"(?:piece|pieces|item|items)\s+of\s+furniture|furniture|" + _GENERIC)
_MIDDLE = re.compile(_WHAT + r"(?:in|at)\s+the\s+(?:very\s+)?(?:centre|center|middle)\s+of\s+(?P<room>.+?)\s*\??$")
_ON_WALL = re.compile(_WHAT + r"(?:on|along|against|from)\s+(?:the|a|one|any)\s+(?:(?:back|front|left|right|far|"
                      r"rear|side|main|north|south|east|west|other)\s+)?walls?"
                      r"(?:\s+(?:of|in)\s+(?P<room>(?:the\s+)?[\w\s]+?))?(?:\s+(?:perpendicular|parallel|next|near|"
                      r"opposite|facing)\b.*)?\s*\??$")
_FREE_ON = re.compile(r"^\s*(?:is|are)\s+there\s+(?:any\s+|some\s+|enough\s+|still\s+)?(?:free\s+)?(?:room|space)\s+"
                      r"(?:left\s+)?(?:on|in|at)\s+(?P<surface>(?:the|my|our|this|that)\s+.+?)"
                      r"(?:\s+(?:for|to)\s+(?P<rest>.+?))?\s*\??$")
_FREE_FOR = re.compile(r"^\s*(?:is|are)\s+there\s+(?:any\s+|some\s+|enough\s+|still\s+)?(?:free\s+)?(?:room|space)\s+"
                       r"(?:for|to)\s+(?P<rest>.+?)\s+(?:on|onto|in|at|from)\s+(?P<surface>(?:the|my|our)\s+.+?)"
                       r"\s*\??$")
_CAN_FIT = re.compile(r"^\s*(?:can|could|will|would|does|do)\s+(?:(?:i|we|you)\s+(?:put|place|set|fit)\s+)?"
                      r"(?P<thing>(?:a|an|another|my|one\s+more|the|some)\s+.+?)\s+(?:fit\s+)?(?:on|onto|in)\s+"
                      r"(?P<surface>(?:the|my|our)\s+.+?)(?:\s+to\s+(?P<purpose>\w+.*?))?\s*\??$")
_WHICH_FREE_FOR = re.compile(r"^\s*(?:which|what)\s+(?:surface|table|shelf|counter|place|spot)s?\s+(?:has|have)\s+"
                             r"(?:enough\s+)?(?:room|space)\s+for\s+(?P<thing>.+?)\s*\??$|"
                             r"^\s*where\s+is\s+there\s+(?:enough\s+)?(?:room|space)\s+for\s+(?P<thing2>.+?)\s*\??$")
_THING_AFTER = re.compile(r"^(?:(?:me|us)\s+to\s+)?(?:put|place|set|fit|store|keep)?\s*(?:down\s+)?"
                          r"(?P<np>(?:a|an|another|my|our|one\s+more|the|some)\s+[\w\s-]+?)"
                          r"(?:\s+(?:on|there|to|in)\b.*)?$")


def _relation_name(words: str) -> str:
    for name, pattern in RELATION_PATTERNS:
        if re.fullmatch(pattern, words):
            return name
    return "across_from"


def _thing(rest: str | None) -> Any:
    from planners.language.question_forms import noun_phrase

    if not rest:
        return None
    m = _THING_AFTER.match(rest.strip())
    return noun_phrase(m.group("np")) if m else None


def relation_after_head(np_text: str, np: Any) -> tuple[str | None, Any, Any]:
    """The relation the words after a noun phrase's head select by: "the chair behind the table" -> behind, table.

    (relation, anchor, anchor2); (None, None, None) when the phrase says none. Attribute and location readings
    keep it, so "what colour is the chair behind the table" is about that chair.
    """
    from planners.language.question_forms import relation_of

    if np is None or not np.head or np.head not in np_text:
        return None, None, None
    return relation_of(np_text.split(np.head, 1)[1])


def read_nearness_form(t: str) -> Any:
    """The identify reading of a nearness wording (`_NEARNESS`), or None.

    Read after question_forms' general "what is <relation> X" rule, and like it after a wall the words stand
    along is dropped ("between the fireplace and the sofa along the wall": the sofa).
    """
    from planners.language.question_forms import FormReading, noun_phrase, relation_of

    m = _NEARNESS.match(t)
    if m is None:
        return None
    relation, anchor, anchor2 = relation_of(m.group("rel") + " " + m.group("rest"))
    if anchor is None or (relation == "between" and anchor2 is None):
        return None
    desc = m.group("desc")
    target = noun_phrase(desc) if desc and not _GENERIC_DESC.fullmatch(desc) else None
    return FormReading("identify", target=target, relation=relation, anchor=anchor, anchor2=anchor2,
                       rule="what is closest to / stands between X")


def read_spatial_form(t: str) -> Any:
    """The FormReading of a (normalised, lowercased) question in one of the module's wordings, or None."""
    from planners.language.question_forms import FormReading, noun_phrase

    if m := _OPPOSITE_WALL.match(t):
        anchor = noun_phrase(m.group("rest"))
        if anchor is not None:
            return FormReading("identify", relation="across_from", anchor=anchor,
                               rule="what is on the opposite wall of X")
    if m := _WHAT_DEPTH.match(t):
        anchor = noun_phrase(m.group("rest"))
        desc = m.group("desc")  # "which chair is behind the table", "what cleaning tool is across from the stove"
        target = noun_phrase(desc) if desc and not re.fullmatch(_GENERIC, desc.split()[-1]) else None
        if anchor is not None:
            return FormReading("identify", target=target, relation=_relation_name(" ".join(m.group("rel").split())),
                               anchor=anchor, rule="what is behind / in front of / across from X")
    if m := _MIDDLE.match(t):
        return FormReading("identify", relation="in_middle_of", room_words=m.group("room"),
                           rule="what is in the middle of the room")
    if m := _ON_WALL.match(t):
        return FormReading("identify", relation="on_wall", room_words=m.group("room"), rule="what is on the wall")
    for pattern in (_FREE_ON, _FREE_FOR):
        if m := pattern.match(t):
            surface = noun_phrase(m.group("surface"))
            if surface is not None:
                thing = _thing(m.group("rest"))
                return FormReading("room_for", target=thing, anchor=surface, rule="is there room on X for Y",
                                   activity=m.group("rest") if thing is None else None)
    if m := _CAN_FIT.match(t):
        surface, thing = noun_phrase(m.group("surface")), noun_phrase(m.group("thing"))
        if surface is not None and thing is not None:
            return FormReading("room_for", target=thing, anchor=surface, rule="can Y fit on X",
                               activity=m.group("purpose"))
    if m := _WHICH_FREE_FOR.match(t):
        thing = noun_phrase(m.group("thing") or m.group("thing2"))
        if thing is not None:
            return FormReading("room_for", target=thing, rule="which surface has room for Y")
    return None
