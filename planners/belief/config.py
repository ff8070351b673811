"""Typed settings of the belief models, and the tables their defaults come from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# A question "where is X" makes a move since the last sighting this many times more likely (see
# asked_stay_probability). An assumption about askers, not learnable from memory. 4 left P(still
# there | asked) at 0.48 on average where 0.32 of the asked things had stayed (31 present-tense
# questions, development households 8000-8047, issue 17 session 11); 8 puts it at 0.34. The shipped
# scenarios point higher still (12 of their 23 present-tense questions are about things that moved
# unseen while 7.5% of remembered things had moved at a look: near 13).
QUESTION_MOVE_LIKELIHOOD_RATIO = 8.0

# "Is the fridge open?" asked now makes a change since memory last read the state this many times
# more likely (see state_beliefs). Also an assumption about askers: on development households
# 10000-10049 and 11000-11049, 6 of 29 present-tense door questions found the door open where the
# state model (two_state) gave a reading ~13 h old P(open) ~0.06: odds 0.26 / 0.064, about 4. Kept
# below (1 - active_state_fraction) / active_state_fraction (5.7), so a question alone never makes the
# unseen state the answer: it makes a look worth more, and memory's "closed" stays the answer without one.
STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO = 4.0

# Prior moves per day by category or ontology parent (the ontology's is_a chain): how
# mobile categories are relative to each other; each home's level is learned on top of it
# (BeliefBuilder.household_mobility_scale). Handheld things about once a day, furniture almost
# never. An earlier table four to eight times higher (keys 4, phones 6 a day) put P(still there)
# at 0.24 where 0.86 of the objects had stayed (`memstack bench eqa` reliability table).
DEFAULT_MOVES_PER_DAY: dict[str, float] = {
    "keys": 1.0, "phone": 1.2, "remote": 0.8, "glasses": 0.8, "wallet": 0.6, "book": 0.4,
    "personal_item": 0.6, "electronics": 0.4, "laptop": 0.5, "reading_material": 0.4,
    "kitchenware": 0.6, "drinkware": 0.8, "food": 0.3, "toy": 0.5, "textile": 0.1,
    "plant": 0.01, "box": 0.05, "appliance": 0.0005, "furniture": 0.002, "object": 0.1,
}


@dataclass
class BeliefConfig:
    """Parameters of the belief models (probabilities in [0, 1], rates per hour)."""

    not_in_house_share: float = 0.1        # of the mass that left the last-seen place
    # Prior P(out of the house) for an object memory saw leave its place; memory's own departures
    # update it. The same share as for a stale object's moved mass: seeing the move happen says
    # nothing about where it went (0.5 made one empty look answer "gone", issue 17).
    absent_stays_absent: float = 0.1
    # P(a look at a room shows a thing that is in it): how much a room looked at since a thing was
    # seen gone counts against its places (a patrol misses things in shut furniture and clutter).
    room_search_detection: float = 0.5
    departures_prior_weight: float = 2.0    # ... worth this many departures; memory's own departures update it
    # P(memory closes a thing that is still in place as gone): its misses all false. Memory closes after 2
    # misses (scene_graph MemoryConfig.miss_evidence_to_close), each false with 1 - detection_probability
    # = 0.1. Against the chance it moved between its last sighting and the misses (`LocationModel.
    # false_close_probability`): a close seconds after a sighting is almost surely false (on development
    # households 12000-12049, 30 of 30 closes under 120 s after the last sighting were; 37 of 254 later).
    false_close_probability: float = 0.01
    learn_departures: bool = True           # False: absent_stays_absent as it is
    default_move_rate_per_hour: float = 0.02
    # Prior median of how often a two-state thing changes (per hour) and its spread in decades (a
    # weak log-normal prior); readings of the category in this home update it (two_state).
    state_change_prior_per_hour: float = 0.02
    state_rate_prior_decades: float = 1.0
    active_state_fraction: float = 0.15     # long-run share of time things are open / on
    event_rate_prior_per_hour: float = 0.02  # unseen-event rate for counts and changes
    event_prior_hours: float = 24.0
    arrival_rate_per_hour: float = 0.01      # new things appearing on a receptacle (learn_arrival_rate off)
    # True: things arrive on a receptacle at the home's learned move rates times its share of placements
    learn_arrival_rate: bool = True
    detection_probability: float = 0.9       # a look at a place finds what is there
    resighted_same_place: float = 0.97       # seen again at the same place after t: stayed all along
    location_prior_floor: float = 0.02       # receptacle categories the prior never saw
    # Where a moved thing may be (planners.belief.place_prior), each source worth this many placements:
    category_prior_weight: float = 4.0       # the ontology's typical places of the category (+1 per placement seen)
    neighbour_prior_weight: float = 2.0      # the places of the categories nearest by name, when the ontology has none
    neighbour_min_similarity: float = 0.45   # ... cosine similarity of the names at least this
    neighbour_count: int = 3
    home_prior_weight: float = 2.0           # where things are put in this home (0: off)
    max_alternatives: int = 12
    max_missed_events: int = 3
    min_state_dwell_s: float = 5.0           # shorter open/closed readings are detector blips
    floor_clearance_m: float = 0.1           # a track whose box starts this low stands on the floor
    furniture_min_height_m: float = 0.45     # ... and is furniture when at least this tall
    use_household_move_rate: bool = False    # legacy rate only: an object moves at least as often as things here do
    household_prior_hours: float = 48.0      # object-hours of prior at default_move_rate_per_hour
    # Mobility prior (moves per day) per category or is_a ancestor; observed moves update it.
    # Handheld things are picked up and put down several times a day; furniture stays put.
    moves_per_day: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MOVES_PER_DAY))
    mobility_prior_hours: float = 24.0       # weight of the prior, in tracked object-hours
    # How far the table's ranking of categories holds in a home (1: as written, 0: every thing alike), equally
    # likely a priori; which things memory saw move weighs them (LocationModel.ranking_weights). (1.0,): the
    # table always. In generated homes a plant or a vase is moved unseen as often as a mug; in others not.
    mobility_ranking_strengths: tuple[float, ...] = (0.0, 0.5, 1.0)
    learn_household_scale: bool = True      # scale the prior by how much things move in this home
    household_scale_prior_moves: float = 2.0  # weight of "as the prior says" (scale 1), in moves
    # False: the legacy staleness rate (memory.move_rate, at least the household's rate when
    # use_household_move_rate), which learns ~0.03 moves/h and keeps ~0.9 on stale places.
    use_mobility_prior: bool = True
    # P(asked where it is | it moved) / P(asked | it stayed), for present-tense questions (where is,
    # which room, still in the house). 1: the question is no evidence (tasks, calibration); QAConfig
    # sets QUESTION_MOVE_LIKELIHOOD_RATIO.
    asked_moved_likelihood_ratio: float = 1.0
    # The same for present-tense state questions; QAConfig sets STATE_QUESTION_CHANGE_LIKELIHOOD_RATIO.
    asked_state_change_likelihood_ratio: float = 1.0

    def __post_init__(self) -> None:
        for name in ("not_in_house_share", "absent_stays_absent", "detection_probability", "active_state_fraction",
                     "room_search_detection", "false_close_probability",
                     "resighted_same_place", "location_prior_floor"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        for category, per_day in self.moves_per_day.items():
            if not (math.isfinite(per_day) and per_day >= 0.0):
                raise ValueError(f"moves_per_day.{category} must be a non-negative number, got {per_day}")
        for name in ("asked_moved_likelihood_ratio", "asked_state_change_likelihood_ratio"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0.0):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("category_prior_weight", "neighbour_prior_weight", "home_prior_weight"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0.0):
                raise ValueError(f"{name} must be a non-negative number, got {getattr(self, name)}")
        if self.neighbour_count < 1:
            raise ValueError(f"neighbour_count must be at least 1, got {self.neighbour_count}")
        if self.household_scale_prior_moves <= 0.0:
            raise ValueError("household_scale_prior_moves must be positive")
        if self.departures_prior_weight <= 0.0:
            raise ValueError("departures_prior_weight must be positive")
        if not (math.isfinite(self.state_rate_prior_decades) and self.state_rate_prior_decades > 0.0):
            raise ValueError(f"state_rate_prior_decades must be positive, got {self.state_rate_prior_decades}")
        if not (math.isfinite(self.state_change_prior_per_hour) and self.state_change_prior_per_hour > 0.0):
            raise ValueError(f"state_change_prior_per_hour must be positive, got {self.state_change_prior_per_hour}")
        if not self.mobility_ranking_strengths or not all(
                math.isfinite(v) and 0.0 <= v <= 1.0 for v in self.mobility_ranking_strengths):
            got = self.mobility_ranking_strengths
            raise ValueError(f"mobility_ranking_strengths must be one or more numbers in [0, 1], got {got}")
        if self.mobility_prior_hours <= 0.0:
            raise ValueError("mobility_prior_hours must be positive")
        for name in ("default_move_rate_per_hour", "state_change_prior_per_hour", "event_rate_prior_per_hour",
                     "arrival_rate_per_hour", "event_prior_hours"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must not be negative")
