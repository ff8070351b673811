"""Wording of generated questions and tasks: a small template grammar with synonyms per form.

`phrase(rng, form, **slots)` picks one template of the form and one synonym per slot word. Slots:
{thing} an object category, {place} a furniture category, {room} a room name, {when} a time
expression, {be}/{Be} the verb agreeing with {thing}, {colour} a colour name, {activity} what someone
wants to do there, {place2} a second furniture category (the other end of "between"). The wording keeps
each form's cue words (a past question says was/were/ago/yesterday; a present one never does), so
bench.evaluation's form of a question is the form it was generated as.
"""

from __future__ import annotations

import numpy as np

from memory_stack.foundation.time_format import format_time

TEMPLATES: dict[str, tuple[str, ...]] = {
    "present_location": ("Where {be} the {thing}?", "Where can I find the {thing}?", "Where {be} my {thing}?",
                         "Do you know where the {thing} {be}?", "Can you tell me where the {thing} {be}?",
                         "Where should I look for the {thing}?"),
    "past_location": ("Where {was} the {thing} {when}?", "Where {was} my {thing} {when}?",
                      "{When_cap}, where {was} the {thing}?", "Where did the {thing} sit {when}?"),
    "room_of": ("Which room {be} the {thing} in?", "In which room {be} the {thing}?", "What room {be} the {thing} in?",
                "Which room should I go to for the {thing}?"),
    "contents_on": ("What is on the {place}?", "What's on the {place}?", "What is lying on the {place}?",
                    "Which things are on the {place}?"),
    "contents_in": ("What is in the {place}?", "What's inside the {place}?", "What is kept in the {place}?"),
    "room_contents": ("What is in the {room}?", "Which objects are in the {room}?"),
    "object_state": ("Is the {place} open?", "Is the {place} door open?", "Is the {place} open right now?"),
    "count_opened": ("How many times was the {place} opened?", "How often was the {place} opened?",
                     "How many times has the {place} been opened?"),
    "count_opened_today": ("How many times was the {place} opened today?", "How often was the {place} opened today?"),
    "count_moved": ("How many times {was} the {thing} moved?", "How often {was} the {thing} moved?"),
    "still_present": ("{Be} the {thing} still in the house?", "{Be} my {thing} still in the house?",
                      "Do we still have the {thing} in the house?"),
    "changes": ("What changed in the {room} between {t0} and {t1}?",
                "What is different in the {room} between {t0} and {t1}?"),
    "first_seen": ("When did you first see the {thing}?", "When was the {thing} first seen?"),
    "last_seen": ("When did you last see the {thing}?", "When was the {thing} last seen?"),
    "object_count": ("How many {things} are in the {room}?", "How many {things} are there in the {room}?",
                     "How many {things} does the {room} have?"),
    "attribute_colour": ("What colour {be} the {thing}?", "What color {be} the {thing}?",
                         "What colour {be} my {thing}?"),
    "exists": ("Did you see {a} {thing}?", "Did you ever see {a} {thing}?", "Did you notice {a} {thing}?"),
    "identify_colour": ("What is the {colour} thing on the {place}?", "Which {colour} object is on the {place}?",
                        "What is the {colour} item on the {place}?"),
    "affordance_where": ("Where can I {activity}?", "Where could I {activity}?"),
    "robot_where": ("Where were you {when}?", "Which room were you in {when}?"),
    "relation_next_to": ("What is next to the {place}?", "What's next to the {place}?", "What is beside the {place}?",
                         "What stands next to the {place}?"),
    "relation_closest": ("What is closest to the {place}?", "Which furniture is closest to the {place}?",
                         "What is nearest to the {place}?", "Which piece of furniture is closest to the {place}?"),
    "relation_between": ("What is between the {place} and the {place2}?",
                         "What stands between the {place} and the {place2}?",
                         "Which furniture is between the {place} and the {place2}?"),
    "task_bring": ("bring the {thing} to the {place}", "put the {thing} on the {place}",
                   "please take the {thing} to the {place}", "could you move the {thing} onto the {place}"),
    "task_open": ("open the {place}", "please open the {place}"),
    "task_close": ("close the {place}", "please shut the {place}"),
}

# words people use for a category; the first is the category itself
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sofa": ("sofa", "couch"),
    "phone": ("phone", "cell phone"),
    "remote": ("remote", "remote control"),
    "glasses": ("glasses", "eyeglasses"),
    "tv_stand": ("tv stand", "TV stand"),
    "fridge": ("fridge", "refrigerator"),
    "bookshelf": ("bookshelf", "bookcase"),
    "keys": ("keys", "key ring"),
    "computer_mouse": ("computer mouse", "mouse"),
}

PLURAL_WORDS = {"keys", "glasses", "sunglasses", "scissors", "gloves", "headphones", "eyeglasses"}


def word_options(category: str | None) -> tuple[str, ...]:
    """Every word for a category (its synonyms, else its name as words); ("",) for an empty slot."""
    if not category:
        return ("",)
    return SYNONYMS.get(category, (category.replace("_", " "),))


def words(category: str, rng: np.random.Generator | None = None) -> str:
    options = word_options(category)
    if rng is None:
        return options[0]
    return options[int(rng.integers(len(options)))]


def phrase(rng: np.random.Generator, form: str, thing: str | None = None, place: str | None = None,
           room: str | None = None, when: str | None = None, t0: str | None = None, t1: str | None = None,
           colour: str | None = None, activity: str | None = None, place2: str | None = None) -> str:
    template = TEMPLATES[form][int(rng.integers(len(TEMPLATES[form])))]
    thing_words = words(thing, rng) if thing else ""
    place_words = words(place, rng) if place else ""
    place2_words = words(place2, rng) if place2 else ""
    return render(template, thing_words, place_words, room=room, when=when, t0=t0, t1=t1, colour=colour,
                  activity=activity, place2_words=place2_words)


def every_phrasing(form: str, thing: str | None = None, place: str | None = None, room: str | None = None,
                   when: str | None = None, t0: str | None = None, t1: str | None = None,
                   colour: str | None = None, activity: str | None = None, place2: str | None = None) -> list[str]:
    """Every wording `phrase` can give these slots: each template of the form with each word for the things."""
    return [render(template, thing_words, place_words, room=room, when=when, t0=t0, t1=t1, colour=colour,
                   activity=activity, place2_words=place2_words)
            for template in TEMPLATES[form] for thing_words in word_options(thing)
            for place_words in word_options(place) for place2_words in word_options(place2)]


def render(template: str, thing_words: str, place_words: str, room: str | None = None, when: str | None = None,
           t0: str | None = None, t1: str | None = None, colour: str | None = None,
           activity: str | None = None, place2_words: str = "") -> str:
    """One template with its slots filled: the verb agrees with the thing's words, an article with its sound."""
    plural = thing_words.split()[-1] in PLURAL_WORDS if thing_words else False
    return template.format(thing=thing_words, things=plural_words(thing_words, plural), place=place_words,
                           place2=place2_words,
                           room=(room or "").replace("_", " "), when=when or "",
                           When_cap=(when or "")[:1].upper() + (when or "")[1:], t0=t0 or "", t1=t1 or "",
                           a="any" if plural else "an" if thing_words[:1] in tuple("aeiou") else "a",
                           be="are" if plural else "is", Be="Are" if plural else "Is",
                           was="were" if plural else "was", colour=colour or "", activity=activity or "")


def plural_words(thing_words: str, plural: bool) -> str:
    """'mug' -> 'mugs', 'glass' -> 'glasses', 'battery' -> 'batteries'; words already plural stay."""
    if not thing_words or plural:
        return thing_words
    head, _, last = thing_words.rpartition(" ")
    if last.endswith(("s", "sh", "ch", "x")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}".strip()


def time_expression(rng: np.random.Generator, t: float, now: float) -> str:
    """A way to say past time `t` asked at `now`: absolute, 'N hours ago', or 'yesterday at HH:MM'."""
    stamp = format_time(t)
    day, clock = stamp.split(" ")
    options = [f"at {stamp}", f"on {day} at {clock}"]
    hours = (now - t) / 3600.0
    if abs(hours - round(hours)) < 1e-6 and 1 <= hours <= 72:
        options.append(f"{int(round(hours))} hours ago")
    if int(now // 86400) - int(t // 86400) == 1:
        options.append(f"yesterday at {clock}")
    return options[int(rng.integers(len(options)))]
