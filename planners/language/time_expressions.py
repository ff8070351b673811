"""Time expressions in questions -> absolute times (float seconds since "d1 00:00").

`now` is the time the question is asked, in the same seconds; day N starts at (N - 1) * 86400.

Conventions (documented here because they are choices, not facts):
- "dN HH:MM" (also "day N at HH:MM") is an exact point. "dN" / "day N" alone is that whole day.
- A clock time without a day ("at 9am", "at 9:30", "at 21:00", "at noon") is its most recent
  occurrence at or before `now` (asked at d2 08:00, "at 9am" means d1 09:00). With a day word
  ("yesterday at 9", "this morning at 8:30", "d2 at 9") it is that time on that day.
- Parts of a day (interval, point estimate):
  morning 06:00-12:00 (09:00), afternoon 12:00-18:00 (15:00), evening 18:00-22:00 (20:00),
  night 22:00-06:00 of the next day (23:00), noon 12:00, midnight 00:00.
  "this morning/afternoon/evening" is today's period, clipped to `now`; "tonight" is today's
  evening+night (from 18:00). "last night" is the night that ended this morning (22:00 of
  yesterday to 06:00 of today), or the night under way if asked during it.
- "today" / "earlier today" is [start of today, now], point estimate the interval's midpoint.
  "yesterday" is the whole previous day, point estimate 12:00. "the day before yesterday" likewise.
- "N minutes/hours/days ago", "an hour ago", "half an hour ago", "a few minutes ago" (5 min),
  "a while ago" (1 h): the point now - N * unit.
- "in the last/past N hours", "during the past day", "recently" (last 2 h): the interval [now - span, now].
  "this week" / "the past week": the last seven days (today and the six before it) up to now;
  "last week" / "the previous week": the seven days before those.
- "between 8 and 9 [this morning]", "from 2 to 4pm [yesterday]": bare hours share one day (the
  day named next to them, else the latest day on which the start is not in the future); am/pm
  given on one end applies to both; "this evening" makes them afternoon/evening hours.
- "since X": [X, now]; "until/before X": [0, X]; "after X": [X, now];
  "between X and Y" / "from X to/until Y": [X, Y] (intervals of X and Y contribute their start / end).
- Points are clipped to [0, now] only when they came from relative words; absolute "dN HH:MM"
  points are kept as written (asking about the future is the answerer's business).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY_S = 86400.0
HOUR_S = 3600.0
MINUTE_S = 60.0

DAY_PARTS: dict[str, tuple[float, float, float]] = {
    # name: (start hour, end hour, point-estimate hour); end may exceed 24 (night runs past midnight)
    "morning": (6.0, 12.0, 9.0),
    "afternoon": (12.0, 18.0, 15.0),
    "evening": (18.0, 22.0, 20.0),
    "night": (22.0, 30.0, 23.0),
}

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "a couple of": 2,
    "couple of": 2, "a few": 3, "few": 3, "several": 3,
}

UNIT_SECONDS = {"second": 1.0, "sec": 1.0, "minute": MINUTE_S, "min": MINUTE_S, "hour": HOUR_S, "hr": HOUR_S,
                "day": DAY_S, "week": 7 * DAY_S}


@dataclass(frozen=True)
class TimeReference:
    """What a time expression denotes: a point (`time`), an interval (`t0`, `t1`), or both.

    A period like "yesterday morning" has both: the interval and a conventional point estimate.
    `span` is the (start, end) character range of the expression in the question.
    """

    text: str
    time: float | None = None
    t0: float | None = None
    t1: float | None = None
    span: tuple[int, int] = (0, 0)

    @property
    def is_interval(self) -> bool:
        return self.t0 is not None or self.t1 is not None


def day_start(t: float) -> float:
    """Start (00:00) of the day containing time t."""
    return (t // DAY_S) * DAY_S


def format_time(t: float) -> str:
    """Seconds since d1 00:00 -> "dN HH:MM" (minutes rounded down)."""
    day = int(t // DAY_S) + 1
    rest = t - (day - 1) * DAY_S
    return f"d{day} {int(rest // HOUR_S):02d}:{int((rest % HOUR_S) // MINUTE_S):02d}"


_NUM = r"(?:\d+(?:\.\d+)?|a couple of|couple of|a few|few|several|forty-five|an|a|one|two|three|four|five|six|seven|" \
       r"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty)"
_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"
_CLOCK = (r"(?:(?P<{p}h>\d{{1,2}})(?::(?P<{p}m>\d{{2}}))?\s*(?P<{p}ap>a\.?m\.?|p\.?m\.?)?"
          r"|(?P<{p}word>noon|midday|midnight))")


def _clock(prefix: str) -> str:
    return _CLOCK.format(p=prefix)


_POINT_PATTERNS = [
    # relative offsets: "3 hours ago", "half an hour ago", "an hour and a half ago"
    re.compile(r"\b(?P<half>half an hour|half a day)\s+ago\b"),
    re.compile(rf"\b(?P<n>{_NUM})\s+(?P<unit>{_UNIT})(?P<andhalf>\s+and\s+a\s+half)?\s+ago\b"),
    re.compile(r"\b(?P<while>a while|a little while|a bit)\s+ago\b"),
]


def _number(text: str) -> float:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return float(NUMBER_WORDS[text])


def _unit_seconds(unit: str) -> float:
    unit = unit.rstrip("s") if unit not in ("s",) else unit
    return UNIT_SECONDS.get(unit, UNIT_SECONDS.get(unit[:3], HOUR_S))


def _clock_hours(match: re.Match, prefix: str) -> float | None:
    word = match.group(f"{prefix}word")
    if word:
        return 0.0 if word == "midnight" else 12.0
    h = match.group(f"{prefix}h")
    if h is None:
        return None
    hour = int(h)
    minute = int(match.group(f"{prefix}m") or 0)
    ampm = (match.group(f"{prefix}ap") or "").replace(".", "")
    if hour > 24 or minute > 59:
        return None
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return hour + minute / 60.0


@dataclass(frozen=True)
class _Anchor:
    """One resolved expression before combination: interval [t0, t1] and point estimate."""

    t0: float
    t1: float
    point: float
    span: tuple[int, int]
    exact: bool  # a point given to the minute ("d1 08:30", "3 hours ago")


class TimeExpressionParser:
    """Finds and resolves time expressions in a question, relative to the time it is asked."""

    # "d2 08:30", "day 2 at 8:30", "d2 at 8:30pm"
    _ABSOLUTE = re.compile(rf"\b(?:on\s+)?(?:d|day\s*)(?P<dn>\d+)(?:\s*,?\s*(?:at\s+)?{_clock('')})?\b"
                           r"(?!\s*(?:hours?|min))")
    # "yesterday morning", "this afternoon", "last night", "tonight", "the day before yesterday evening"
    _DAY_PART = re.compile(r"\b(?P<anchor>the day before yesterday|yesterday|this|last|tonight|today)"
                           r"(?:\s+(?:in\s+the\s+|at\s+)?(?P<part>morning|afternoon|evening|night))?\b")
    # "at 9am", "at 9:30", "at 21:00", "at noon", "9am", "8:30 pm"
    _CLOCK_TIME = re.compile(rf"\b(?:at|around|about)\s+{_clock('')}\b|"
                             r"\b(?P<bh>\d{1,2})(?::(?P<bm>\d{2}))?\s*(?P<bap>a\.?m\.?|p\.?m\.?)|"
                             r"\b(?P<ch>\d{1,2}):(?P<cm>\d{2})\b|\b(?:at\s+)?(?P<cword>noon|midday|midnight)\b")
    # "in the last 3 hours", "during the past day", "over the last hour", "recently"
    _RECENT = re.compile(rf"\b(?:in|during|over|within)\s+the\s+(?:last|past|previous)\s+(?:(?P<n>{_NUM})\s+)?"
                         rf"(?P<unit>{_UNIT})\b|\b(?P<recently>recently|lately)\b")
    _EARLIER_TODAY = re.compile(r"\bearlier\s+today\b")
    # "between 8 and 9 this morning", "from 2 to 4pm": bare hours as a range on one day
    _BARE_RANGE = re.compile(r"\b(?:between|from)\s+(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>am|pm)?"
                             r"\s+(?:and|to|until|till)\s+(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<ap2>am|pm)?\b"
                             r"(?!\s*(?:hours?|minutes?|mins?|days?|times?))")
    _WEEK = re.compile(r"\b(?P<which>this|last|past|the last|the past|previous|the previous)\s+week\b")

    def parse(self, text: str, now: float) -> TimeReference | None:
        """The time reference of `text` (point, interval or both), or None if it has none.

        Nothing before the origin exists: times are clamped to >= 0 ("the day before yesterday"
        asked on day 2 is day 1's start), and an interval never ends before it starts.
        """
        ref = self._parse(text, now)
        if ref is None:
            return None
        clamp = [None if v is None else max(0.0, v) for v in (ref.time, ref.t0, ref.t1)]
        if clamp[1] is not None and clamp[2] is not None and clamp[1] > clamp[2]:
            clamp[1], clamp[2] = clamp[2], clamp[1]
        return TimeReference(ref.text, clamp[0], clamp[1], clamp[2], ref.span)

    def _parse(self, text: str, now: float) -> TimeReference | None:
        lowered = text.lower()
        anchors = self._anchors(lowered, now)
        if not anchors:
            return None
        anchors.sort(key=lambda a: a[1].span[0])
        # "between X and Y" / "from X to Y" / "since X" / "until X" relate anchors by the words before them.
        for i, (_, first) in enumerate(anchors):
            before = lowered[max(0, first.span[0] - 12):first.span[0]]
            if re.search(r"\b(between|from)\s*$", before) and i + 1 < len(anchors):
                second = anchors[i + 1][1]
                middle = lowered[first.span[1]:second.span[0]]
                if re.fullmatch(r"\s*(and|to|until|till|through|-)\s*", middle):
                    t0, t1 = first.t0, second.t1 if not second.exact else second.point
                    if first.exact:
                        t0 = first.point
                    span = (first.span[0] - len(before) + before.rfind(before.strip().split()[-1]), second.span[1])
                    return TimeReference(text[span[0]:span[1]], None, min(t0, t1), max(t0, t1), span)
            if re.search(r"\b(since|after)\s*$", before):
                start = first.point if first.exact else first.t0
                span = (first.span[0] - len(before) + before.rfind(before.strip().split()[-1]), first.span[1])
                return TimeReference(text[span[0]:span[1]], None, start, max(now, start), span)
            if re.search(r"\b(until|till|before|by)\s*$", before):
                end = first.point if first.exact else first.t0
                span = (first.span[0] - len(before) + before.rfind(before.strip().split()[-1]), first.span[1])
                return TimeReference(text[span[0]:span[1]], None, 0.0, end, span)
        # A single anchor (when several, the most specific: exact points first, then the earliest mention).
        kind, best = sorted(anchors, key=lambda a: (not a[1].exact, a[1].span[0]))[0]
        raw = text[best.span[0]:best.span[1]]
        if best.exact:
            return TimeReference(raw, best.point, None, None, best.span)
        return TimeReference(raw, best.point, best.t0, best.t1, best.span)

    def _anchors(self, text: str, now: float) -> list[tuple[str, _Anchor]]:
        found: list[tuple[str, _Anchor]] = []
        taken: list[tuple[int, int]] = []

        def free(span: tuple[int, int]) -> bool:
            return all(span[1] <= a or span[0] >= b for a, b in taken)

        def add(kind: str, anchor: _Anchor) -> None:
            taken.append(anchor.span)
            found.append((kind, anchor))

        today = day_start(now)
        for m in _POINT_PATTERNS[0].finditer(text):
            offset = 1800.0 if m.group("half").startswith("half an") else 0.5 * DAY_S
            add("ago", self._point(max(0.0, now - offset), m.span()))
        for m in _POINT_PATTERNS[1].finditer(text):
            if not free(m.span()):
                continue
            amount = _number(m.group("n")) + (0.5 if m.group("andhalf") else 0.0)
            add("ago", self._point(max(0.0, now - amount * _unit_seconds(m.group("unit"))), m.span()))
        for m in _POINT_PATTERNS[2].finditer(text):
            if free(m.span()):
                add("ago", self._point(max(0.0, now - HOUR_S), m.span()))
        for m in self._RECENT.finditer(text):
            if not free(m.span()):
                continue
            if m.group("recently"):
                span_s = 2 * HOUR_S
            else:
                amount = _number(m.group("n")) if m.group("n") else 1.0
                span_s = amount * _unit_seconds(m.group("unit"))
            start = max(0.0, now - span_s)
            add("recent", _Anchor(start, now, (start + now) / 2.0, m.span(), False))
        for m in self._WEEK.finditer(text):
            if not free(m.span()):
                continue
            end = now if m.group("which") in ("this", "past", "the past", "the last") else today - 6 * DAY_S
            start = max(0.0, (today - 6 * DAY_S) if end == now else end - 7 * DAY_S)
            end = max(start, end)
            add("recent", _Anchor(start, end, (start + end) / 2.0, m.span(), False))
        for m in self._EARLIER_TODAY.finditer(text):
            add("day", _Anchor(today, now, (today + now) / 2.0, m.span(), False))
        for m in self._ABSOLUTE.finditer(text):
            if not free(m.span()):
                continue
            start = (int(m.group("dn")) - 1) * DAY_S
            hours = _clock_hours(m, "")
            if hours is None:
                add("day", _Anchor(start, start + DAY_S, start + 12 * HOUR_S, m.span(), False))
            else:
                add("abs", self._point(start + hours * HOUR_S, m.span()))
        for m in self._DAY_PART.finditer(text):
            if not free(m.span()):
                continue
            anchor = self._day_part(m, now)
            if anchor is not None:
                add("day", anchor)
        for m in self._BARE_RANGE.finditer(text):
            if not free(m.span()):
                continue
            pair = self._bare_range(m, found, text, now)
            if pair is not None:
                for anchor in pair:
                    add("abs", anchor)
        for m in self._CLOCK_TIME.finditer(text):
            if not free(m.span()):
                continue
            hours = _clock_hours(m, "")
            if hours is None and m.group("bh") is not None:
                hours = int(m.group("bh")) % 12 + int(m.group("bm") or 0) / 60.0
                hours += 12.0 if m.group("bap").startswith("p") else 0.0
            if hours is None and m.group("ch") is not None:
                hours = int(m.group("ch")) + int(m.group("cm")) / 60.0 if int(m.group("ch")) <= 24 else None
            if hours is None and m.group("cword"):
                hours = 0.0 if m.group("cword") == "midnight" else 12.0
            if hours is None:
                continue
            add("clock", self._point(hours * HOUR_S, m.span()))
        return self._attach_clocks_to_days(found, text, now)

    @staticmethod
    def _bare_range(m: re.Match, found: list[tuple[str, _Anchor]], text: str, now: float) -> list[_Anchor] | None:
        """Both ends of "between 8 and 9 [this morning]" on one day: the named one, else the latest before now."""
        hours = []
        for h, mm, ap, other_ap in (("h1", "m1", "ap1", "ap2"), ("h2", "m2", "ap2", "ap1")):
            hour, minute = int(m.group(h)), int(m.group(mm) or 0)
            ampm = m.group(ap) or m.group(other_ap)
            if hour > 24 or minute > 59 or (ampm and hour > 12):
                return None
            if ampm == "pm" and hour < 12:
                hour += 12
            hours.append((hour + minute / 60.0) * HOUR_S)
        day = next((a for k, a in found
                    if k == "day" and (0 <= a.span[0] - m.end() <= 4 or 0 <= m.start() - a.span[1] <= 4)), None)
        first_end = max(m.end(g) for g in ("h1", "m1", "ap1") if m.group(g))
        first_span, second_span = (m.start("h1"), first_end), (m.start("h2"), m.end())
        if day is not None:
            if day.span[0] >= m.end():
                second_span = (second_span[0], day.span[1])
            found.remove(("day", day))
            base = day_start(day.t0 + 1.0)
            if day.t0 - base >= 12 * HOUR_S:  # "between 8 and 9 this evening" -> 20:00-21:00
                hours = [h + 12 * HOUR_S if h < 12 * HOUR_S else h for h in hours]
        else:
            base = day_start(now) if day_start(now) + hours[0] <= now else day_start(now) - DAY_S
        start, end = base + hours[0], base + hours[1]
        return [_Anchor(start, start, start, first_span, True), _Anchor(end, end, end, second_span, True)]

    @staticmethod
    def _point(t: float, span: tuple[int, int]) -> _Anchor:
        return _Anchor(t, t, t, span, True)

    @staticmethod
    def _day_part(m: re.Match, now: float) -> _Anchor | None:
        anchor, part = m.group("anchor"), m.group("part")
        today = day_start(now)
        if anchor == "last":
            if part != "night":
                return None  # "last seen", "last time": not a time expression
            # The night that ended this morning, even when asked late in the evening ("tonight" is the
            # one under way); asked before 06:00 it is the night still under way.
            night_start = today - DAY_S + 22 * HOUR_S
            return _Anchor(night_start, min(now, night_start + 8 * HOUR_S), night_start + HOUR_S, m.span(), False)
        if anchor == "tonight":
            start = today + 18 * HOUR_S
            return _Anchor(min(start, now), now, min(now, today + 20 * HOUR_S), m.span(), False)
        if anchor == "this" and part is None:
            return None
        base = {"yesterday": today - DAY_S, "the day before yesterday": today - 2 * DAY_S}.get(anchor, today)
        if part is None:
            if anchor == "today":
                return _Anchor(today, now, (today + now) / 2.0, m.span(), False)
            return _Anchor(base, base + DAY_S, base + 12 * HOUR_S, m.span(), False)
        start_h, end_h, point_h = DAY_PARTS[part]
        t0, t1, point = base + start_h * HOUR_S, base + end_h * HOUR_S, base + point_h * HOUR_S
        if base == today and t0 > now:  # "this evening" asked in the morning: still to come, kept as said
            return _Anchor(t0, t1, point, m.span(), False)
        if base == today:  # this morning / today afternoon: clipped to now
            t1 = min(t1, now)
            t0 = min(t0, t1)
            point = min(point, t1)
        return _Anchor(t0, t1, point, m.span(), False)

    @staticmethod
    def _attach_clocks_to_days(found: list[tuple[str, _Anchor]], text: str, now: float) -> list[tuple[str, _Anchor]]:
        """A clock time next to a day ("yesterday at 9", "d2 at 8:30") is that time on that day."""
        days = [a for k, a in found if k == "day"]
        result: list[tuple[str, _Anchor]] = []
        used_days: set[int] = set()
        for kind, anchor in found:
            if kind != "clock":
                continue
            hours_s = anchor.point
            day = None
            for i, d in enumerate(days):
                gap = text[min(d.span[1], anchor.span[1]):max(d.span[0], anchor.span[0])]
                if len(gap) <= 4 and not re.search(r"\b(and|to|until|till)\b", gap):
                    day = (i, d)
                    break
            if day is not None:
                i, d = day
                used_days.add(i)
                base = day_start(d.t0 + 1.0) if d.t1 - d.t0 < DAY_S else d.t0
                t = base + hours_s
                if hours_s < 12 * HOUR_S and d.t0 - base >= 12 * HOUR_S:  # "this evening at 8" -> 20:00
                    t += 12 * HOUR_S
                span = (min(d.span[0], anchor.span[0]), max(d.span[1], anchor.span[1]))
                result.append(("abs", _Anchor(t, t, t, span, True)))
            else:
                t = day_start(now) + hours_s
                if t > now:
                    t -= DAY_S
                result.append(("abs", _Anchor(max(0.0, t), max(0.0, t), max(0.0, t), anchor.span, True)))
        for i, d in enumerate(days):
            if i not in used_days:
                result.append(("day", d))
        result.extend((k, a) for k, a in found if k not in ("clock", "day"))
        return result


_PARSER = TimeExpressionParser()

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?:on\s+|last\s+|this\s+past\s+)?(?P<day>" + "|".join(WEEKDAYS) + r")s?\b"
                      r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night))?")


def weekday_reference(text: str, now: float, day1_weekday: str | None) -> TimeReference | str | None:
    """"on Monday", "last Tuesday evening": the most recent such day before today (today's is "today").

    The store's clock counts days from d1 and knows no calendar: without `day1_weekday` (the weekday
    of d1) a weekday cannot be resolved and the reason is returned as a string. None: no weekday named.
    """
    m = _WEEKDAY.search(text.lower())
    if m is None:
        return None
    if day1_weekday is None or day1_weekday.lower() not in WEEKDAYS:
        return (f"{m.group('day').capitalize()} cannot be placed: memory counts days from d1 and has no "
                f"calendar (set the parser's day1_weekday)")
    today = day_start(now)
    today_index = (WEEKDAYS.index(day1_weekday.lower()) + int(today // DAY_S)) % 7
    back = (today_index - WEEKDAYS.index(m.group("day"))) % 7 or 7
    base = today - back * DAY_S
    if base < 0:
        return f"{m.group('day').capitalize()} was before memory began (d1)"
    if m.group("part"):
        start_h, end_h, point_h = DAY_PARTS[m.group("part")]
        return TimeReference(m.group(0), base + point_h * HOUR_S, base + start_h * HOUR_S, base + end_h * HOUR_S,
                             m.span())
    return TimeReference(m.group(0), base + 12 * HOUR_S, base, base + DAY_S, m.span())


def parse_time_expression(text: str, now: float) -> TimeReference | None:
    """The time reference in `text` relative to `now` (seconds since d1 00:00), or None."""
    return _PARSER.parse(text, now)
