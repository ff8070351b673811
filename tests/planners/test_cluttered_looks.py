"""A cluttered top: things standing on it hide what is behind them (planners.acting.exploration).

The scene is the big house's study desk on day 5 (sim_configs/big_house_five_days.yaml): the pen,
the mug and the headphones stand at the front, the glasses lie behind them. Frames are ray-cast
(scene_graph.synthetic_frames) from the camera poses a planned look takes. A look from the one
stand point the occluder-blind planner chooses sees the whole top in its image and not the glasses;
`top_coverage` with the remembered things as occluders says so, and the plan with occluders stands
in front of slices of the desk, nearer, from where the glasses are in plain view.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from planners.acting.exploration import ObservationAction, SimExplorer
from planners.acting.floor_plan_routes import room_at
from planners.acting.viewpoints import (
    CameraModel,
    aimed_camera_pose,
    occluded,
    plan_surface_look,
    planned_coverage,
    top_coverage,
)
from planners.belief.candidates import AnswerCandidate, Belief
from planners.decision.value_of_information import ValueOfInformationStopper
from robot_model.skills import SkillResult
from scene_graph.records import SceneObject
from scene_graph.synthetic_frames import Box, render
from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Pose, Room

CAMERA = CameraModel()  # lens 1.45 m high, 0.12 m behind the base's centre, 70 x 55 deg
INTRINSICS = CameraIntrinsics.from_hfov(320, 240, 70.0)
FLOOR = FloorPlan(rooms=(Room("dining_room", ((4.0, 0.0), (8.0, 0.0), (8.0, 4.0), (4.0, 4.0))),
                         Room("study", ((4.0, 4.0), (8.0, 4.0), (8.0, 8.0), (4.0, 8.0)))),
                  doors=(Door(("dining_room", "study"), (6.0, 4.0), 1.0),))
# the desk against the study's north wall, 1.2 m x 0.6 m, its top 0.75 m high
DESK = ((6.18, 7.34, 0.0), (7.38, 7.94, 0.75))
# what stands on it (centre, half extents): the sizes of robot_model.category_shapes
ON_DESK = {
    "pen": ((6.92, 7.61, 0.81), (0.06, 0.06, 0.06)),
    "mug": ((6.78, 7.62, 0.80), (0.04, 0.04, 0.05)),
    "headphones": ((6.88, 7.43, 0.81), (0.06, 0.06, 0.06)),
    "laptop": ((6.41, 7.48, 0.7625), (0.165, 0.115, 0.0125)),
    "tablet": ((7.18, 7.50, 0.755), (0.12, 0.085, 0.005)),
    "charger": ((6.66, 7.50, 0.765), (0.03, 0.03, 0.015)),
}
GLASSES = ((7.04, 7.80, 0.765), (0.07, 0.025, 0.015))
ROBOT = (6.0, 3.0)  # in the dining room, south of the study's door


def box_of(thing) -> tuple[tuple[float, ...], tuple[float, ...]]:
    (c, h) = thing
    return tuple(np.subtract(c, h)), tuple(np.add(c, h))


REMEMBERED = [box_of(t) for t in ON_DESK.values()]  # what memory holds on the desk (not the glasses)


def world(with_glasses: bool = True) -> list[Box]:
    desk = Box("desk", tuple((np.add(DESK[0], DESK[1])) / 2), tuple((np.subtract(DESK[1], DESK[0])) / 2))
    things = [Box(name, c, h) for name, (c, h) in ON_DESK.items()]
    return [desk] + things + ([Box("glasses", *GLASSES)] if with_glasses else [])


def ray_cast(pose: Pose, boxes: list[Box], frame_id: int = 0):
    lens, forward = pose.position, pose.rotation_matrix()[:, 2]
    return render(frame_id, 0.0, tuple(lens), tuple(lens + forward), boxes, INTRINSICS)


def look_frames(stands) -> list:
    return [ray_cast(aimed_camera_pose(vp, aim, CAMERA), world(), i)
            for i, (vp, aim) in enumerate((vp, aim) for vp, aims in stands for aim in aims)]


def glasses_pixels(stands) -> list[int]:
    """Per view, the pixels where the glasses are the nearest thing (ray-cast with and without them)."""
    counts = []
    for vp, aims in stands:
        for aim in aims:
            pose = aimed_camera_pose(vp, aim, CAMERA)
            everything = ray_cast(pose, world()).depth
            alone = ray_cast(pose, [Box("glasses", *GLASSES)]).depth
            counts.append(int((np.isfinite(alone) & (alone < 6.5) & (np.abs(everything - alone) < 1e-4)).sum()))
    return counts


def test_one_view_misses_the_glasses_and_the_coverage_counts_what_hides_them():
    single = plan_surface_look(*DESK, ROBOT, FLOOR, CAMERA)       # blind to what stands on the desk
    assert len(single.stands) == 1
    # behind the pen from this stand point: fewer pixels than perception keeps (min_mask_pixels 8)
    assert max(glasses_pixels(single.stands)) < 8
    frames = look_frames(single.stands)
    assert not any(o.category == "glasses" for f in frames for o in f.observations)
    blind = top_coverage(frames, *DESK, CAMERA.height_m)
    aware = top_coverage(frames, *DESK, CAMERA.height_m, occluders=REMEMBERED)
    assert blind == 1.0, "the whole top is in the image"
    assert aware < 0.9, f"coverage {aware:.2f} with the pen, the mug and the headphones in the way"
    lens = frames[0].camera_pose.position
    assert occluded(lens, np.array([GLASSES[0]]), *map(np.array, zip(*REMEMBERED)))[0]
    # the estimate from the planned camera poses alone (no frames) agrees with the ray-cast frames
    assert planned_coverage(single.stands, *DESK, CAMERA, REMEMBERED) == pytest.approx(aware, abs=0.03)
    # flat things (the laptop, the tablet, the charger) hide almost nothing
    flat = [box_of(ON_DESK[k]) for k in ("laptop", "tablet", "charger")]
    assert top_coverage(frames, *DESK, CAMERA.height_m, occluders=flat) > 0.95


def test_a_cluttered_desk_is_looked_at_from_several_stand_points_that_see_the_glasses():
    single = plan_surface_look(*DESK, ROBOT, FLOOR, CAMERA)
    plan = plan_surface_look(*DESK, ROBOT, FLOOR, CAMERA, occluders=REMEMBERED)
    assert 2 <= len(plan.stands) <= 3
    study = room_at(FLOOR, (6.5, 6.0))
    for (x, y, yaw), aims in plan.stands:
        assert room_at(FLOOR, (x, y)) is study and y < DESK[0][1] - 0.3, "in front of the desk, clear of it"
        assert yaw == pytest.approx(math.pi / 2), "facing the desk's front face"
        assert all(a[2] == pytest.approx(0.75) and DESK[0][0] <= a[0] <= DESK[1][0] for a in aims)
    xs = [vp[0] for vp, _ in plan.stands]
    assert max(xs) - min(xs) > 0.4, "spread along the front face"
    assert math.dist(plan.stands[0][0][:2], ROBOT) <= math.dist(plan.stands[-1][0][:2], ROBOT)
    frames = look_frames(plan.stands)
    assert max(glasses_pixels(plan.stands)) >= 20
    assert any(o.category == "glasses" for f in frames for o in f.observations)
    seen = top_coverage(frames, *DESK, CAMERA.height_m, occluders=REMEMBERED)
    before = top_coverage(look_frames(single.stands), *DESK, CAMERA.height_m, occluders=REMEMBERED)
    assert seen > before + 0.05 and plan.coverage == pytest.approx(seen, abs=0.03)


@pytest.mark.parametrize("things", [[], ["laptop", "tablet", "charger"]])
def test_a_desk_with_nothing_tall_on_it_is_looked_at_from_one_stand_point(things):
    plan = plan_surface_look(*DESK, ROBOT, FLOOR, CAMERA, occluders=[box_of(ON_DESK[k]) for k in things])
    assert len(plan.stands) == 1 and plan.coverage >= 0.95


# ------------------------------------------------------------------ the explorer over fake skills
@dataclass
class RayCastSkills:
    """Navigate (teleport, straight-line metres) and look (one ray-cast frame per look_at) in the desk world."""

    pose: Pose = field(default_factory=lambda: Pose.from_xyz_yaw(ROBOT[0], ROBOT[1], 0.0, math.pi / 2))
    calls: list = field(default_factory=list)
    frame_id: int = 0

    def robot_pose(self) -> Pose:
        return self.pose

    def navigate_to(self, x, y, yaw=None):
        self.calls.append(("navigate", (x, y, yaw)))
        metres = math.dist((self.pose.x, self.pose.y), (x, y))
        self.pose = Pose.from_xyz_yaw(x, y, 0.0, self.pose.yaw if yaw is None else yaw)
        return SkillResult(True, path_length_m=metres)

    def look_at(self, aim):
        self.calls.append(("look", tuple(aim)))
        self.frame_id += 1
        frame = ray_cast(aimed_camera_pose((self.pose.x, self.pose.y, self.pose.yaw), aim, CAMERA), world(),
                         self.frame_id)
        return SkillResult(True, frames=[frame])


def remembered(object_id: str, box: tuple[tuple[float, ...], tuple[float, ...]], rests_on: str | None) -> SceneObject:
    """What memory holds of a thing in the desk world: the desk itself when it rests on nothing."""
    centre = tuple(float(v) for v in np.add(box[0], box[1]) / 2.0)
    return SceneObject(object_id, object_id.split("_")[0], centre, box[0], box[1], "study", rests_on,
                       "desk" if rests_on else None, None, 1.0, 0.0, 0.0, True, rests_on is None)


@dataclass
class DeskMemory:
    floor_plan: FloorPlan = FLOOR
    ingested: list = field(default_factory=list)

    def receptacles(self) -> list[SceneObject]:
        return [remembered("desk_1", DESK, None)]

    def objects(self) -> list[SceneObject]:
        return [remembered(k, box_of(t), "desk_1") for k, t in ON_DESK.items()] + self.receptacles()

    def ingest(self, frame):
        self.ingested.append(frame)


def explorer() -> SimExplorer:
    return SimExplorer(RayCastSkills(), SimpleNamespace(process=lambda frame: frame), DeskMemory(), camera=CAMERA,
                       views_per_look=1)


def glasses_belief() -> Belief:
    return Belief("present_location", [AnswerCandidate("desk_1", "desk_1", 0.6, reveal_target="desk_1",
                                                       reveal_position=(6.78, 7.64, 0.75)),
                                       AnswerCandidate("nightstand", "nightstand", 0.4, reveal_target="nightstand",
                                                       reveal_position=(1.0, 7.5, 0.5))])


def desk_look(ex: SimExplorer) -> ObservationAction:
    return next(a for a in ex.candidates(None, glasses_belief()) if a.target == "desk_1")


def test_the_explorer_drives_to_every_stand_point_and_prices_the_whole_path():
    ex = explorer()
    action = desk_look(ex)
    assert len(action.stands) >= 2 and action.stands_path_m == pytest.approx(
        sum(math.dist(a[0][:2], b[0][:2]) for a, b in zip(action.stands, action.stands[1:])))
    to_first = ex.travel_cost(action) - action.stands_path_m
    assert to_first > 0 and action.stands_path_m > 0.4
    frames = ex.look(action)
    driven = [args for kind, args in ex.skills.calls if kind == "navigate"]
    assert driven == [vp for vp, _ in action.stands]
    assert ex.path_length_m == pytest.approx(math.dist(ROBOT, action.viewpoint[:2]) + action.stands_path_m)
    assert any(o.category == "glasses" for f in frames for o in f.observations)
    assert ex.last_look_coverage == pytest.approx(planned_coverage(action.stands, *DESK, CAMERA, REMEMBERED), abs=0.03)


def test_a_look_from_one_stand_point_at_the_cluttered_desk_is_weak_evidence_against_it():
    """The explorer's look measures its coverage with what memory holds on the desk as occluders."""
    ex = explorer()
    single = plan_surface_look(*DESK, ROBOT, FLOOR, CAMERA)
    ex.look(ObservationAction("desk_1", (6.78, 7.64, 0.75), single.viewpoint, "receptacle", single.aims, DESK))
    assert ex.last_look_coverage < 0.9
    sys.path.insert(0, str(Path(__file__).parent))
    from household_memory import mug_place_after_looks

    # the same look counted as seeing the whole top (the occluder-blind coverage) says more against the place
    measured, blind = mug_place_after_looks([ex.last_look_coverage, 1.0])
    assert measured > 1.5 * blind


def test_value_of_information_prices_a_look_from_several_stand_points_by_its_whole_path():
    ex = explorer()
    multi = desk_look(ex)
    single = ObservationAction(multi.target, multi.target_position, multi.viewpoint, "receptacle", multi.aims,
                               multi.box)
    far = ObservationAction("nightstand", (1.0, 7.5, 0.5), (1.0, 6.8, math.pi / 2), "receptacle")
    policy = ValueOfInformationStopper()
    belief = glasses_belief()
    travel_single, travel_multi = ex.travel_cost(single), ex.travel_cost(multi)
    assert travel_multi == pytest.approx(travel_single + multi.stands_path_m)
    scored = {id(s.action): s for s in policy.score(belief, [single, far], [travel_single, 9.0])}
    scored_multi = {id(s.action): s for s in policy.score(belief, [multi, far], [travel_multi, 9.0])}
    extra_looks = (len(multi.stands) - 1) * policy.look_time_s * policy.speed_mps
    assert scored_multi[id(multi)].cost_m == pytest.approx(scored[id(single)].cost_m + multi.stands_path_m
                                                           + extra_looks)
    # the next look starts where the last stand point is, and a multi-stand look's hop includes its own path
    hops = policy._hops([multi, far], [travel_multi, 9.0])
    assert hops[0][1] == pytest.approx(math.dist(multi.end_viewpoint[:2], far.viewpoint[:2]))
    assert hops[1][0] == pytest.approx(math.dist(far.viewpoint[:2], multi.viewpoint[:2]) + multi.stands_path_m)


@pytest.mark.slow
@pytest.mark.skip(reason="issue 17: the pen is now seen (from in front of the desk) and kept through the patrol's "
                         "farther views where the headphones hide it (scene_graph small_object_occlusion_margin_m), "
                         "but the scene's premise is gone: the real 1.2 cm pen (and the 7 cm headphones) hide no "
                         "glasses from the single stand point, which sees them; the layout needs a taller occluder")
def test_glasses_behind_the_pen_are_found_by_the_planned_stand_points_in_pybullet():
    """The same desk layout in the rendered simulator (the test house's desk against the living room's north wall)."""
    import pybullet as p

    sys.path.insert(0, str(Path(__file__).parent))
    from sim_household import SimHousehold, house

    data = house([{"at": "d1 09:00", "add": {"id": "glasses_1", "category": "glasses", "rests_on": "desk"}}])
    data["world"]["objects"] += [{"id": f"{c}_1", "category": c, "rests_on": "desk"}
                                 for c in ("pen", "headphones", "cup")]
    h = SimHousehold.create(data)
    # the study desk's layout, moved onto this desk (its centre 9.6, 4.3 instead of 6.78, 7.64)
    layout = {k: (x + 2.82, y - 3.34, 0.0) for k, (x, y, _) in (("pen_1", ON_DESK["pen"][0]),
                                                               ("headphones_1", ON_DESK["headphones"][0]),
                                                               ("cup_1", ON_DESK["mug"][0]))}

    def put(object_id: str, yaw: float = 0.0) -> None:
        body = h.backend.objects[object_id]
        x, y, _ = layout[object_id]
        z = h.backend.furniture["desk"].support_z + body.half_height + 0.002
        p.resetBasePositionAndOrientation(body.body, (x, y, z), p.getQuaternionFromEuler((0.0, 0.0, yaw)),
                                          physicsClientId=h.backend.client_id)

    try:
        for object_id in ("pen_1", "headphones_1", "cup_1"):
            put(object_id)
        h.patrol("d1 07:00")
        # a 1.2 cm pen is about one pixel wide from the room's middle: it is seen from in front of the desk,
        # and the patrol's farther views of the desk, where the headphones hide it, do not make it gone
        pen_x, pen_y, _ = layout["pen_1"]
        h.explorer.ingest(h.skills.navigate_to(pen_x - 0.1, pen_y - 0.7, math.pi / 2).frames
                          + h.skills.look_at((pen_x, pen_y, 0.76)).frames)
        h.patrol("d1 08:00")
        desk = next(r for r in h.memory.receptacles() if r.category == "desk")
        on_desk = {o.category for o in h.memory.objects() if o.rests_on == desk.id}
        assert {"pen", "headphones"} <= on_desk, on_desk
        h.advance("d1 10:00")
        h.skills.navigate_to(6.5, 1.0)
        single = plan_surface_look(desk.bbox_min, desk.bbox_max, h.explorer.robot_xy(), h.memory.floor_plan,
                                   h.explorer.camera)
        # the glasses lie right behind the pen as seen from that one stand point, along the line of sight
        lens = aimed_camera_pose(single.viewpoint, single.aims[0], h.explorer.camera).position
        pen = np.array(h.backend.ground_truth().objects["pen_1"].position[:2])
        sight = (pen - lens[:2]) / np.linalg.norm(pen - lens[:2])
        layout["glasses_1"] = (*(pen + 0.15 * sight), 0.0)
        put("glasses_1", math.atan2(sight[1], sight[0]))
        assert h.truly_rests_on("glasses_1") == "desk"
        belief = Belief("present_location", [AnswerCandidate(desk.id, desk.id, 1.0, reveal_target=desk.id,
                                                             reveal_position=tuple(desk.position))])
        [action] = h.explorer.candidates(None, belief)
        assert len(single.stands) == 1 and len(action.stands) >= 2
        box = (tuple(desk.bbox_min), tuple(desk.bbox_max))
        frames = h.explorer.look(ObservationAction(desk.id, tuple(desk.position), single.viewpoint, "receptacle",
                                                   single.aims, box))
        assert not any(o.category == "glasses" for f in frames for o in f.observations)
        assert h.explorer.last_look_coverage < 0.9
        frames = h.explorer.look(action)
        assert any(o.category == "glasses" for f in frames for o in f.observations)
        glasses = [o for o in h.memory.objects() if o.category == "glasses"]
        assert glasses and glasses[0].rests_on == desk.id
    finally:
        h.close()
