"""Generated households: valid scenarios, varied layouts, answers that follow the timeline, the command."""

from __future__ import annotations

import math
from collections import deque

import pytest
import yaml

from bench.evaluation import question_type
from memory_stack.cli import main as memstack
from robot_model.category_shapes import FURNITURE_SHAPES, OBJECT_SHAPES
from sim.generation.household import Knobs, generate_household, to_yaml
from sim.generation.question_grammar import word_options
from sim.generation.timeline_truth import TimelineTruth
from sim.generation.vocabulary import REACHABLE_TOP_M, furniture_categories, object_categories
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario_check import main as scenario_check

SMALL = Knobs(days=1, max_objects=15, questions=8, tasks=1)


@pytest.fixture(scope="module")
def households():
    knobs = [SMALL, Knobs(rooms=2, days=1, max_objects=12), Knobs(rooms=10, layout="corridor", days=2, max_objects=30,
                                                                  questions=30),
             Knobs(rooms=6, layout="split", schedule="twice_daily", days=3, questions=20, max_objects=25),
             Knobs(rooms=4, schedule="watch", noise="high", clutter=1.0, max_objects=40),
             Knobs(rooms=5, schedule="sparse", days=3, questions=14, max_objects=20)]
    return [(seed, k, generate_household(seed, k)) for seed, k in enumerate(knobs)]


def test_vocabularies_are_large_and_every_category_has_its_own_shape():
    objects, furniture = object_categories(), furniture_categories()
    assert len(set(objects)) >= 80 and len(set(furniture)) >= 25
    assert all(c in OBJECT_SHAPES for c in objects) and all(c in FURNITURE_SHAPES for c in furniture)
    looks = {(OBJECT_SHAPES[c].kind, OBJECT_SHAPES[c].size, OBJECT_SHAPES[c].color) for c in objects}
    assert len(looks) == len(set(objects))
    for a, b in (("cup", "mug"), ("mug", "glass"), ("notebook", "book")):
        assert OBJECT_SHAPES[a] != OBJECT_SHAPES[b]
    tables = [FURNITURE_SHAPES[c] for c in ("kitchen_table", "coffee_table", "desk")]
    assert len({(t.width, t.depth, t.height, t.color) for t in tables}) == 3


def test_households_are_valid_scenarios_with_connected_rooms(households):
    for seed, knobs, doc in households:
        scenario = scenario_from_dict(doc, f"generated_{seed}")
        rooms = scenario.room_names()
        if knobs.rooms is not None:
            assert len(rooms) == knobs.rooms
        assert scenario.days() == knobs.days + (1 if scenario.tasks and scenario.tasks[-1].time >= knobs.days * 86400
                                                else 0)
        links = {r: set() for r in rooms}
        for door in scenario.world.doors:
            links[door.rooms[0]].add(door.rooms[1])
            links[door.rooms[1]].add(door.rooms[0])
        seen, todo = {rooms[0]}, deque([rooms[0]])
        while todo:
            for nxt in links[todo.popleft()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        assert seen == set(rooms), f"seed {seed}: rooms unreachable {set(rooms) - seen}"
        kinds = {f.room for f in scenario.world.furniture}
        assert kinds <= set(rooms) and len(scenario.world.objects) <= knobs.max_objects
        assert any(f.openable for f in scenario.world.furniture)
        assert len(scenario.questions) >= knobs.questions * 0.7


def test_layouts_differ_in_shape_and_room_sizes(households):
    areas, styles = set(), set()
    for _, _, doc in households:
        for room in doc["world"]["rooms"]:
            (x0, y0), _, (x1, y1), _ = room["polygon"]
            areas.add(round((x1 - x0) * (y1 - y0), 1))
        styles.add("hallway" in {r["name"] for r in doc["world"]["rooms"]})
    assert styles == {True, False} and len(areas) > 15


def test_timelines_have_every_kind_of_event_and_questions_of_every_form(households):
    kinds, forms = set(), set()
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        kinds |= {e.kind for e in scenario.timeline}
        forms |= {question_type(q) for q in scenario.questions}
    assert kinds == {"move", "open", "close", "remove", "add"}
    assert forms >= {"present_location", "past_location", "room_of", "contents", "object_state", "count",
                     "still_present", "changes", "first_seen", "last_seen", "object_count", "attribute", "exists",
                     "identify", "affordance", "robot_location", "relation"}


def test_where_the_robot_was_follows_its_schedule(households):
    """'Where were you at T?': what the schedule says.

    Inside a watch, the watched room; else T lies in the wait after a patrol (2 h after it started,
    30 min before the next look) and the answer is the patrol's last room.
    """
    from planners.language.time_expressions import TimeExpressionParser

    asked = 0
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        looks = sorted(scenario.observe, key=lambda o: o.start)
        for q in scenario.questions:
            if question_type(q) != "robot_location":
                continue
            asked += 1
            t = TimeExpressionParser().parse(q.ask, q.time).time
            assert t is not None and t < q.time - 1800, q.ask
            watch = [o for o in looks if o.kind == "watch" and o.start <= t <= o.end]
            if watch:
                assert q.answer == {"room": watch[0].watch}, q
                continue
            patrol = [o for o in looks if o.start <= t][-1]
            assert patrol.kind == "patrol" and t >= patrol.start + 7200, q
            assert all(not t < o.start < t + 1800 for o in looks), q
            assert q.answer == {"room": patrol.rooms(scenario.room_names())[-1]}, q
    assert asked >= 3


def test_identify_and_affordance_answers_follow_the_world(households):
    """Identify and affordance answers come from the world, not from the answerer.

    'What is the red thing on the counter?': the one thing of that colour there now, as a patrol last showed
    the top; 'Where can I keep the milk cold?': the one room with furniture for it (the generator's activities).
    """
    from scene_graph.attributes import colour_name
    from sim.generation.vocabulary import ACTIVITIES

    checked = 0
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        category = {o.id: o.category for o in scenario.world.objects}
        category.update({e.add.id: e.add.category for e in scenario.timeline if e.kind == "add"})
        for q in scenario.questions:
            if question_type(q) == "identify":
                place = next(f for f in scenario.world.furniture if f" {f.category.replace('_', ' ')}?" in q.ask
                             or (f.category in ("sofa", "bookshelf", "tv_stand") and q.ask.endswith(
                                 ("couch?", "bookcase?", "TV stand?"))))
                colour = q.ask.split()[3] if q.ask.startswith("What") else q.ask.split()[1]
                patrols = [o.start for o in scenario.observe if o.kind == "patrol" and o.start <= q.time
                           and place.room in o.rooms(scenario.room_names())]
                now, shown = _replay(doc, q.time), _replay(doc, max(patrols))
                on_now = sorted(category[o] for o, f in now.items() if f == place.id)
                assert on_now == sorted(category[o] for o, f in shown.items() if f == place.id), (seed, q.ask)
                named = [c for c in on_now if colour_name([255 * v for v in OBJECT_SHAPES[c].color[:3]]) == colour]
                assert named == q.answer, (seed, q.ask, on_now)
                checked += 1
            if question_type(q) == "affordance":
                serving = next(c for a, c in ACTIVITIES if a in q.ask)
                assert {f.room for f in scenario.world.furniture if f.category in serving} == {q.answer["room"]}
                checked += 1
    assert checked >= 4


def _furniture_named(scenario, ask: str):
    """The piece of furniture a question names (the longest category named: 'filing cabinet', not 'cabinet')."""
    text = ask.lower().replace("refrigerator", "fridge")
    named = [f for f in scenario.world.furniture if f.category.replace("_", " ") in text]
    return max(named, key=lambda f: len(f.category))


def _replay(doc: dict, t: float) -> dict[str, str | None]:
    """Where each object is at t, straight from the document's events (independent of TimelineTruth)."""
    scenario = scenario_from_dict(doc, "x")
    where: dict[str, str | None] = {o.id: o.rests_on for o in scenario.world.objects}
    for e in scenario.timeline:
        if e.time > t:
            break
        if e.kind == "move":
            where[e.move] = e.to
        elif e.kind == "remove":
            where[e.remove] = None
        elif e.kind == "add":
            where[e.add.id] = e.add.rests_on
    return where


def test_answers_are_computed_from_the_timeline(households):
    checked = 0
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        for q in scenario.questions:
            if question_type(q) == "present_location":
                where = _replay(doc, q.time)
                holders = [o for o, f in where.items() if f == q.answer["rests_on"]]
                category = {o.id: o.category for o in scenario.world.objects}
                category.update({e.add.id: e.add.category for e in scenario.timeline if e.kind == "add"})
                assert any(category[o].replace("_", " ") in q.ask.lower() or category[o] in ("phone", "remote",
                           "glasses", "keys", "computer_mouse") for o in holders), (seed, q)
                checked += 1
            if question_type(q) == "object_state":
                fid = _furniture_named(scenario, q.ask).id
                events = [e for e in scenario.timeline if e.time <= q.time and e.kind in ("open", "close")
                          and getattr(e, e.kind) == fid]
                assert q.answer == (bool(events) and events[-1].kind == "open"), (seed, q)
                checked += 1
    assert checked >= 8


def test_changes_are_what_the_two_looks_show():
    # between the d1 07:00 and d2 07:00 patrols: a mug leaves the counter and comes back, a book passes over
    # the counter from the sofa to the shelf, a cup shut in the cabinet is removed, a plate moves to the sofa
    counter = {"id": "counter", "category": "counter", "room": "kitchen", "at": [1, 1], "yaw": 0.0}
    cabinet = {"id": "cabinet", "category": "cabinet", "room": "kitchen", "at": [3, 3], "yaw": 0.0, "openable": True}
    sofa = {"id": "sofa", "category": "sofa", "room": "living_room", "at": [6, 2], "yaw": 0.0}
    shelf = {"id": "shelf", "category": "shelf", "room": "living_room", "at": [7, 3], "yaw": 0.0}
    doc = {"scenario": "changes", "seed": 1, "robot": {"start": {"at": [1.0, 2.0], "yaw": 0.0}},
           "world": {"rooms": [{"name": "kitchen", "polygon": [[0, 0], [4, 0], [4, 4], [0, 4]]},
                               {"name": "living_room", "polygon": [[4, 0], [8, 0], [8, 4], [4, 4]]}],
                     "furniture": [counter, cabinet, sofa, shelf],
                     "objects": [{"id": "mug_1", "category": "mug", "rests_on": "counter"},
                                 {"id": "book_1", "category": "book", "rests_on": "sofa"},
                                 {"id": "cup_1", "category": "cup", "rests_on": "cabinet"},
                                 {"id": "plate_1", "category": "plate", "rests_on": "counter"}]},
           "timeline": [{"at": "d1 08:00", "move": "mug_1", "to": "sofa"},
                        {"at": "d1 09:00", "move": "mug_1", "to": "counter"},
                        {"at": "d1 10:00", "move": "book_1", "to": "counter"},
                        {"at": "d1 11:00", "move": "book_1", "to": "shelf"},
                        {"at": "d1 12:00", "remove": "cup_1"}, {"at": "d1 13:00", "move": "plate_1", "to": "sofa"}],
           "observe": [{"at": "d1 07:00", "patrol": "all"}, {"at": "d2 07:00", "patrol": "all"}]}
    truth = TimelineTruth(scenario_from_dict(doc, "changes"))
    t0, t1 = 7 * 3600.0, 31 * 3600.0
    assert truth.changed_in_room("kitchen", t0, t1) == ["plate"]
    assert truth.changed_in_room("living_room", t0, t1) == ["book", "plate"]


def test_questions_ask_only_what_the_robots_looks_could_show(households):
    counts = 0
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        rooms = scenario.room_names()
        for q in scenario.questions:
            if question_type(q) == "count" and "opened" in q.ask:
                fid = _furniture_named(scenario, q.ask)
                doors = [e for e in scenario.timeline if e.kind in ("open", "close") and getattr(e, e.kind) == fid.id]
                looks = [o.start for o in scenario.observe if o.kind == "patrol" and fid.room in o.rooms(rooms)]
                t0 = math.floor(q.time / 86400) * 86400 if "today" in q.ask else -math.inf
                for k, e in enumerate(doors):  # every opening in the window stays open until a look of its room
                    if e.kind == "open" and t0 < e.time <= q.time:
                        closed = next((d.time for d in doors[k + 1:] if d.kind == "close"), math.inf)
                        assert any(e.time <= t < closed and t <= q.time for t in looks), (seed, q.ask, e)
                counts += 1
            if question_type(q) == "present_location":
                assert any(o.kind == "patrol" for o in scenario.observe if o.start <= q.time), (seed, q)
    assert counts >= 1


def test_move_counts_ask_only_about_things_whose_every_move_a_patrol_showed(households):
    asked = 0
    for seed, _, doc in households:
        scenario = scenario_from_dict(doc, f"g{seed}")
        rooms = scenario.room_names()
        furniture = scenario.furniture_by_id()
        patrols = [o for o in scenario.observe if o.kind == "patrol"]

        def seen(place, t0, t1, furniture=furniture, rooms=rooms, patrols=patrols):
            spec = furniture[place]   # a patrol of the place's room in [t0, t1), on an open surface
            return any(t0 <= o.start < t1 and spec.room in o.rooms(rooms) and not spec.openable for o in patrols)

        for q in scenario.questions:
            if question_type(q) != "count" or "moved" not in q.ask:
                continue
            asked += 1
            fitting = []
            things = list(scenario.world.objects) + [e.add for e in scenario.timeline if e.kind == "add"]
            named = [o for o in things
                     if any(w in q.ask for w in word_options(o.category))]
            for obj in named:
                place, last, moves, shown = obj.rests_on, -math.inf, [], True
                for e in [e for e in scenario.timeline if e.kind == "move" and e.move == obj.id and e.time <= q.time]:
                    moves.append(e)
                    shown &= seen(place, last, e.time)
                    place, last = e.to, e.time
                for a, b in zip(moves, moves[1:] + [None]):
                    shown &= seen(a.to, a.time, b.time if b else q.time + 1e-3)
                if shown and len(moves) == q.answer:
                    fitting.append(obj.id)
            assert fitting, (seed, q.ask, q.answer)
    assert asked >= 1


def test_some_moves_fall_after_the_robots_last_look(households):
    for seed, knobs, doc in households:
        scenario = scenario_from_dict(doc, "x")
        last_look = max(o.end for o in scenario.observe)
        late = [e for e in scenario.timeline if e.kind == "move" and last_look < e.time < scenario.questions[0].time]
        assert late or knobs.unseen_moves == 0, seed


def test_clutter_fills_surfaces_and_same_seed_same_file(households):
    sparse = generate_household(3, Knobs(rooms=2, clutter=0.2, max_objects=200, questions=0, tasks=0, days=1))
    full = generate_household(3, Knobs(rooms=2, clutter=1.0, max_objects=200, questions=0, tasks=0, days=1))
    assert len(full["world"]["objects"]) > 2 * len(sparse["world"]["objects"])
    assert to_yaml(generate_household(0, SMALL)) == to_yaml(households[0][2])
    assert to_yaml(generate_household(1, SMALL)) != to_yaml(households[0][2])


def test_tasks_move_graspable_objects_to_furniture_with_room(households):
    from sim.generation.vocabulary import graspable

    tasks = [t for _, _, doc in households for t in doc["tasks"] if "cannot" not in t["goal"]]
    assert len(tasks) >= 4 and all(graspable(t["goal"]["category"]) for t in tasks)
    assert all(t["goal"]["category"].replace("_", " ") in t["do"] or t["goal"]["category"] in ("phone", "remote",
               "glasses", "keys", "computer_mouse") for t in tasks)
    # a task that can be done takes nothing from a top above the arm's reach (a 1.4 m bookshelf), nor sets it there
    for _, _, doc in households:
        scenario = scenario_from_dict(doc)
        furniture, truth = scenario.furniture_by_id(), TimelineTruth(scenario)
        for task in scenario.tasks:
            if task.goal.cannot is not None:
                continue
            sources = [truth.place_at(o, task.time) for o, c in truth.category.items() if c == task.goal.category]
            for place in [task.goal.rests_on] + [s for s in sources if s is not None]:
                assert furniture[place].dimensions()[2] <= REACHABLE_TOP_M, (task.do, place)


def test_tasks_that_cannot_be_done_name_the_reason_their_geometry_fixes():
    from executor.sim_skills_config import SimSkillsConfig
    from sim.generation.vocabulary import GRIPPER_OPENING_M, graspable, too_wide_to_grasp

    # the generator's gripper is the simulator's (executor's max_grip_width: two strokes less 6 mm)
    assert GRIPPER_OPENING_M == pytest.approx(2 * SimSkillsConfig().finger_stroke_m - 0.006)
    assert too_wide_to_grasp("laptop") and not too_wide_to_grasp("bowl") and not graspable("bowl")

    kinds = set()
    for seed in range(12):
        doc = generate_household(seed, Knobs(rooms=3, days=1, max_objects=18, questions=0, tasks=1,
                                             impossible_tasks=2))
        scenario = scenario_from_dict(doc)
        furniture, truth = scenario.furniture_by_id(), TimelineTruth(scenario)
        possible = [t for t in scenario.tasks if t.goal.cannot is None]
        impossible = [t for t in scenario.tasks if t.goal.cannot is not None]
        assert len(possible) <= 1 and len(impossible) <= 2
        assert all(p.time < i.time for p in possible for i in impossible)      # after the others
        for task in impossible:
            [oid] = [o for o, c in truth.category.items() if c == task.goal.category]
            here = truth.place_at(oid, task.time)
            tops = [furniture[task.goal.rests_on].dimensions()[2]] + ([] if here is None else
                                                                       [furniture[here].dimensions()[2]])
            expected = ("not found" if here is None else "not graspable" if too_wide_to_grasp(task.goal.category)
                        else "unreachable")
            assert expected != "unreachable" or graspable(task.goal.category)   # a 16 cm bowl: neither
            assert task.goal.cannot == expected, (seed, task.do, here)
            if expected == "unreachable":
                assert max(tops) > REACHABLE_TOP_M, (seed, task.do)
            kinds.add(expected)
    assert kinds == {"not found", "not graspable", "unreachable"}
    only_possible = generate_household(0, Knobs(days=1, max_objects=15, questions=0, impossible_tasks=0))["tasks"]
    assert only_possible and all("cannot" not in t["goal"] for t in only_possible)


def test_generate_command_writes_a_file_scenario_check_accepts(tmp_path, capsys):
    out = tmp_path / "house.yaml"
    assert memstack(["generate", "--seed", "9", "--out", str(out), "--rooms", "3", "--days", "1",
                     "--max-objects", "10", "--questions", "5", "--tasks", "1", "--impossible-tasks", "2"]) == 0
    assert scenario_check([str(out)]) == 0
    scenario = load_scenario(out)
    assert len(scenario.room_names()) == 3 and scenario.seed == 9
    assert yaml.safe_load(out.read_text())["scenario"] == "generated_9"
    assert memstack(["generate", "--seed", "1", "--count", "2", "--out", str(tmp_path / "many"), "--days", "1",
                     "--max-objects", "8", "--json"]) == 0
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["generated_1.yaml", "generated_2.yaml"]


@pytest.mark.parametrize("args, message", [
    (["--rooms", "11"], "--rooms: 2..10, got 11"),
    (["--clutter", "1.5"], "--clutter: 0..1"),
    (["--seed", "-1"], "--seed must be within"),
    (["--layout", "corridor", "--rooms", "3"], "corridor needs --rooms >= 4"),
    (["--impossible-tasks", "21"], "--impossible-tasks: 0..20, got 21"),
])
def test_bad_knobs_exit_2_with_one_line(tmp_path, capsys, args, message):
    argv = ["generate", "--seed", "1", "--out", str(tmp_path / "x.yaml")]
    argv = [a for a in argv if not (args[0] == "--seed" and a in ("--seed", "1"))] + args
    assert memstack(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not math.isnan(0.0)


def test_relation_answers_are_the_pieces_clearly_in_the_relation_in_the_anchors_room(households):
    """'What is next to the sofa?': the pieces of its room whose footprints come within half a metre of it.

    Asked only when no piece of any room is within 0.5..1.1 m; 'closest to' only with a lead of 0.4 m
    (shapely distances, not relation_truth's).
    """
    import shapely

    def box(f):
        return shapely.Polygon(f.footprint())

    asked = set()
    for seed in range(10):
        doc = generate_household(seed, Knobs(days=1, max_objects=10, questions=40, tasks=0, impossible_tasks=0))
        scenario = scenario_from_dict(doc, f"g{seed}")
        for q in scenario.questions:
            if question_type(q) != "relation":
                continue
            kind = "between" if "between" in q.ask else "next_to" if "next to" in q.ask or "beside" in q.ask \
                else "closest"
            asked.add(kind)
            named = [f for f in scenario.world.furniture if f.category.replace("_", " ") in
                     q.ask.lower().replace("couch", "sofa").replace("refrigerator", "fridge")
                     .replace("bookcase", "bookshelf")]
            if kind == "between":
                continue
            anchor = max(named, key=lambda f: len(f.category))
            gaps = sorted((box(f).distance(box(anchor)), f.category, f.room) for f in scenario.world.furniture
                          if f.id != anchor.id)
            assert not any(0.5 + 1e-6 < g < 1.1 - 1e-6 for g, _, _ in gaps) or kind == "closest", (seed, q.ask)
            if kind == "next_to":
                assert q.answer == sorted(c for g, c, r in gaps if g <= 0.5 and r == anchor.room), (seed, q.ask)
            else:
                assert q.answer == [gaps[0][1]] and gaps[1][0] - gaps[0][0] >= 0.4 - 1e-6, (seed, q.ask)
    assert asked == {"between", "next_to", "closest"}


def test_the_robots_ontology_knows_every_generated_furniture_category():
    from scene_graph.ontology import DEFAULT_ONTOLOGY, Ontology
    from sim.generation.vocabulary import OPENABLE

    onto = Ontology.load(DEFAULT_ONTOLOGY)
    assert all(onto.is_receptacle(c) and onto.is_a(c, "furniture") for c in furniture_categories())
    assert all(onto.is_openable(c) for c in OPENABLE)
