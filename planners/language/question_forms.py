"""The forms of questions read by rule before the embedding classifier: new projections and refusals.

The embedding intent classifier (planners.language.question_parsing) knows the ten forms of the
scenario spec. Questions people actually ask also want attributes, object counts, objects picked
out by a description or a relation, whether something exists, where one can do something, and the
robot's own past; and many ask what this memory cannot hold at all (cleanliness, what a picture
shows, advice). `read_form(text)` recognises these by their wording and returns a `FormReading`:

- `refusal` set: the question asks for something the typed query cannot represent; the parser
  answers "I don't know" with that reason instead of reading it as a different question.
- `kind` set: one of the typed query's projections, with the noun phrases it selects by
  (`target_words`, `anchor_words`, ...) still as words; the parser links them against memory.
- None: no rule applies; the embedding classifier decides as before.

Noun phrases are reduced to their head ("the small orange juice bottle" -> "bottle", with "small"
and "orange" kept as attributes) by `noun_phrase`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planners.language.spatial_forms import RELATION_PATTERNS as DEPTH_RELATION_PATTERNS
from planners.language.spatial_forms import read_nearness_form, read_spatial_form, relation_after_head

COLOUR_WORDS: frozenset[str] = frozenset("""
black white grey gray red green blue yellow orange purple pink brown beige silver gold golden teal cyan maroon
navy violet turquoise cream tan olive
""".split())
SIZE_WORDS: frozenset[str] = frozenset("small big large tiny huge little tall short long wide".split())
MATERIAL_WORDS: frozenset[str] = frozenset("wooden wood metal metallic plastic glass leather fabric ceramic steel "
                                           "stone paper cardboard woven".split())

# Words that name no thing: determiners, pronouns, fillers a person puts into a question.
_NON_HEAD: frozenset[str] = frozenset("""
the a an my our your his her their its this that these those some any all both each every other another
one ones two three four five six seven eight nine ten which what whats who it they them there here
please thing things object objects item items stuff something anything everything someone somebody
colored coloured shaped shape color colour colors colours
remember recall help wonder think need want like looking look guess mind sure
most mostly mainly both all fully partially closest nearest unfinished
""".split())
# Words after a noun phrase's head that start what is said of it, not part of its name: prepositions, place
# adverbs and participles ("the table close to the sofa", "the doors downstairs", "the chest surrounded by
# sofas", "the coat hanger made from", "the door propped open"). Words that also begin compounds ("standing
# lamp", "wall mounted") are left out; a place adverb before a room word names the room ("the upstairs bedroom").
_PLACE_ADVERBS: frozenset[str] = frozenset("upstairs downstairs".split())
_PHRASE_ENDS: frozenset[str] = frozenset("""
close besides beneath underneath along against beyond within toward towards into onto through facing
nearby overhead
made propped surrounded placed attached leaning lying hung stored stacked positioned situated sitting
""".split())
# "a pile of clothes", "a piece of paper": the head is what the quantity is of.
_QUANTITY_NOUNS: frozenset[str] = frozenset("pile piece bunch pair set stack heap couple lot kind type sort "
                                            "bottom top side corner edge end middle center centre front back "
                                            "part".split())
# Window coverings: "down" / "drawn" / "lowered" is their closed state, "up" / "raised" their open one.
COVERING_NOUNS: frozenset[str] = frozenset("blind blinds shade shades curtain curtains drape drapes shutter shutters "
                                           "roller".split())
_COVERING_STATES = {"down": "closed", "drawn": "closed", "lowered": "closed", "up": "open", "raised": "open"}
# A part named after its whole ("the fridge door", "the lamp base"): the whole is what memory holds.
PART_NOUNS: frozenset[str] = frozenset("door doors handle handles lid lids base top knob knobs trim "
                                       "surface shelf_of".split())

NON_HEAD_WORDS = _NON_HEAD
ATTRIBUTE_WORDS: frozenset[str] = frozenset(COLOUR_WORDS) | frozenset(SIZE_WORDS) | frozenset(MATERIAL_WORDS)
# Words that name a room or part of a house, whatever the floor plan calls its rooms.
ROOM_WORDS: frozenset[str] = frozenset("""
room bedroom bathroom restroom washroom kitchen living dining hallway hall corridor office study garage basement
attic laundry closet entryway entrance foyer lounge den nursery pantry porch balcony upstairs downstairs stairs
staircase landing house home apartment flat
""".split())

# The depth relations go first: "in front of" is not "in".
RELATION_PATTERNS: list[tuple[str, str]] = [*DEPTH_RELATION_PATTERNS,
    ("between", r"(?:in\s+)?between"),
    ("left_of", r"(?:to\s+|on\s+|in\s+)?(?:the\s+)?left\s+(?:side\s+)?of"),
    ("right_of", r"(?:to\s+|on\s+|in\s+)?(?:the\s+)?right\s+(?:side\s+)?of"),
    ("next_to", r"next\s+to|beside|besides|by|alongside"),
    ("closest_to", r"clos(?:est|e)\s+to|nearest(?:\s+to)?"),
    ("near", r"near(?:\s+to)?|around"),
    ("above", r"above|over|hanging\s+over"),
    ("below", r"below|under|underneath|beneath"),
    ("on", r"on\s+top\s+of|on|onto|atop"),
    ("in", r"inside(?:\s+of)?|in|within"),
]
_RELATION_RE = re.compile(r"\b(?P<rel>" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in RELATION_PATTERNS)
                          + r")\s+(?P<rest>.+)$")

# Questions whose answer memory does not hold, with the reason given to the user.
REFUSALS: list[tuple[re.Pattern, str]] = [(re.compile(p), why) for p, why in [
    (r"^\s*why\b|\bwhy (is|are|do|does|did|would)\b", "it asks why, and memory holds what was seen, not reasons"),
    (r"\bhow (do|can|could|should|would) (i|we|you|one)\b(?! (find|get to)\b)|\bhow to\b|"
     r"\bwhat should (i|we) do\b(?! to\b)|"
     r"\bdo i have to\b|\bwhat (do|can) i do\b(?! to\b)|\bwhat to do\b",
     "it asks for advice or a procedure, not for something seen"),
    (r"^\s*(is|are|was|were|has|have|does|do|did|if)\b.*\b(clean|dirty|messy|tidy|neat|organi[sz]ed|made(?!\s+(?:out\s+)?of)|"
     r"made up|unmade|folded|wrinkled|full|empty|filled|overflowing|broken|pushed in|tucked|set up|running|"
     r"occupied)\b(?![- ]?(bin|can|box|shelf))|\b(cluttered|clutter|messy|unmade|overflowing)\b|"
     r"\b(clean|dirty|full|empty|tidy) or\b",
     "memory keeps open/closed and on/off states, not whether something is clean, full, tidy or used"),
    (r"\b(well[- ]lit|lighting|natural light|bright enough|dark in)\b", "memory holds no lighting conditions"),
    (r"\b(depict\w*|painted on|drawn on|written|say|says|logo|brand|label on|picture of|photo of|poster of|"
     r"image of|in the (picture|painting|photo|poster|mirror|tapestry|artwork|drawing|canvas|mural))\b|"
     r"^\s*what\s+does\s+(the|this|that)\b.*\bshow\b",
     "memory holds what objects are, not what pictures show or what text says"),
    (r"\b(closer|farther|further|nearer|bigger|smaller|taller|larger)\b.*\bor\b",
     "comparing two things is not a form the typed query has"),
    (r"\b((?<!while )facing|relative to)\b",
     "a viewpoint of its own (facing, relative to) is not one the typed query has (its left/right, behind and "
     "in front are seen from where the robot stood)"),
    (r"\bpatterns?\b", "memory holds colours, not patterns"),
    (r"\bhow many (different )?(colou?rs|people|persons|choices|options|ways)\b|\bhow much\b|"
     r"\bhow (far|long|big|tall)\b",
     "it asks for a measure or a count memory does not keep"),
    (r"\b(colou?rs?|materials?|shapes?)\b.*\b(appliances|furniture|electronics)\b",
     "a class of things is not one category memory can describe"),
    (r"\b(path|way|route|passage)\s+(to|from|between|into)\b", "routes are not something memory holds"),
    (r"\b(halfway|half way|partially|partly|all the way|more than half)\b",
     "memory keeps whether something is open or closed, not how far"),
    (r"\bbut not\b|\bexcept (for )?the\b", "a set difference between places is not a form the typed query has"),
    (r"\bif (i|we)\s*(?:'m|am|are|was|don't|do not|can't|cannot|have)\b",
     "a condition on the asker is not part of what the typed query can select by"),
    (r"\bif (the|it|they|this|that|there)\b", "a condition on how things are is not part of what the typed query "
                                               "can select by"),
    (r"\bhow many rooms\b", "it counts rooms, and the typed query counts objects"),
    (r"\bhow many\b.*\b(does|do|can|could|will)\b.*\b(make|hold|fit|take|seat|serve|brew|store)\b",
     "it asks for a capacity, which memory does not keep"),
    (r"\b(is|are) there (any |some )?(water|liquid|ice)\s+(in|inside|on)\b|"
     r"\b(have|has|contain|contains|hold|holds)\s+(any\s+|some\s+)?(water|liquid|ice)\b",
     "liquids are not objects memory holds"),
    (r"(?<!this )(?<!the )(?<!that )\b(space|room) (for|to)\b|\benough (space|room)\b|"
     r"\bis there (any )?(space|room)\b",
     "free space is not something memory holds"),
    (r"\bused for\b|\bwhat (kind|type) of (room|entertainment|flooring|heating)\b|\bwhat is (this|the) room\b|"
     r"\bwhat room is (this|the scene)\b|\bcent(er|re) of the room\b|\b(what|which) (\w+ )?(is|are) missing\b|"
     r"\bmissing (on|from|to|in)\b",
     "it asks about the purpose or layout of a room, not about objects memory holds"),
    (r"\b(person|people|man|woman|girl|boy|someone)\b.*\b(wearing|doing|using|holding)\b|"
     r"\bwho (is|was)\b|\b(is|are|was|were) (there )?(anyone|anybody|someone|somebody)\b|"
     r"\b(anyone|anybody|someone|somebody) (living|lives|live|staying|sleeping)\b",
     "memory does not record people"),
    (r"\b(being )?shown in\b|\bin (these|the|this) (images?|pictures?|photos?|frames?)\b",
     "memory holds what objects are, not what pictures show or what text says"),
    (r"\b(weather|joke|president|meaning of life|poem|song)\b", "it is not about this household"),
    (r"\bif (i|you|we)\b.*\b(go|turn|walk|sit)\b.*\b(which|what)\b", "route and imagined-viewpoint questions are "
                                                                        "not forms the typed query has"),
    (r"\bwhich (one|side)\b|\bwhich \w+ is (right |directly )?(under|above|next to|on)\b",
     "telling instances apart by position is not a form the typed query has"),
]]

_ATTRIBUTE_WORDS = {"colou?rs?|colou?r pattern": "colour", "materials?|made (out )?of": "material",
                    "shapes?|shaped": "shape", "sizes?|big|large": "size"}
_ATTRIBUTE_Q = re.compile(
    r"^\s*(?:what|which)(?:'s|s| is| are| was| were)?\s+(?:is\s+|are\s+)?(?:the\s+)?(?:kind of\s+|type of\s+)?"
    r"(?P<attr>colou?rs?|materials?|shapes?|sizes?)\s+(?:(?:is|are|was|were|does|do)\s+)?(?:of\s+)?(?P<np>.+?)"
    r"(?:\s+(?:made(?: out)? of|have|has))?\s*\??$")
_ATTRIBUTE_OF = re.compile(r"^\s*(?:what|which)(?:'s|s| is| are| was| were)?\s+(?:is\s+)?(?:the\s+)?"
                           r"(?P<attr>colou?rs?|materials?|shapes?|sizes?)\s+(?:of\s+)(?P<np>.+?)\s*\??$")
_ATTRIBUTE_TAIL = re.compile(r"^\s*(?P<np>.+?)\s+(?:are|is)\s+(?:mainly|mostly)?\s*(?:of\s+)?which\s+"
                             r"(?P<attr>colou?rs?|materials?|shapes?|sizes?)\s*\??$")
_MADE_OF = re.compile(r"^\s*what\s+(?:is|are)\s+(?:the\s+)?(?P<np>.+?)\s+made\s+(?:out\s+)?of\s*\??$")
_COUNT = re.compile(r"^\s*how many\s+(?P<np>.+?)\s*(?:(?:are|is|were|was|do|does|did|can)\b(?P<rest>.*))?\??$")
_EVENT_COUNT = re.compile(r"\b(times?|often|opened|closed|moved|opening|closing|switched|turned|changed|taken)\b")
_IDENTIFY_DESC = re.compile(
    r"^\s*(?:what|which|whats|what's)(?:'s|s| is| are| was| were)?\s+(?:is\s+|are\s+)?(?:the\s+|a\s+|an\s+)*"
    r"(?P<desc>[\w\s,-]*?)\b(?:object|thing|item|device|appliance|machine|animal\s+\w+|fruit|furniture)s?\b"
    r"(?P<rest>.*?)\s*\??$")
_COLOUR_ALTERNATIVES = "|".join(sorted(COLOUR_WORDS))
_IDENTIFY_NAMED = re.compile(r"^\s*what\s+(?:is|are)\s+(?:the\s+)?(?P<desc>(?:\w+\s+)*?(?:" + _COLOUR_ALTERNATIVES
                             + r"))\s+(?P<np>[a-z]+)"
                             r"(?P<rest>\s+(?:on|in|under|above|below|next to|near|by|beside|between)\b.*?)?\s*\??$")
_WHAT_REL = re.compile(r"^\s*(?:what|whats|what's)(?:'s|s| is| are| was| were|"
                       r" can (?:be found|be seen|i find|you find|i see|you see))?\s+(?:is\s+|are\s+)?"
                       r"(?:(?:(?P<verb>located|hanging|placed|kept|lying|sitting|standing|stored)|found|\w+ed)(?:\s+(?:in|up))?\s+)?"
                       r"(?:(?:\w+ly|right|just)\s+)?"
                       r"(?P<rel>(?:to|on|at) the (?:left|right)(?: hand)?(?: side)? of|left of|right of|"
                       r"in between|between|next to|beside|by|near|above|over|below|under|underneath|beneath|"
                       r"on top of|on|inside|in)\s+"
                       r"(?P<rest>.+?)\s*\??$")
_EXISTS = re.compile(r"^\s*(?:is|are)\s+there\s+(?:a|an|any|some)?\s*(?P<np>.+?)\s*\??$")
_SEEN = re.compile(r"^\s*(?:did|do)\s+(?:you|the robot)\s+(?:ever\s+)?(?:see|seen|spot|spotted|notice|noticed|"
                   r"come across|found|find)\s+(?P<np>.+?)\s*\??$")
# "Have you seen my keys?" asks where they are; "have you ever seen a wallet?" whether there is one.
_HAVE_SEEN = re.compile(r"^\s*have\s+you\s+(?:ever\s+)?(?:seen|spotted|noticed|found)\s+(?P<np>.+?)"
                        r"(?:\s+(?:anywhere|around|somewhere|lately|recently))?\s*\??$")
_WHEN_SEEN = re.compile(r"^\s*when\s+(?:did|have)\s+you\s+(?:see|seen|spot|spotted|notice|noticed)\s+"
                        r"(?P<np>.+?)\s*\??$")
_TAKE_ME = re.compile(r"^\s*(?:please\s+)?(?:take|bring|lead|guide|show)\s+me\s+(?:to|the way to)\s+"
                      r"(?P<np>.+?)\s*[.!?]*$")
_AFFORD = re.compile(
    r"^\s*(?:where|what|which)\s+(?:\w+\s+)?(?:can|could|should|would|might|(?<=where )do)\s+(?:i|we|one|you)\s+"
    r"(?:use\s+to\s+)?(?P<activity>(?!find\b|see\b|get to\b|leave\b|left\b|"
    # "where could I have left it" is a location; "where can I have dinner" an activity
    r"have\s+(?:\w+ed|left|put|seen|lost|kept|been|got|gotten|hidden|taken|set)\b|"
    r"(?:go\s+and\s+|go\s+to\s+)?(?:look|search|check|hunt|reach)\s+for\b)"
    r"\w+.*?)\s*\??$|"
    r"^\s*where\s+(?:i|we)\s+can\s+(?P<activity2>\w+.*?)\s*\??$|"
    r"^\s*(?:is|are)\s+there\s+(?:something|anything|a place|somewhere)\s+(?:i\s+can\s+use\s+)?"
    r"(?:to|for|i can|where (?:i|we) can)\s+"
    r"(?P<activity3>.+?)(?:\?.*)?$|"
    r"\bwhat (?:can|should) i (?:use|do)\b(?P<activity4>.*?)\??$|"
    r"^\s*(?:i|we)\b[^?]*?\b(?:need|want|would like|like)\s+to\s+(?P<activity5>[^,.?]+)[,.]?\s*"
    r"(?:what|where|which|can you find|could you find|is there|are there)\b.*$|"
    r"^\s*(?:is|are)\s+there\s+(?:an?\s+(?:object|thing|item|device)|anything|something)\s+(?:\w+\s+){0,5}?"
    r"(?:(?:that\s+)?(?:i|we)\s+(?:can|could)\s+use\s+)?(?:to|for)\s+(?P<activity6>[^?]+?)\s*\??$|"
    r"^\s*(?:i\s*'?m|i\s+am|we\s*'?re|we\s+are)\s+(?P<activity7>[^,.?]+)[,.]?\s*(?:is there|are there|what|where)\b"
    r".*\b(?:use|help)\b.*$|"
    r"^\s*(?:i|we)\s+(?:need|want)\s+to\s+(?P<activity8>[^,.?]+?)\s*[?.!]*$")
# Where to find / look for / search for a thing: the thing's location (a search the robot can help with),
# never an activity ("where should I look for the remote" is not an affordance of "looking").
_FIND = re.compile(r"\bwhere\s+(?:can|could|do|would|might|should|shall|must)\s+(?:i|we|you)\s+"
                   r"(?:find\s+(?P<np>(?:a|an|the|my|some|our)\b.+?)|get\s+(?P<np_get>(?:the|my|our)\b.+?)|"
                   r"(?:(?:go\s+and\s+|go\s+to\s+)?(?:look|search|check|hunt|reach)\s+for|look\s+to\s+find)\s+"
                   r"(?P<np_search>.+?))\s*\??$")
# "which room should I go to for the X": where the X is, by room (not an activity: a definite thing is sought)
_ROOM_FOR = re.compile(r"^\s*(?:which|what)\s+room\s+(?:should|can|could|do|would|must)\s+(?:i|we)\s+"
                       r"(?:go(?:\s+to)?|look(?:\s+in)?|search(?:\s+in)?|check)\s+"
                       r"(?:for|to\s+(?:see|find|get|fetch|look\s+at))\s+(?P<np>(?:the|my|our)\b.+?)\s*\??$")
_WHERE_IS = re.compile(r"^\s*where\s+(?:\w+ly\s+)?(?:is|are)\s+(?P<np>(?:the|my|our|a|an)\s+.+?)"
                       r"(?:\s+(?:located|kept))?\s*\??$|"
                       r"^\s*where\s+(?P<np2>(?!(?:is|are|was|were|did|do|does|can|could|should|would|have|has)\b)"
                       r"[a-z][\w\s-]*?)\s+(?:is|are)\s+(?:located|kept|placed|stored)\s*\??$")
# "is/are X open/closed", read by rule only when the embedding reading cannot stand behind the question; a
# relation phrase after the head ("the cabinets below the mirror") becomes the selection's relation.
_OPEN_CLOSED = re.compile(r"^\s*(?:is|are|was|were)\s+(?P<np>.+?)\s+(?:fully\s+|still\s+|all\s+)?"
                          r"(?P<state>open|opened|closed|shut|ajar)(?:\s+or\s+(?:open|opened|closed|shut))?\s*\??$")
_COVERED = re.compile(r"^\s*(?:is|are|was|were)\s+(?P<np>.+?)\s+(?P<state>down|up|drawn|lowered|raised)\s*\??$")
# "how can I time myself": a means to an activity; answered with a thing only when the semantic memory knows a
# thing for that activity (the parser checks), otherwise it is advice.
_HOW_MEANS = re.compile(r"(?:^|[,.;]\s*)how\s+(?:(?:can|could|do|should|might)\s+(?:i|we|one)|(?:i|we)\s+can|to)\s+"
                        r"(?P<activity>(?!find\b|get\s+to\b|know\b|tell\b)\w.*?)\s*[?.!]*$")
# "There are two trash cans, which colour are them?": the pronoun stands for the thing of the opening clause.
_THERE_IS_THEN = re.compile(r"^there(?:'s|s| is| are)\s+(?P<np>[^,.?]+?)\s*[,.]\s*"
                            r"(?P<q>(?:what|which|where|is|are)\b.*\b(?:it|them|they)\b.*)$")
_ON_OFF = re.compile(r"^\s*(?:is|are|was|were|if)\s+(?P<np>.+?)\s+(?:turned\s+|switched\s+)?(?P<state>on|off)"
                     r"(?:\s+or\s+of+)?\s*\??$|^\s*(?:is|are|was|were)\s+(?:any|all)\s+of\s+(?P<np2>.+?)\s+(?P<state2>on|off)\s*\??$")
_ANYTHING_ON = re.compile(r"^\s*(?:is|are)\s+(?:there\s+)?"
                          r"(?:anything|something|things|objects|any objects|any things)\b"
                          r"(?!.*\b(?:can|could) use\b)(?P<rest>.*?)\s*\??$")
_ROBOT_WHERE = re.compile(r"^\s*(?:where|(?:in\s+)?(?:which|what)\s+room)\s+(?:were|are|was|is)\s+"
                          r"(?:you|the robot)\b(?P<rest>.*)$")
# The robot's own actions in order: "what did you do (right) after/before you opened the fridge?", and
# "what did you do (this evening)?" (the time expression is read and removed before these rules run).
_DID_ORDER = re.compile(r"^\s*what\s+did\s+you\s+do\s+(?:right\s+|just\s+|immediately\s+|directly\s+)?"
                        r"(?P<order>after|before)\s+(?:you\s+)?(?:had\s+)?(?P<verb>opened|opening|open|closed|closing|"
                        r"close|shut|picked\s+up|picking\s+up|picked|pick\s+up|took|grabbed|placed|placing|put\s+down|"
                        r"putting|put)\s+(?P<np>.+?)\s*\??$")
# One action asked about relative to another: "what did you put the bowl on right after you picked it up?",
# "where did you place the mug before you opened the fridge?", "what did you pick up after you opened X?".
_VERB_ALTERNATIVES = (r"opened|opening|open|closed|closing|close|shut|picked\s+up|picking\s+up|picked|pick\s+up|took|"
                      r"grabbed|placed|placing|put\s+down|putting|put")
_DID_WHICH = re.compile(r"^\s*(?:what|where|which\s+\w+|on\s+what|on\s+which\s+\w+)\s+did\s+you\s+"
                        r"(?P<asked>place|put(?:\s+down)?|set(?:\s+down)?|leave|pick\s+up|take|grab|open|close)\s+"
                        r"(?P<thing>.*?)\s*(?:\b(?:on|onto|in|into|down)\s+)?(?:right\s+|just\s+|immediately\s+|"
                        r"directly\s+)?(?P<order>after|before)\s+(?:you\s+)?(?:had\s+)?(?P<verb>" + _VERB_ALTERNATIVES
                        + r")\s+(?P<np>.+?)\s*\??$")
_ASKED_ACTIONS = {"place": "place", "put": "place", "put down": "place", "set": "place", "set down": "place",
                  "leave": "place", "pick up": "pick", "take": "pick", "grab": "pick", "open": "open", "close": "close"}
_DID_ANY = re.compile(r"^\s*what\s+(?:did|have)\s+you\s+(?:do|done)\s*(?:so\s+far\s*)?\??$")
ACTION_VERBS = {"opened": "open", "opening": "open", "open": "open", "closed": "close", "closing": "close",
                "close": "close", "shut": "close", "picked up": "pick", "picking up": "pick", "picked": "pick",
                "pick up": "pick", "took": "pick", "grabbed": "pick", "placed": "place", "placing": "place",
                "put down": "place", "putting": "place", "put": "place"}
_ROBOT_VISIT = re.compile(r"^\s*when\s+did\s+you\s+(?:last\s+|first\s+)?"
                          r"(?P<verb>enter|leave|left|exit|visit|go\s+(?:in)?to|"
                          r"come\s+(?:in)?to|arrive\s+(?:in|at)|get\s+to|walk\s+into)\s+(?P<np>.+?)\s*\??$")


@dataclass(frozen=True)
class NounPhrase:
    """A noun phrase reduced to its head and the attributes its modifiers name.

    `head`: the head words (a compound such as "coffee table" kept whole); `attributes`: colour, size,
    material named by modifiers.
    """

    text: str
    head: str
    modifiers: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)


def noun_phrase(text: str) -> NounPhrase | None:
    """The head of a noun phrase and its attribute modifiers; None when no word could be a head.

    English noun phrases end in their head: "the small orange juice bottle" -> head "juice bottle"
    (the last two content words: compounds are common and the linker tries the whole compound first,
    then the last word), modifiers ("small", "orange") -> size small, colour orange. "X of Y" keeps X
    unless X is a quantity ("pile of clothes" -> clothes); a trailing relative clause or relation
    ("the box on the shelf") is cut off.
    """
    words = re.findall(r"[a-z][a-z'-]*", text.lower().replace("'s ", " "))
    cut = len(words)
    for i, w in enumerate(words):
        seen_content = any(v not in _NON_HEAD and v not in COLOUR_WORDS and v not in SIZE_WORDS
                           for v in words[:i])
        if seen_content and w in ("that", "which", "who", "where", "when", "on", "in", "inside", "under", "above",
                                  "below",
                           "near", "next", "by", "at", "to", "from", "beside", "between", "with", "for", "hanging",
                           "located", "behind", "across", "opposite", "infront", "over", "is", "are", "was",
                           "were", "kept", "left", "right",
                           "around") or w in _PHRASE_ENDS or (w in _PLACE_ADVERBS and
                                                                 not set(words[i + 1:i + 2]) & ROOM_WORDS):
            cut = i
            break
    words = words[:cut]
    while "of" in words:  # "most of the cabinets of the kitchen" -> cabinets
        i = words.index("of")
        before = [w for w in words[:i] if w not in _NON_HEAD]
        if before and before[-1] not in _QUANTITY_NOUNS:
            words = words[:i]
        else:
            words = words[i + 1:]
    attributes: dict[str, str] = {}
    content: list[str] = []
    for w in words:
        w = w.strip("'-")
        if not w or w in _NON_HEAD:
            continue
        if w in COLOUR_WORDS:
            attributes.setdefault("colour", "grey" if w == "gray" else w)
        elif w in SIZE_WORDS:
            size = {"big": "large", "little": "small", "tiny": "small", "huge": "large"}.get(w, w)
            attributes.setdefault("size", size)
        elif w in MATERIAL_WORDS and content == []:
            attributes.setdefault("material", {"wooden": "wood", "metallic": "metal"}.get(w, w))
        else:
            content.append(w)
    if not content and words and (words[-1] in COLOUR_WORDS and "colour" in attributes or
                                  words[-1] in MATERIAL_WORDS and "material" in attributes):
        # an attribute word that ends the phrase is its head: "the orange", "the glass"
        named = "colour" if words[-1] in COLOUR_WORDS else "material"
        content, attributes = [words[-1]], {k: v for k, v in attributes.items() if k != named}
    if not content:
        return None
    head = " ".join(content[-2:])
    modifiers = tuple(content[:-2])
    return NounPhrase(text.strip(), head, modifiers, attributes)


@dataclass(frozen=True)
class FormReading:
    """What the wording of a question says: a refusal, or a projection and its selection as words."""

    kind: str | None = None
    refusal: str | None = None
    target: NounPhrase | None = None
    attribute: str | None = None
    relation: str | None = None
    anchor: NounPhrase | None = None
    anchor2: NounPhrase | None = None
    activity: str | None = None
    visit: str | None = None
    room_words: str | None = None
    rule: str = ""
    fallback: bool = False  # a form the embedding classifier knows: used only when that one cannot read it
    state: str | None = None  # object_state: the state asked about
    activity_must_be_known: bool = False  # affordance: refuse as advice unless semantic memory knows the activity
    action: str | None = None  # robot_actions: the action asked about, relative to the one named by `activity`


def relation_of(text: str) -> tuple[str | None, NounPhrase | None, NounPhrase | None]:
    """The first relation phrase in `text` ("on the water sink" -> on, sink)."""
    m = _RELATION_RE.search(text)
    if m is None:
        return None, None, None
    relation = next(name for name, _ in RELATION_PATTERNS if m.group(name))
    rest = m.group("rest")
    if relation == "between":
        parts = re.split(r"\band\b|,", rest, maxsplit=1)
        first = noun_phrase(parts[0])
        second = noun_phrase(parts[1]) if len(parts) > 1 else None
        if first is not None and second is not None and first.head in ATTRIBUTE_WORDS:
            # "between the brown and green sofa": the head is shared, the first part only describes it
            first = NounPhrase(first.text, second.head, first.modifiers, {**_attributes_of(first.head)})
        return relation, first, second
    return relation, noun_phrase(rest), None


def _attributes_of(word: str) -> dict[str, str]:
    """The attribute an attribute word names ({"colour": "brown"}); {} for any other word."""
    if word in COLOUR_WORDS:
        return {"colour": word}
    if word in SIZE_WORDS:
        return {"size": word}
    return {"material": word} if word in MATERIAL_WORDS else {}


def _attribute_name(word: str) -> str:
    for pattern, name in _ATTRIBUTE_WORDS.items():
        if re.fullmatch(pattern, word):
            return name
    return "colour"


STOREY_WORDS: frozenset[str] = frozenset("top bottom upper lower ground first second third main".split())


def read_form(text: str, refusals: bool = True) -> FormReading | None:
    """The form of a (lowercased, time-expression-free) question by its wording, or None.

    `refusals=False` skips the refusing rules (what the reading score is fitted on: the reading a question
    would get without them, planners.language.reading_score).
    """
    reading = _read_form(text, refusals)
    if refusals and reading is not None and reading.refusal is None:
        why = unheld_selection(reading)
        if why is not None:
            return FormReading(refusal=why, rule="a selection memory does not hold")
    return reading


def unheld_selection(reading: FormReading) -> str | None:
    """Why memory cannot hold what a reading selects (a storey alone), or None.

    Walls, parts and substances are the ontology's `not_objects`, checked by the parser against what
    memory holds (QuestionParser._selects_no_object).
    """
    head = reading.target.head.split()[-1] if reading.target is not None and reading.target.head else ""
    anchor = reading.anchor.head.split() if reading.anchor is not None and reading.anchor.head else []
    if reading.kind == "identify" and not head and reading.anchor2 is None and len(anchor) > 1 and \
            anchor[-1] == "floor" and anchor[-2] in STOREY_WORDS:
        return "storeys of a house are not places memory holds"
    return None


def _read_form(text: str, refusals: bool) -> FormReading | None:
    t = " ".join(text.lower().replace("’", "'").split())
    t = re.sub(r"\bwhats\b", "what is", t)
    # Openings people put before the question itself ("hey robot, quick question: what colour ...").
    t = re.sub(r"^(?:(?:hey|hi|ok|okay|so|robot|please|quick question|tell me|excuse me|do you know|i wonder|"
               r"can you tell me|could you tell me)\b[,:]?\s*)+", "", t)
    t = re.sub(r"\bcolou?r(ed)?\b", lambda m: "colour" + (m.group(1) or ""), t)
    # "Is there a paper cutter? If so, where?": the follow-up asks where the thing of the first question is.
    t = re.sub(r"\s*[?.]?\s*if so,?\s*(?:where|what|which)\b.*$", "?", t)
    if m := _THERE_IS_THEN.match(t):
        thing = re.sub(r"^(?:something|anything|an?\s+(?:object|thing|item))\b\s*", "", m.group("np"))
        t = re.sub(r"\b(?:it|them|they)\b", thing, m.group("q"), count=1)
    if (spatial := read_spatial_form(t)) is not None:
        return spatial
    if m := _TAKE_ME.match(t):
        return FormReading("present_location", target=noun_phrase(m.group("np")), rule="take me to")
    if m := _WHEN_SEEN.match(t):
        return FormReading("last_seen", target=noun_phrase(m.group("np")), rule="when did you see")
    if m := _ROBOT_VISIT.match(t):
        verb = m.group("verb")
        visit = "left" if verb in ("leave", "left", "exit") else "entered" if verb != "visit" else "visited"
        return FormReading("robot_visit", visit=visit, room_words=m.group("np"), rule="when did you enter/leave")
    if m := _ROBOT_WHERE.match(t):
        return FormReading("robot_location", room_words=None, rule="where were you")
    if m := _DID_ORDER.match(t):
        verb = ACTION_VERBS[" ".join(m.group("verb").split())]
        return FormReading("robot_actions", target=noun_phrase(m.group("np")), relation=m.group("order"),
                           activity=verb, rule="what did you do after/before you <action>")
    if m := _DID_WHICH.match(t):
        verb = ACTION_VERBS[" ".join(m.group("verb").split())]
        thing = noun_phrase(m.group("thing")) if m.group("thing") else None
        anchor = noun_phrase(m.group("np"))
        if re.fullmatch(r"(?:it|them)(?:\s+(?:up|down))?", m.group("np")):  # "... right after you picked it up"
            anchor = thing
        return FormReading("robot_actions", target=thing, anchor=anchor, relation=m.group("order"), activity=verb,
                           action=_ASKED_ACTIONS[" ".join(m.group("asked").split())],
                           rule="what did you <action> before/after you <action>")
    if _DID_ANY.match(t):
        return FormReading("robot_actions", rule="what did you do")
    if m := _HOW_MEANS.search(t):
        return FormReading("affordance", activity=m.group("activity"), rule="how can I <activity>",
                           activity_must_be_known=True)
    for pattern, why in REFUSALS if refusals else ():
        if pattern.search(t):
            return FormReading(refusal=why, rule=pattern.pattern[:40])
    # "on the wall", "from the ceiling": where a thing hangs, not a thing memory holds.
    t = re.sub(r"\s*\b(?:on|along|against|from|to)\s+the\s+(?:left\s+|right\s+|far\s+|back\s+)?"
               r"(?:wall|ceiling|floor)s?\b(?=\s*(?:$|[?,.]|\b(?:in|of|near|above|below|between|next|by|and|under|to)\b))",
               "", t)
    if m := _ON_OFF.match(t):
        np = noun_phrase(m.group("np") or m.group("np2"))
        if np is not None:
            return FormReading("object_state", target=np, rule="is X on/off", activity=None,
                               visit=None, room_words=m.group("state") or m.group("state2"))
    if (m := _COVERED.match(t)) and (np := noun_phrase(m.group("np"))) is not None and \
            np.head.split()[-1] in COVERING_NOUNS:
        return FormReading("object_state", target=np, state=_COVERING_STATES[m.group("state")],
                           rule="are the blinds down/up")
    if m := _OPEN_CLOSED.match(t):
        np = noun_phrase(m.group("np"))
        if np is not None:
            relation, anchor, anchor2 = relation_of(m.group("np")[len(np.text.split(np.head)[0]) + len(np.head):]
                                                     if np.head in m.group("np") else "")
            state = "closed" if m.group("state") in ("closed", "shut") else "open"
            return FormReading("object_state", target=np, state=state, relation=relation, anchor=anchor,
                               anchor2=anchor2, rule="is X open/closed", fallback=True)
    if m := _ROOM_FOR.match(t):
        np = noun_phrase(m.group("np"))
        if np is not None:
            return FormReading("room_of", target=np, rule="which room should I go to for X")
    if m := _FIND.search(t):
        np = noun_phrase(m.group("np") or m.group("np_get") or m.group("np_search"))
        if np is not None:  # after a preamble ("I need to charge my laptop, where can I find ...") the rule decides
            return FormReading("present_location", target=np, rule="where can I find X", fallback=m.start() == 0)
    if m := _ANYTHING_ON.match(t):
        relation, anchor, _ = relation_of(m.group("rest"))
        if anchor is not None:
            return FormReading("contents", target=anchor, relation=relation, rule="is anything on X")
    for pattern in (_ATTRIBUTE_Q, _ATTRIBUTE_OF, _ATTRIBUTE_TAIL):
        if m := pattern.match(t):
            np = noun_phrase(m.group("np"))
            if np is not None:
                relation, anchor, anchor2 = relation_after_head(m.group("np"), np)
                return FormReading("attribute", target=np, attribute=_attribute_name(m.group("attr")),
                                   relation=relation, anchor=anchor, anchor2=anchor2,
                                   rule="what colour/material/shape/size")
    if m := _MADE_OF.match(t):
        np = noun_phrase(m.group("np"))
        if np is not None:
            return FormReading("attribute", target=np, attribute="material", rule="made of")
    if (m := _COUNT.match(t)) and not _EVENT_COUNT.search(t):
        np = noun_phrase(m.group("np"))
        if np is not None:
            relation, anchor, _ = relation_of(m.group("rest") or "")
            return FormReading("object_count", target=np, relation=relation, anchor=anchor, rule="how many")
    if m := _WHAT_REL.match(t):
        relation, anchor, anchor2 = relation_of(m.group("rel") + " " + m.group("rest"))
        if anchor is not None and relation in ("on", "in"):
            structural = anchor.head.split()[-1] in ROOM_WORDS | {"corner", "side", "wall", "floor", "ceiling"}
            if refusals and structural and re.search(r"\b(corner|side|wall|floor|ceiling)s?\b", m.group("rest")):
                return FormReading(refusal="a corner, side or wall of a room is not a place memory holds",
                                   rule="what is in the corner of the room")
            # "what is on X" is a spec form the classifier knows; "what is located/kept on X" is not (but
            # "what changed in X" is, and stays the classifier's)
            return FormReading("contents", target=anchor, relation=relation, rule="what is on/in X",
                               fallback=m.group("verb") is None)
        if anchor is not None:
            return FormReading("identify", relation=relation, anchor=anchor, anchor2=anchor2, rule="what is <rel> X")
    if (nearness := read_nearness_form(t)) is not None:
        return nearness
    if m := _IDENTIFY_DESC.match(t):
        desc = noun_phrase(m.group("desc") + " thing") if m.group("desc").strip() else None
        relation, anchor, anchor2 = relation_of(m.group("rest"))
        attrs = dict(desc.attributes) if desc is not None else {}
        for w in re.findall(r"[a-z]+", m.group("desc")):
            if w in COLOUR_WORDS:
                attrs.setdefault("colour", w)
        target = NounPhrase(m.group("desc"), "", (), attrs)
        if not attrs and not m.group("desc").strip() and relation in ("on", "in") and anchor is not None:
            return FormReading("contents", target=anchor, relation=relation, rule="what objects are on X")
        return FormReading("identify", target=target, relation=relation, anchor=anchor, anchor2=anchor2,
                           rule="what is the <description> object")
    if m := _IDENTIFY_NAMED.match(t):
        np = noun_phrase(m.group("desc") + " " + m.group("np"))
        if np is not None:
            relation, anchor, anchor2 = relation_of(m.group("rest") or "")
            return FormReading("identify", target=np, relation=relation, anchor=anchor, anchor2=anchor2,
                               rule="what is the <colour> X")
    if (m := _HAVE_SEEN.match(t)) and (np := noun_phrase(m.group("np"))) is not None:
        if re.match(r"(?:a|an|any)\b", m.group("np")):
            return FormReading("exists", target=np, rule="have you seen a X")
        return FormReading("present_location", target=np, rule="have you seen my X", fallback=True)
    if m := _SEEN.match(t):
        np = noun_phrase(m.group("np"))
        if np is not None:
            return FormReading("exists", target=np, rule="did you see X")
    if m := _AFFORD.search(t):
        activity = next(g for g in m.groups() if g is not None).strip(" ,.?")
        place = re.match(r"(?:access|enter|reach|get\s+into|go\s+(?:in)?to)\s+(?:the\s+)?(\w+)", activity)
        if refusals and place is not None and place.group(1) in ROOM_WORDS:
            return FormReading(refusal="the way to a room is not something memory holds", rule="where can I reach X")
        if not re.match(r"(find|see|get\s+(?:the|my|our|your|to)\b)", activity) or \
                re.match(r"(find|get)\s+(something|anything|somewhere)\b", activity):
            return FormReading("affordance", activity=activity or None, rule="where can I <activity>")
    if m := _WHERE_IS.match(t):
        np = noun_phrase(m.group("np") or m.group("np2"))
        if np is not None:
            relation, anchor, anchor2 = relation_after_head(m.group("np") or m.group("np2"), np)
            return FormReading("present_location", target=np, relation=relation, anchor=anchor, anchor2=anchor2,
                               rule="where is X", fallback=True)
    if m := _EXISTS.match(t):
        rest = m.group("np")
        if re.match(r"(anything|something|things|objects|stuff)\b", rest):
            relation, anchor, _ = relation_of(rest)
            if anchor is not None:
                return FormReading("contents", target=anchor, relation=relation, rule="is there anything on X")
            return None
        np = noun_phrase(rest)
        if np is not None:
            relation, anchor, _ = relation_of(rest)
            return FormReading("exists", target=np, relation=relation, anchor=anchor, rule="is there a X")
    return None
