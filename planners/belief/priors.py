"""The one model of where a remembered thing is now: the planners' staleness and location prior.

An object stays where it was last seen with P = exp(-rate * hours since last seen)
(`stay_probability`); a present-tense question is itself evidence of a move
(`asked_stay_probability`, ratio `BeliefConfig.asked_moved_likelihood_ratio`). The rate is the
posterior mean of a Gamma prior whose mean is the category's mobility prior
(`BeliefConfig.moves_per_day`, looked up along the ontology's is_a chain: keys and phones move
several times a day, furniture almost never) scaled by how much things move in this home, updated
with the moves memory saw for things of that category over the hours it tracked them:
rate = (prior_moves + moves) / (prior_hours + tracked hours). How far the table's ranking of
categories holds in this home is itself weighed by which things memory saw move (`ranking_weights`:
a plant moved as often as a mug flattens it), and P(still there) is averaged over it (`stay`). With
`use_mobility_prior` off the rate is the memory's learned one (`move_rate`), at least the household's
(`use_household_move_rate`).

The mass that left the last-seen place is spread over the other receptacles by
`memory.location_prior(category)` (floored at `location_prior_floor`; rooms uniformly when no
receptacle is known), with `not_in_house_share` of it for "not in the house". A thing memory saw
leave may still be there, memory's misses false (`false_close_probability`: likely for a close seconds
after a sighting, a look must find it again); else it is out of the house with the learned
`departure_gone_share`, and somewhere else in the house with the rest; the rooms the robot has
looked at since it saw the thing gone (`searched_since`) are negative evidence for the places in
them, so "gone" becomes the answer as the house is searched, never from the one look that found the
place empty.

`LocationModel.hypotheses` / `past_hypotheses` give the planners' hypotheses for a question;
`located_distribution` gives the same model as `LocationBelief` rows, for `memstack query locate`.
"""

from __future__ import annotations

import math

from planners.acting.floor_plan_routes import polygon_centroid
from planners.belief.candidates import NOT_IN_HOUSE, AnswerCandidate
from planners.belief.config import BeliefConfig
from planners.belief.place_prior import PlacePrior, Similarity
from planners.memory_api import MemoryReader
from scene_graph.records import LocationBelief, SceneObject

SECONDS_PER_HOUR = 3600.0


def stay_probability(rate_per_hour: float, hours: float) -> float:
    """P(an object that moves `rate_per_hour` times an hour is still where it was `hours` ago)."""
    return math.exp(-max(0.0, rate_per_hour) * max(0.0, hours))


def asked_stay_probability(stay: float, likelihood_ratio: float) -> float:
    """P(still there | someone asks where it is): Bayes with P(asked | moved) / P(asked | stayed) = ratio.

    People ask where a thing is when they cannot find it where they expect it, and the people
    asking are the ones who move things about: the question itself is evidence of a move.
    """
    if likelihood_ratio == 1.0 or stay >= 1.0:
        return stay
    return stay / (stay + likelihood_ratio * (1.0 - stay))


def as_xyz(value: tuple[float, ...] | list[float] | None) -> tuple[float, float, float] | None:
    """A 2-D or 3-D point as three floats (z = 0 for a 2-D one)."""
    if value is None:
        return None
    seq = list(value)
    if len(seq) == 2:
        seq.append(0.0)
    return (float(seq[0]), float(seq[1]), float(seq[2]))

# When memory saw a thing leave: the odds that it left for good rather than to a place memory did not see.
ABSENT_STAYS_GONE = 0.5


class LocationModel:
    """Where things are, for one moment: movement rates, remembered places, and where the rest goes.

    Rates are cached for the life of the object: make one per question (memory may change between).
    """

    def __init__(self, memory: MemoryReader, config: BeliefConfig, now: float,
                 looks_from: float | None = None, similarity: Similarity | None = None) -> None:
        self.memory = memory
        self.similarity = similarity
        self.config = config
        self.now = now
        # When the robot started looking for this question: its own looks are applied by the
        # BeliefBuilder per place, so room observations from then on are not counted twice.
        self.looks_from = looks_from
        self._house_rate: float | None = None
        self._mobility_rates: dict[tuple[str, float], float] = {}
        self._gone_share: float | None = None
        self._scale: dict[float, float] = {}
        self._mean_prior: float | None = None
        self._ranking: list[tuple[float, float]] | None = None
        self._everything: list[SceneObject] | None = None
        self._relocations: dict[str, tuple[int, float]] | None = None
        self._observed_intervals: list[tuple[float, float, str]] | None = None
        # per (category, time): the posterior of how often its two-state things change (two_state)
        self.state_rates: dict[tuple[str, float], object] = {}

    def all_objects(self) -> list[SceneObject]:
        """Every object memory has seen, absent ones included (read once: the rates all learn from it)."""
        if self._everything is None:
            self._everything = self.memory.objects(include_absent=True)
        return self._everything

    def relocations(self) -> dict[str, tuple[int, float]]:
        """Per object: how many times memory saw it leave its place, and when it last noticed one.

        A move is a `moved` event, or a `disappeared` one memory never linked to a new place (the
        thing turned up as a new track elsewhere, or left the house); a departure followed by the
        re-sighting that made it a `moved` is one move, not two. Counting only `moved` events missed
        every move between two patrols that memory could not link (9 of 12 departures in one
        two-patrol household), and the rates learned from them put P(still there) at 0.95 after 13 h.
        """
        if self._relocations is None:
            found: dict[str, tuple[int, float]] = {}
            last_kind: dict[str, str] = {}
            for e in sorted(self.memory.events(kinds=["moved", "disappeared"]), key=lambda e: e.time):
                count, latest = found.get(e.object_id, (0, -math.inf))
                same_move = e.kind == "moved" and last_kind.get(e.object_id) == "disappeared"
                found[e.object_id] = (count + (0 if same_move else 1), max(latest, float(e.time)))
                last_kind[e.object_id] = e.kind
            self._relocations = found
        return self._relocations

    def tracked_hours(self, obj: SceneObject) -> float:
        """Hours memory followed `obj`: first sighting to the last sighting or the last move it noticed, if later."""
        end = max(float(obj.last_seen), self.relocations().get(obj.id, (0, -math.inf))[1])
        return max(0.0, end - float(obj.first_seen)) / SECONDS_PER_HOUR

    # ----------------------------------------------------------------- movement rates
    def household_move_rate(self, now: float) -> float:
        """Moves per object-hour over every movable thing memory has seen (a Gamma-smoothed estimate).

        One object's own history is short; how often things move in this house is known better.
        """
        cfg = self.config
        movable = [o for o in self.all_objects() if not o.is_receptacle]
        hours = sum(max(0.0, now - float(o.first_seen)) for o in movable) / SECONDS_PER_HOUR
        ids = {o.id for o in movable}
        moves = sum(1 for e in self.memory.events(kinds=["moved", "disappeared"]) if e.object_id in ids)
        prior_hours = cfg.household_prior_hours
        return (moves + cfg.default_move_rate_per_hour * prior_hours) / (hours + prior_hours)

    def departure_gone_share(self) -> float:
        """P(an object memory saw leave its place is out of the house), learned from memory's departures.

        A Beta prior (mean `absent_stays_absent`, weight `departures_prior_weight`) updated with the
        disappearances memory recorded of movable things: the ones it later saw again somewhere
        (moved, appeared) stayed in the house; one not seen again counts as gone only once the
        robot has looked at every room it knows since (an upper bound: a look at a room need not
        show everything in it). A departure the robot has not searched for yet is no evidence
        either way: counting it as gone made the first empty look at a place answer "gone".
        """
        cfg = self.config
        if not cfg.learn_departures:
            return cfg.absent_stays_absent
        if self._gone_share is None:
            furniture = {o.id for o in self.memory.receptacles()}
            events = sorted((e for e in self.memory.events(kinds=["disappeared", "moved", "appeared"])
                             if e.object_id not in furniture), key=lambda e: e.time)
            returned_after: dict[str, float] = {}
            for e in events:
                if e.kind != "disappeared":
                    returned_after[e.object_id] = float(e.time)
            rooms = self._known_rooms()
            stayed = gone = 0
            for e in (e for e in events if e.kind == "disappeared"):
                if returned_after.get(e.object_id, -math.inf) > float(e.time):
                    stayed += 1
                elif rooms and rooms <= self.searched_since(float(e.time)):
                    gone += 1
            weight = cfg.departures_prior_weight
            self._gone_share = (cfg.absent_stays_absent * weight + gone) / (weight + stayed + gone)
        return self._gone_share

    def _known_rooms(self) -> set[str]:
        floor_plan = self.memory.floor_plan
        if floor_plan is not None and floor_plan.rooms:
            return {room.name for room in floor_plan.rooms}
        return {r.room for r in self.memory.receptacles() if r.room}

    def searched_since(self, t: float) -> set[str]:
        """Rooms the robot began a look at after `t` (and before this question's own looks began)."""
        until = math.inf if self.looks_from is None else self.looks_from
        return {room for start, _end, room in self.observed() if t < start < until and room}

    def observed(self) -> list[tuple[float, float, str]]:
        """Every (start, end, room) the robot watched, read once."""
        if self._observed_intervals is None:
            self._observed_intervals = list(self.memory.observed_intervals(None, None))
        return self._observed_intervals

    def closed_at(self, loc: LocationBelief) -> float | None:
        """When memory last closed the absent placement `loc` as gone (its latest departure event), or None."""
        if not loc.object_id:
            return None
        seen_gone = [float(e.time) for e in self.memory.events(kinds=["disappeared"], target=loc.object_id)
                     if e.object_id == loc.object_id]
        return max(seen_gone) if seen_gone else None

    def departure_time(self, loc: LocationBelief) -> float | None:
        """When memory noticed the absent placement `loc` empty (`closed_at`), else its last sighting."""
        closed = self.closed_at(loc)
        return loc.last_seen if closed is None else closed

    def false_close_probability(self, loc: LocationBelief) -> float:
        """P(`loc`, which memory closed as gone, is still in place): memory's misses were false.

        Bayes between a false close (`BeliefConfig.false_close_probability`) and a move between the last
        sighting and the close, at the thing's move rate: a close seconds after a sighting is almost surely
        false, one hours later almost surely a move.
        """
        closed = self.closed_at(loc)
        if closed is None or loc.last_seen is None:
            return 0.0
        hours = max(0.0, closed - float(loc.last_seen)) / SECONDS_PER_HOUR
        moved = 1.0 - self.stay(loc.object_id or loc.category or "", hours)
        false_close = self.config.false_close_probability
        if false_close <= 0.0:
            return 0.0
        return false_close / (false_close + (1.0 - false_close) * moved)

    def _category_chain(self, category: str) -> list[str]:
        ontology = self.memory.ontology
        try:
            canonical = ontology.canonical(category)
            return [canonical] + [c for c in ontology.ancestors(canonical) if c != canonical]
        except (KeyError, LookupError, ValueError):
            return [category]

    def prior_moves_per_hour(self, category: str | None) -> float:
        """The category's mobility prior (moves per hour), from the nearest is_a ancestor that has one."""
        table = self.config.moves_per_day
        for name in self._category_chain(category) if category else []:
            if name in table:
                return table[name] / 24.0
        return self.config.default_move_rate_per_hour

    def mobility_rate(self, target: str, strength: float = 1.0) -> float:
        """Posterior mean moves per hour: Gamma(mobility prior) updated with the category's observed moves.

        Moves are `relocations`; exposure is the hours memory tracked each object (`tracked_hours`):
        a move that happened after the last sighting is not yet visible, so that time is not evidence
        of staying until memory notices the move. `strength`: how far the table's ranking of categories
        holds (`ranked_prior_per_hour_from`): 1 as the table says, 0 every category alike.
        """
        cfg = self.config
        everything = self.all_objects()
        objects = [o for o in everything if target in (o.id, o.category)]
        category = next((o.category for o in objects if o.category), None) or target
        if any(o.is_receptacle for o in objects):
            strength = 1.0  # the ranking weighed is that of movable things: furniture stays as the table says
        same = [o for o in everything if o.category == category]
        relocations = self.relocations()
        tracked_hours = sum(self.tracked_hours(o) for o in same)
        moves = sum(relocations.get(o.id, (0, 0.0))[0] for o in same)
        if len(same) > 1:
            moves, tracked_hours = moves / len(same), tracked_hours / len(same)
        prior = self.ranked_prior_per_hour_from(self.prior_moves_per_hour(category), strength)
        prior_rate = prior * self.household_mobility_scale(strength)
        return (prior_rate * cfg.mobility_prior_hours + moves) / (cfg.mobility_prior_hours + tracked_hours)

    def _movers(self) -> list[tuple[float, float, int]]:
        """(mobility prior per hour, tracked hours, moves seen) of every movable thing memory has seen."""
        relocations = self.relocations()
        return [(self.prior_moves_per_hour(o.category), self.tracked_hours(o), relocations.get(o.id, (0, 0.0))[0])
                for o in self.all_objects() if not o.is_receptacle]

    def _mean_prior_per_hour(self) -> float | None:
        """The tracked-hours-weighted mean mobility prior of this home's movable things (None: none tracked)."""
        if self._mean_prior is None:
            movers = self._movers()
            hours = sum(h for _, h, _ in movers)
            self._mean_prior = sum(p * h for p, h, _ in movers) / hours if hours > 0.0 else math.nan
        return None if math.isnan(self._mean_prior) else self._mean_prior

    def ranked_prior_per_hour_from(self, prior: float, strength: float) -> float:
        """A mobility prior with the table's ranking tempered: mean * (prior / mean) ** strength.

        At strength 1 the table as it is; at 0 every category moves at the home's mean prior rate
        (`_mean_prior_per_hour`), so the household scale then learns one rate for all its things.
        """
        mean = self._mean_prior_per_hour()
        if strength == 1.0 or mean is None or mean <= 0.0:
            return prior
        return mean * (max(prior, 1e-12) / mean) ** strength

    def ranking_weights(self) -> list[tuple[float, float]]:
        """(strength, posterior probability) of how far the mobility table's ranking holds in this home.

        The evidence is which things memory saw move. Under a strength things move at one scale times
        their tempered prior q_i; with the scale at its maximum likelihood the Poisson log-likelihood is
        sum(moves_i * log q_i) - N * log(sum(q_i * hours_i)) (+ a term alike for every strength). Moves of
        things the table calls mobile favour the table; moves of things it calls fixed (a plant or a vase
        moved as often as a mug) favour a flatter ranking. The prior over
        `BeliefConfig.mobility_ranking_strengths` is uniform; with no move seen it stays uniform.
        """
        if self._ranking is None:
            strengths = self.config.mobility_ranking_strengths
            movers = self._movers()
            total = sum(n for _, _, n in movers)
            logs = []
            for strength in strengths:
                ranked = [(self.ranked_prior_per_hour_from(p, strength), h, n) for p, h, n in movers]
                exposure = sum(q * h for q, h, _ in ranked)
                if total == 0 or exposure <= 0.0:
                    logs.append(0.0)
                    continue
                logs.append(sum(n * math.log(max(q, 1e-12)) for q, _, n in ranked if n)
                            - total * math.log(exposure))
            top = max(logs)
            weights = [math.exp(v - top) for v in logs]
            norm = sum(weights)
            self._ranking = [(s, w / norm) for s, w in zip(strengths, weights)]
        return self._ranking

    def stay(self, target: str, hours: float) -> float:
        """P(`target` is still where it was `hours` ago), averaged over the ranking's strengths (`ranking_weights`).

        Averaging the stay probabilities, not the rates, keeps the doubt about the ranking: in a home where
        things of every kind move alike, a plant is not near-certain to stand where it stood 13 h ago just
        because the table says plants stay put.
        """
        if not self.config.use_mobility_prior:
            return stay_probability(self.move_rate(target), hours)
        return sum(w * stay_probability(self._strength_rate(target, s), hours) for s, w in self.ranking_weights())

    def _strength_rate(self, target: str, strength: float) -> float:
        key = (target, strength)
        if key not in self._mobility_rates:
            self._mobility_rates[key] = self.mobility_rate(target, strength)
        return self._mobility_rates[key]

    def household_mobility_scale(self, strength: float = 1.0) -> float:
        """How much more (> 1) or less (< 1) things move in this home than the mobility prior says.

        The prior fixes how mobile categories are relative to each other (keys more than books,
        books more than plants); the level is the household's: a Gamma posterior mean (prior mean
        1, worth `household_scale_prior_moves` moves) of the moves memory saw of all movable things
        over the moves the prior expects in the hours it tracked them. Measured on the shipped
        scenarios, the unscaled prior (keys 4 moves a day) put P(still there) at 0.26 where 0.89 of
        the objects had stayed (docs: `memstack bench eqa`'s reliability table).
        """
        cfg = self.config
        if not cfg.learn_household_scale:
            return 1.0
        if strength not in self._scale:
            movers = self._movers()
            expected = sum(self.ranked_prior_per_hour_from(p, strength) * h for p, h, _ in movers)
            moves = sum(n for _, _, n in movers)
            weight = cfg.household_scale_prior_moves
            self._scale[strength] = (weight + moves) / (weight + expected)
        return self._scale[strength]

    def move_rate(self, target: str) -> float:
        """Moves per hour of `target` (an object id or a category) under the configured rate model."""
        if self.config.use_mobility_prior:
            return sum(w * self._strength_rate(target, s) for s, w in self.ranking_weights())
        try:
            rate = float(self.memory.move_rate(target))
        except (KeyError, LookupError, ValueError):
            rate = self.config.default_move_rate_per_hour
        if not (math.isfinite(rate) and rate >= 0):
            rate = self.config.default_move_rate_per_hour
        if self.config.use_household_move_rate:
            if self._house_rate is None:
                self._house_rate = self.household_move_rate(self.now)
            rate = max(rate, self._house_rate)
        return rate

    # ----------------------------------------------------------------- places
    def located(self, target: str, at: float | None) -> list[LocationBelief]:
        """The memory's remembered placements, the likeliest to still hold at `at` (None: memory's now) first.

        Memory only remembers; this ranks: a present instance by P(not moved since it was last seen, or
        since its room was last looked at, for a past time) at memory's learned move rate (furniture
        stays), an absent one at even odds of having left for good. Ties keep memory's order.
        """
        memory_now = float(self.memory.now)
        t = memory_now if at is None else float(at)
        current = at is None or at >= memory_now

        def still_there(loc: LocationBelief) -> float:
            if not loc.present:
                return ABSENT_STAYS_GONE
            known = self.memory.get_object(loc.object_id, at) if loc.object_id else None
            if known is not None and known.is_receptacle:
                return 1.0
            last = loc.last_seen if loc.last_seen is not None else t
            if not current:
                looked = self.memory.last_observed(loc.room, t)
                if looked is not None:
                    last = min(t, max(last, looked) if looked <= t else last)
            hours = max(0.0, t - last) / SECONDS_PER_HOUR
            return math.exp(-self.memory.move_rate(loc.object_id or target) * hours)

        remembered = [loc for loc in self.memory.locate(target, at=at) if loc.source == "memory"]
        return sorted(remembered, key=lambda loc: -still_there(loc))

    def hypotheses(self, target: str, now: float) -> tuple[list[AnswerCandidate], str | None]:
        """Hypotheses for where `target` is now: remembered places (decayed), elsewhere, not in house."""
        cfg = self.config
        located = self.located(target, None)
        category = next((loc.category for loc in located if loc.category), None)
        present = [loc for loc in located if loc.present]
        absent = [loc for loc in located if not loc.present]
        absent_weight = 1.0 if absent and not present else 0.0
        total = len(present) + absent_weight
        candidates: list[AnswerCandidate] = []
        moved_mass = 0.0
        remembered: set[str] = set()
        for loc in present:
            share = 1.0 / total
            hours = (now - loc.last_seen) / SECONDS_PER_HOUR if loc.last_seen is not None else 0.0
            stay = asked_stay_probability(self.stay(loc.object_id or target, hours), cfg.asked_moved_likelihood_ratio)
            moved_mass += share * (1.0 - stay)
            place = loc.rests_on or loc.room or loc.object_id or target
            remembered.add(place)
            position = as_xyz(loc.position)
            candidates.append(AnswerCandidate(
                label=place, value=position, probability=share * stay, position=position,
                room=loc.room, rests_on=loc.rests_on, rests_on_category=loc.rests_on_category,
                object_id=loc.object_id, last_seen=loc.last_seen, reveal_target=place, reveal_position=position,
                evidence=[f"object:{loc.object_id}"] if loc.object_id else [],
            ))
        gone_mass = departed_mass = 0.0
        searched: set[str] = set()
        if absent_weight:
            # Seen gone from its place: still there if memory's misses were false (speculative, like the
            # places it may have gone to: a look must find it there again), else out of the house with the
            # learned share, else somewhere else in the house; less likely in the rooms looked at since
            # without seeing it.
            times = [t for t in (self.departure_time(loc) for loc in absent) if t is not None]
            searched = self.searched_since(max(times)) if times else set()
            missed = 1.0 - cfg.room_search_detection
            kept = 0.0
            for loc in absent:
                if not loc.rests_on:
                    continue
                p = self.false_close_probability(loc) / len(absent)
                if loc.room in searched:
                    p *= missed
                kept += p
                remembered.add(loc.rests_on)
                position = as_xyz(loc.position)
                candidates.append(AnswerCandidate(
                    label=loc.rests_on, value=position, probability=p, position=position, room=loc.room,
                    rests_on=loc.rests_on, rests_on_category=loc.rests_on_category, object_id=loc.object_id,
                    last_seen=loc.last_seen, reveal_target=loc.rests_on, reveal_position=position,
                    evidence=[f"object:{loc.object_id}"] if loc.object_id else [], speculative=True,
                ))
            gone_mass = (1.0 - kept) * self.departure_gone_share()
            departed_mass = 1.0 - kept - gone_mass
        if not located:
            moved_mass = 1.0
        not_in_house = gone_mass + moved_mass * cfg.not_in_house_share
        elsewhere = moved_mass * (1.0 - cfg.not_in_house_share) + departed_mass
        # A place memory saw the object gone from is not where to look for it again.
        left = {loc.rests_on for loc in absent if loc.rests_on}
        alternatives = self.alternative_places(category or target, exclude=remembered | left)
        if alternatives and elsewhere > 0.0:
            missed = 1.0 - cfg.room_search_detection
            for candidate, weight in alternatives:
                candidate.probability = elsewhere * weight * (missed if candidate.room in searched else 1.0)
                candidates.append(candidate)
        else:
            not_in_house += elsewhere
        evidence = [f"object:{loc.object_id}" for loc in absent if loc.object_id]
        candidates.append(AnswerCandidate(label=NOT_IN_HOUSE, value=None, probability=not_in_house,
                                          room="none", evidence=evidence, speculative=not absent_weight))
        return candidates, category

    def alternative_places(self, category: str, exclude: set[str]) -> list[tuple[AnswerCandidate, float]]:
        """Receptacles (or rooms, when none is known) where a moved object may be, by the location prior."""
        cfg = self.config
        receptacles = [r for r in self.memory.receptacles() if r.id not in exclude]
        weights = PlacePrior(self.memory, cfg, self.all_objects(), self.similarity).weights(category, receptacles)
        scored: list[tuple[AnswerCandidate, float]] = []
        for rec, weight in zip(receptacles, weights):
            position = as_xyz(rec.position)
            top = as_xyz(rec.bbox_max)
            value = (position[0], position[1], top[2]) if position and top else position
            scored.append((AnswerCandidate(
                label=rec.id, value=value, probability=0.0, position=value, room=rec.room,
                rests_on=rec.id, rests_on_category=rec.category,
                reveal_target=rec.id, reveal_position=position,
                evidence=[f"prior:{category}->{rec.category}"], speculative=True,
            ), weight))
        if not scored:
            floor_plan = self.memory.floor_plan
            for room in (floor_plan.rooms if floor_plan is not None else ()):
                if room.name in exclude:
                    continue
                cx, cy = polygon_centroid(room.polygon)
                scored.append((AnswerCandidate(
                    label=f"room:{room.name}", value=(cx, cy, 0.0), probability=0.0, position=(cx, cy, 0.0),
                    room=room.name, reveal_target=room.name, reveal_position=(cx, cy, 0.0),
                    evidence=["prior:uniform over rooms"], speculative=True,
                ), 1.0))
        scored.sort(key=lambda item: -item[1])
        scored = scored[: cfg.max_alternatives]
        total = sum(w for _, w in scored)
        return [(c, w / total) for c, w in scored] if total > 0 else []

    def past_hypotheses(self, target: str, t: float, now: float) -> list[AnswerCandidate]:
        """Hypotheses for where `target` was at `t` (< now); empty when memory knew nothing of it then.

        The best remembered placement at t holds unless memory later saw it move or leave: then the
        move happened uniformly between the last sighting before t and its detection, so
        P(still there at t) = (t_detected - t) / (t_detected - t_last_seen). Without a later move,
        a re-sighting at the same place after t means it stayed; otherwise it decays with the rate.
        """
        memory, cfg = self.memory, self.config
        located = [loc for loc in self.located(target, t) if loc.present]
        if not located:
            return []
        best = located[0]
        object_id = best.object_id
        last_seen = best.last_seen
        position = as_xyz(best.position)
        place = best.rests_on or best.room or object_id
        later = sorted(memory.events(t0=t, t1=now, kinds=["moved", "disappeared"], target=object_id or target),
                       key=lambda e: e.time)
        stay = 1.0
        other: AnswerCandidate | None = None
        if later:
            detected = float(later[0].time)
            seen_before = float(last_seen) if last_seen is not None and last_seen <= t else None
            if seen_before is not None and detected > seen_before:
                stay = min(1.0, max(0.0, (detected - t) / (detected - seen_before)))
            else:
                stay = 0.5
            move = next((e for e in later if e.kind == "moved" and e.position is not None), None)
            if move is not None:
                to_position = as_xyz(move.position)
                to_place = move.to_place
                to_category = next((r.category for r in memory.receptacles() if r.id == to_place), None)
                other = AnswerCandidate(
                    label=str(to_place or "moved"), value=to_position, position=to_position,
                    probability=1.0 - stay, room=move.room, rests_on=to_place, rests_on_category=to_category,
                    object_id=object_id, evidence=[f"event:moved@{float(move.time):.0f}"])
        else:
            current = [loc for loc in self.located(object_id or target, None)
                       if loc.object_id == object_id and loc.present]
            resighted = current and current[0].last_seen is not None and current[0].last_seen > t
            if resighted:
                stay = cfg.resighted_same_place
            elif last_seen is not None:
                stay = self.stay(object_id or target, (t - last_seen) / SECONDS_PER_HOUR)
        candidates = [AnswerCandidate(
            label=place, value=position, probability=stay, position=position, room=best.room,
            rests_on=best.rests_on, rests_on_category=best.rests_on_category,
            object_id=object_id, last_seen=last_seen,
            evidence=[f"object:{object_id}"] + ([f"seen@{last_seen:.0f}"] if last_seen is not None else []),
        )]
        if other is not None:
            candidates.append(other)
        elif stay < 1.0:
            candidates.append(AnswerCandidate(label="elsewhere", value=None, probability=1.0 - stay, speculative=True))
        return candidates


NOWHERE = (math.nan, math.nan, math.nan)


def located_distribution(memory: MemoryReader, target: str, now: float, at: float | None = None,
                         config: BeliefConfig | None = None, model: LocationModel | None = None
                         ) -> list[LocationBelief]:
    """Where `target` is at `now` (or was at `at` < now) under the planners' model, most probable first.

    This is what `memstack query locate` and the QueryMemory service should answer: the same
    `LocationBelief` rows `MemoryStore.locate` returns today, but with this module's staleness,
    location prior and "not in the house" share instead of the memory's own. The question is no
    evidence of a move here (`asked_moved_likelihood_ratio` of `config`, 1 by default). Rows:
    source "memory" (a remembered placement, decayed), "prior" (a receptacle or room the location
    prior suggests), "not_in_house" (position NaN) and, for a past time, "elsewhere" (moved to a
    place memory did not see, position NaN). Probabilities sum to 1; empty when memory never saw it.
    """
    model = model or LocationModel(memory, config or BeliefConfig(), now)  # a model of this memory at `now`
    if at is not None and at < now:
        candidates = model.past_hypotheses(target, at, now)
    elif model.located(target, None):
        candidates, _ = model.hypotheses(target, now)
    else:
        candidates = []
    total = sum(max(0.0, c.probability) for c in candidates)
    if total <= 0.0:
        return []
    category = next((loc.category for loc in model.located(target, at) if loc.category), target)
    rows = []
    for c in candidates:
        if c.label == NOT_IN_HOUSE:
            source = "not_in_house"
        elif c.position is None:
            source = "elsewhere"
        else:
            source = "prior" if c.speculative else "memory"
        rows.append(LocationBelief(
            object_id=c.object_id, category=category, position=c.position or NOWHERE, room=c.room,
            rests_on=c.rests_on, rests_on_category=c.rests_on_category,
            probability=max(0.0, c.probability) / total, last_seen=c.last_seen, present=source == "memory",
            source=source))
    return sorted(rows, key=lambda row: (-row.probability, row.source != "memory"))
