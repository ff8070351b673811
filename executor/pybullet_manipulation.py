"""Arm skills on a PyBullet Panda: IK, joint position control with physics stepping, real grasps.

Pick: the body to grasp is whatever dynamic body sits at the requested place (the caller gives a
remembered position, never a simulator id); the hand comes down over it, closes the fingers, and a
fixed constraint joins hand and object only when BOTH fingers touch it (otherwise the grasp missed);
the object is lifted and must have left its support. Place: the hand lowers the object over a free
spot of the receptacle's top, opens, and the object must come to rest touching the receptacle
inside its top footprint. Open/close: the hand reaches the door's handle with IK, then the door
joint is driven by its motor (no grasp of the handle is simulated).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pybullet as p

from robot_model.panda_kinematics import (
    ARM_JOINT_NAMES,
    END_EFFECTOR_LINK,
    FINGER_JOINT_NAMES,
    FINGER_LINKS,
    HAND_LINK,
    REST_POSE,
    PandaKinematics,
    side_orientation,
    top_down_orientation,
)
from robot_model.skills import (
    REASON_ALREADY_HOLDING,
    REASON_DOOR_STUCK,
    REASON_GRASP_MISSED,
    REASON_GRASP_SLIPPED,
    REASON_NO_DOOR,
    REASON_NOT_HOLDING,
    REASON_NOT_ON_TARGET,
    REASON_OBJECT_NOT_FOUND,
    REASON_OBJECT_TOO_LARGE,
    REASON_OK,
    REASON_TARGET_OCCUPIED,
    REASON_UNREACHABLE,
    REASON_WRONG_RECEPTACLE,
)

SEARCH_RADIUS_M = 0.30
FINGER_FORCE_N = 60.0
APPROACH_HEIGHT_M = 0.12
LIFT_HEIGHT_M = 0.12
TILTED_PITCHES = (1.2, 1.0)  # hand tipped down this far (rad; pi/2 is straight down) for tilted grasps
TILTED_LIFT_M = (0.08, 0.08)  # a tilted grasp lifts back toward the arm (m) and up (m)
RECEPTACLE_TOP_TOLERANCE_M = 0.2  # a real top is at most this far above the remembered one
RECEPTACLE_MIN_TOP_M = 0.05  # a top this low is the floor (or a rug), not a receptacle
RECEPTACLE_SEARCH_M = 0.35  # ... and its (x, y) at most this far outside the real footprint


@dataclass
class ManipulationConfig:
    """How the arm moves and how wide its hand opens.

    `finger_stroke_m` is the opening of EACH finger. A stock Panda hand opens 0.04 per finger (8 cm
    in all), too narrow for a mug, an apple or a book; the default 0.085 models a long-stroke
    parallel gripper on the same arm (the finger joint limits are widened in the simulator). Set
    0.04 to model the stock hand: wider objects then fail with "object too large for the gripper".
    """

    finger_stroke_m: float = 0.085
    arm_speed_rad_s: float = 1.5
    home_pose: tuple[float, ...] = REST_POSE


@dataclass
class ArmHandles:
    """Where the Panda is in a PyBullet world: body, joint and link indices."""

    client: int
    body: int
    arm_joints: tuple[int, ...]
    finger_joints: tuple[int, int]
    ee_link: int
    hand_link: int
    finger_links: tuple[int, int]

    @classmethod
    def from_body(cls, client: int, body: int) -> ArmHandles:
        """Find the Panda's joints and links by their URDF names in `body`."""
        joints: dict[str, int] = {}
        links: dict[str, int] = {}
        for j in range(p.getNumJoints(body, physicsClientId=client)):
            info = p.getJointInfo(body, j, physicsClientId=client)
            joints[info[1].decode()] = j
            links[info[12].decode()] = j
        missing = [n for n in (*ARM_JOINT_NAMES, *FINGER_JOINT_NAMES) if n not in joints]
        if missing:
            raise ValueError(f"body {body} is not a Panda: joints {missing} are missing")
        return cls(client, body, tuple(joints[n] for n in ARM_JOINT_NAMES),
                   (joints[FINGER_JOINT_NAMES[0]], joints[FINGER_JOINT_NAMES[1]]),
                   links[END_EFFECTOR_LINK], links[HAND_LINK], (links[FINGER_LINKS[0]], links[FINGER_LINKS[1]]))


@dataclass
class ManipulationOutcome:
    success: bool
    reason: str
    duration_s: float
    body: int | None = None


@dataclass
class GraspPose:
    """One way to take an object: hand orientation, pre-grasp, grasp and lift positions of the end-effector."""

    mode: str  # "top" (hand pointing down), "side" (hand horizontal or tipped, from the arm) or "tilted"
    orientation: tuple[float, float, float, float]
    pre: np.ndarray
    grasp: np.ndarray
    lift: np.ndarray
    pitch: float = 0.0  # side grasps: how far the hand is tipped down


@dataclass
class GraspPlan:
    body: int
    support: int | None
    center: np.ndarray
    poses: list[GraspPose]
    width: float


def body_aabb(client: int, body: int) -> tuple[np.ndarray, np.ndarray]:
    """The world AABB of a body over all its links."""
    lo, hi = (np.array(v) for v in p.getAABB(body, -1, physicsClientId=client))
    for link in range(p.getNumJoints(body, physicsClientId=client)):
        a, b = p.getAABB(body, link, physicsClientId=client)
        lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    return lo, hi


def _is_dynamic(client: int, body: int) -> bool:
    return p.getDynamicsInfo(body, -1, physicsClientId=client)[0] > 0.0


def _yaw_of(orientation: Sequence[float]) -> float:
    return p.getEulerFromQuaternion(orientation)[2]


class PyBulletManipulator:
    """Drives one Panda in a PyBullet world; every motion steps physics and counts simulated time."""

    def __init__(self, arm: ArmHandles, kinematics: PandaKinematics | None = None,
                 config: ManipulationConfig | None = None, ignored_bodies: Sequence[int] = ()) -> None:
        self.arm = arm
        self.ignored_bodies = set(ignored_bodies)  # e.g. the mobile base the arm is mounted on
        self.client = arm.client
        self.config = config or ManipulationConfig()
        self.finger_open = self.config.finger_stroke_m
        self.max_grip_width = 2 * self.finger_open - 0.006
        for joint in arm.finger_joints:
            p.changeDynamics(arm.body, joint, jointLowerLimit=0.0, jointUpperLimit=self.finger_open,
                             physicsClientId=self.client)
        self.kinematics = kinematics or PandaKinematics()
        self.dt = float(p.getPhysicsEngineParameters(physicsClientId=self.client)["fixedTimeStep"])
        self.held_body: int | None = None
        self._transit_ignore: tuple[int, ...] = ()  # bodies a transit may touch
        self._held_grasp: tuple[str, float] = ("top", 0.0)  # grasp mode and hand pitch
        self._constraint: int | None = None
        self._finger_target = self.finger_open

    # -- low level -------------------------------------------------------------------------------
    def arm_base_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """The URDF frame of panda_link0 in the world (what the kinematics client is set to)."""
        parent = p.getJointInfo(self.arm.body, self.arm.arm_joints[0], physicsClientId=self.client)[16]
        if parent == -1:
            com_pos, com_orn = p.getBasePositionAndOrientation(self.arm.body, physicsClientId=self.client)
            local = p.getDynamicsInfo(self.arm.body, -1, physicsClientId=self.client)
            inv_pos, inv_orn = p.invertTransform(local[3], local[4])
            pos, orn = p.multiplyTransforms(com_pos, com_orn, inv_pos, inv_orn)
        else:
            state = p.getLinkState(self.arm.body, parent, computeForwardKinematics=True, physicsClientId=self.client)
            pos, orn = state[4], state[5]
        return np.array(pos), np.array(orn)

    def sync_kinematics(self) -> None:
        pos, orn = self.arm_base_pose()
        self.kinematics.set_base_pose(pos, orn)

    def arm_joint_positions(self) -> tuple[float, ...]:
        states = p.getJointStates(self.arm.body, list(self.arm.arm_joints), physicsClientId=self.client)
        return tuple(s[0] for s in states)

    def finger_width(self) -> float:
        states = p.getJointStates(self.arm.body, list(self.arm.finger_joints), physicsClientId=self.client)
        return float(states[0][0] + states[1][0])

    def ee_position(self) -> np.ndarray:
        state = p.getLinkState(self.arm.body, self.arm.ee_link, computeForwardKinematics=True,
                               physicsClientId=self.client)
        return np.array(state[4])

    def _command(self, arm_targets: Sequence[float]) -> None:
        p.setJointMotorControlArray(self.arm.body, list(self.arm.arm_joints), p.POSITION_CONTROL,
                                    targetPositions=list(arm_targets), forces=[240.0] * 7,
                                    physicsClientId=self.client)
        p.setJointMotorControlArray(self.arm.body, list(self.arm.finger_joints), p.POSITION_CONTROL,
                                    targetPositions=[self._finger_target] * 2, forces=[FINGER_FORCE_N] * 2,
                                    physicsClientId=self.client)

    def step(self, steps: int) -> float:
        for _ in range(steps):
            p.stepSimulation(physicsClientId=self.client)
        return steps * self.dt

    def move_arm(self, target: Sequence[float], settle_tolerance: float = 0.01, max_settle_s: float = 1.5) -> float:
        """Interpolate the joint targets at a bounded speed, stepping physics; returns simulated seconds."""
        start = np.array(self.arm_joint_positions())
        goal = np.array(target, dtype=float)
        steps = max(1, int(math.ceil(float(np.max(np.abs(goal - start))) / self.config.arm_speed_rad_s / self.dt)))
        elapsed = 0.0
        for i in range(1, steps + 1):
            self._command(start + (goal - start) * (i / steps))
            elapsed += self.step(1)
        settle_steps = int(max_settle_s / self.dt)
        for _ in range(0, settle_steps, 10):
            if float(np.max(np.abs(np.array(self.arm_joint_positions()) - goal))) < settle_tolerance:
                break
            self._command(goal)
            elapsed += self.step(10)
        return elapsed

    def set_fingers(self, width_each: float, max_s: float = 1.0) -> float:
        """Drive both fingers to `width_each` (0 closed, 0.04 open) until they stop moving."""
        self._finger_target = width_each
        arm_now = self.arm_joint_positions()
        elapsed = 0.0
        previous = self.finger_width()
        for _ in range(0, int(max_s / self.dt), 12):
            self._command(arm_now)
            elapsed += self.step(12)
            width = self.finger_width()
            if abs(width - previous) < 2e-4:
                break
            previous = width
        return elapsed

    def move_to_rest(self) -> float:
        """The carrying posture: hand up in front of the base (holds a grasped object clear of everything)."""
        return self.move_arm(REST_POSE)

    def move_home(self) -> float:
        """The driving posture of the robot (folded, out of the camera's view)."""
        return self.move_arm(self.config.home_pose)

    def move_ee(self, position: Sequence[float], orientation: Sequence[float],
                tolerance_m: float = 0.02) -> tuple[bool, float]:
        """IK to a hand pose, then joint motion; False when IK cannot get within 1 cm or the arm did not get there."""
        self.sync_kinematics()
        solution = self.kinematics.solve(position, orientation, seed=self.arm_joint_positions())
        if not solution.reached:
            return False, 0.0
        elapsed = self.move_arm(solution.joints)
        return bool(np.linalg.norm(self.ee_position() - np.asarray(position)) < tolerance_m), elapsed

    def transit_to(self, position: Sequence[float], orientation: Sequence[float]) -> tuple[bool, float]:
        """Go to a hand pose along a collision-free route: direct, or via waypoints above.

        Joint-space motion between far-apart poses can sweep the hand through objects, so each route's
        joint path is sampled and checked for collisions (what a motion planner would do, crudely).
        """
        position = np.asarray(position, dtype=float)
        current = self.ee_position()
        high = max(current[2], position[2]) + 0.15
        routes = [
            [position],
            [np.array([current[0], current[1], max(current[2], position[2])]), position],
            [np.array([current[0], current[1], high]), np.array([position[0], position[1], high]), position],
            [np.array([position[0], position[1], position[2] + 0.15]), position],
        ]
        plan = None
        for route in routes:
            joints = self._route_joints(route, orientation)
            if joints is not None:
                plan = (route, joints)
                break
        if plan is None:
            return self.move_ee(position, orientation)  # nothing collision-free found: try directly
        elapsed = 0.0
        for joints in plan[1]:
            elapsed += self.move_arm(joints)
        return bool(np.linalg.norm(self.ee_position() - position) < 0.02), elapsed

    def _route_joints(self, route: list[np.ndarray], orientation: Sequence[float]) -> list[tuple[float, ...]] | None:
        """IK of every waypoint, or None when one is unreachable or the joint path between them collides."""
        self.sync_kinematics()
        previous = self.arm_joint_positions()
        result = []
        for waypoint in route:
            solution = self.kinematics.solve(waypoint, orientation, seed=previous)
            if not solution.reached:
                return None
            for fraction in (0.25, 0.5, 0.75, 1.0):
                between = [a + (b - a) * fraction for a, b in zip(previous, solution.joints)]
                if self.configuration_collides(between, ignore=self._transit_ignore):
                    return None
            result.append(solution.joints)
            previous = solution.joints
        return result


    def can_reach(self, position: Sequence[float], orientation: Sequence[float], ignore: Sequence[int] = ()) -> bool:
        """IK reaches the pose within 1 cm and the arm there touches nothing but `ignore` (and what it holds)."""
        self.sync_kinematics()
        solution = self.kinematics.solve(position, orientation, seed=self.arm_joint_positions())
        return solution.reached and not self.configuration_collides(solution.joints, ignore)

    def configuration_collides(self, joints: Sequence[float], ignore: Sequence[int] = ()) -> bool:
        """Whether the arm at `joints` would touch any body (a collision check in place of a motion planner)."""
        arm = self.arm.body
        saved = [p.getJointState(arm, j, physicsClientId=self.client)[:2] for j in self.arm.arm_joints]
        try:
            for j, q in zip(self.arm.arm_joints, joints):
                p.resetJointState(arm, j, q, physicsClientId=self.client)
            lo, hi = body_aabb(self.client, arm)
            skip = {arm, self.held_body, *ignore, *self.ignored_bodies}
            overlapping = p.getOverlappingObjects(lo.tolist(), hi.tolist(), physicsClientId=self.client) or []
            nearby = {b for b, _ in overlapping}
            return any(p.getClosestPoints(arm, body, 0.002, physicsClientId=self.client)
                       for body in nearby - skip)
        finally:
            for j, (q, v) in zip(self.arm.arm_joints, saved):
                p.resetJointState(arm, j, q, v, physicsClientId=self.client)

    # -- perception of the world by touch ----------------------------------------------------------
    def _touching(self, a: int, b: int, link_a: int | None = None) -> bool:
        kwargs = {"linkIndexA": link_a} if link_a is not None else {}
        return bool(p.getContactPoints(a, b, physicsClientId=self.client, **kwargs))

    def _near(self, a: int, b: int, distance: float = 0.004) -> bool:
        return bool(p.getClosestPoints(a, b, distance, physicsClientId=self.client))

    def bodies_near(self, point: Sequence[float], radius: float) -> list[int]:
        lo = np.asarray(point, dtype=float) - radius
        hi = np.asarray(point, dtype=float) + radius
        found = p.getOverlappingObjects(lo.tolist(), hi.tolist(), physicsClientId=self.client) or []
        return sorted({b for b, _ in found if b != self.arm.body})

    def find_object(self, near: Sequence[float], radius: float = SEARCH_RADIUS_M,
                    expected_height: float | Sequence[float] | None = None) -> int | None:
        """The dynamic body whose centre is closest to `near` (horizontally), within `radius`.

        With `expected_height` (what the category looks like), bodies whose height is far from it
        are not the object asked for. Several heights (the category standing, then lying on another
        face) are tried in turn: a thing that fell over is found when nothing of its upright height is there.
        """
        heights = [expected_height] if expected_height is None or np.isscalar(expected_height) else expected_height
        for height in heights:
            body = self._nearest_object(np.asarray(near, dtype=float), radius, height)
            if body is not None:
                return body
        return None

    def _nearest_object(self, near: np.ndarray, radius: float, expected_height: float | None) -> int | None:
        best, best_d = None, radius
        for body in self.bodies_near(near, radius):
            if body == self.held_body or not _is_dynamic(self.client, body):
                continue
            lo, hi = body_aabb(self.client, body)
            height = float(hi[2] - lo[2])
            if expected_height is not None and abs(height - expected_height) > max(0.03, 0.4 * expected_height):
                continue
            center = (lo + hi) / 2.0
            d = float(math.hypot(*(center[:2] - near[:2])))
            if d <= best_d and abs(center[2] - near[2]) < 0.5:
                best, best_d = body, d
        return best

    def support_of(self, body: int) -> int | None:
        """The body the object rests on: touching it, below its centre."""
        lo, hi = body_aabb(self.client, body)
        for other in self.bodies_near((lo + hi) / 2.0, float(np.max(hi - lo)) + 0.05):
            if other == body:
                continue
            points = p.getClosestPoints(body, other, 0.01, physicsClientId=self.client)
            if any(pt[6][2] <= lo[2] + 0.5 * (hi[2] - lo[2]) for pt in points):
                return other
        return None

    def _width_along(self, body: int, direction: float) -> float:
        """The object's extent along map heading `direction` (primitive shapes exactly, others by AABB)."""
        _, orn = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        relative = direction - _yaw_of(orn)
        shapes = p.getCollisionShapeData(body, -1, physicsClientId=self.client)
        if len(shapes) == 1 and shapes[0][2] == p.GEOM_BOX:
            dims = shapes[0][3]
            return abs(dims[0] * math.cos(relative)) + abs(dims[1] * math.sin(relative))
        if len(shapes) == 1 and shapes[0][2] in (p.GEOM_CYLINDER, p.GEOM_CAPSULE):
            return 2 * shapes[0][3][1]
        if len(shapes) == 1 and shapes[0][2] == p.GEOM_SPHERE:
            return 2 * shapes[0][3][0]
        lo, hi = body_aabb(self.client, body)
        return abs((hi[0] - lo[0]) * math.cos(direction)) + abs((hi[1] - lo[1]) * math.sin(direction))

    def plan_grasp(self, near: Sequence[float], expected_height: float | Sequence[float] | None = None,
                   arm_base: Sequence[float] | None = None) -> GraspPlan | str:
        """Candidate grasps of the object at `near`: top-down across its narrow sides, then from the side.

        Side and tilted grasps come from the arm's side: from where the arm's base stands now, or from
        `arm_base` (x, y) when planning for a stance the robot is not at yet.
        """
        body = self.find_object(near, expected_height=expected_height)
        if body is None:
            return REASON_OBJECT_NOT_FOUND
        lo, hi = body_aabb(self.client, body)
        center = (lo + hi) / 2.0
        support = self.support_of(body)
        support_top = float(lo[2])  # it rests there (a shelf inside furniture is below the furniture top)
        _, orn = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        base = self.arm_base_pose()[0] if arm_base is None else np.asarray(arm_base, dtype=float)
        poses: list[GraspPose] = []
        widths = []
        # top-down: fingers close along the object's own axes (narrowest first), both hand yaws
        yaw = _yaw_of(orn)
        height = float(hi[2] - lo[2])
        top_z = max(float(hi[2]) - min(0.028, 0.5 * height), support_top + 0.006)
        axes = sorted((self._width_along(body, yaw + k * math.pi / 2), yaw + k * math.pi / 2) for k in (0, 1))
        for width, grip in axes:
            widths.append(width)
            if width > self.max_grip_width:
                continue
            for turn in (0.0, math.pi):
                orientation = top_down_orientation(math.remainder(grip + turn, 2 * math.pi))
                grasp = np.array([center[0], center[1], top_z])
                poses.append(GraspPose("top", orientation, grasp + [0, 0, APPROACH_HEIGHT_M], grasp,
                                       grasp + [0, 0, LIFT_HEIGHT_M]))
        # side: the hand comes from the arm's side (horizontal or tipped down), fingers closing across
        approach = math.atan2(center[1] - base[1], center[0] - base[0])
        width = self._width_along(body, approach + math.pi / 2)
        widths.append(width)
        depth = self._width_along(body, approach)
        if width <= self.max_grip_width:
            for pitch in (0.0, 0.5, 0.9):
                side_z = min(max(float(center[2]), support_top + 0.045 + 0.03 * pitch), float(hi[2]) - 0.015)
                if side_z < support_top + 0.02:
                    continue
                u = np.array([math.cos(approach), math.sin(approach), 0.0])
                axis = np.array([math.cos(pitch) * u[0], math.cos(pitch) * u[1], -math.sin(pitch)])
                grasp = np.array([center[0], center[1], side_z]) - u * max(0.0, depth / 2 - 0.035)
                poses.append(GraspPose("side", side_orientation(approach, pitch), grasp - 0.12 * axis, grasp,
                                       grasp + [0, 0, LIFT_HEIGHT_M], pitch))
        # Tilted (tried last): fingertips at the top-down grasp height, the hand leaning back toward the
        # arm, lifted up and back toward it. The wrist stays nearer the arm than above the object, so a flat
        # thing in the middle of a deep, high top (a sponge mid-counter) is in reach where top-down is not.
        if width <= self.max_grip_width:
            u = np.array([math.cos(approach), math.sin(approach), 0.0])
            for pitch in TILTED_PITCHES:
                axis = np.array([math.cos(pitch) * u[0], math.cos(pitch) * u[1], -math.sin(pitch)])
                grasp = np.array([center[0], center[1], top_z])
                poses.append(GraspPose("tilted", side_orientation(approach, pitch), grasp - 0.12 * axis, grasp,
                                       grasp + [0, 0, TILTED_LIFT_M[1]] - TILTED_LIFT_M[0] * u, pitch))
        if not poses:
            return REASON_OBJECT_TOO_LARGE
        shapes = p.getCollisionShapeData(body, -1, physicsClientId=self.client)
        round_or_tall = height >= 0.1 or (len(shapes) == 1 and shapes[0][2] == p.GEOM_SPHERE)
        if round_or_tall:  # held round its middle, not pinched at the top
            poses.sort(key=lambda g: (g.mode == "tilted", g.mode != "side"))
        return GraspPlan(body, support, center, poses, min(widths))

    def reaches_from(self, plan: GraspPlan, arm_base: Sequence[float], arm_orientation: Sequence[float]) -> bool:
        """Whether the arm, its base at this pose, reaches a grasp of `plan` with its full approach and lift.

        Inverse kinematics only (the arm is not moved there, so nothing is checked for collisions): a
        stance that passes may still fail at the pick, one that fails cannot succeed with a strict reach.
        """
        with self._kinematics_at(arm_base, arm_orientation) as seed:
            return any(self.kinematics.solve(g.grasp, g.orientation, seed=seed).reached
                       and self.kinematics.solve(g.pre, g.orientation, seed=seed).reached
                       and self.kinematics.solve(g.lift, g.orientation, seed=seed).reached
                       for g in plan.poses)

    @contextmanager
    def _kinematics_at(self, arm_base: Sequence[float],
                       arm_orientation: Sequence[float]) -> Iterator[tuple[float, ...]]:
        """The kinematic model with the arm's base at this pose (the arm's joints as the seed), then as it is."""
        self.kinematics.set_base_pose(arm_base, arm_orientation)
        try:
            yield self.arm_joint_positions()
        finally:
            self.sync_kinematics()

    def _reachable_grasp(self, plan: GraspPlan, strict: bool = False) -> GraspPose | None:
        """The first grasp whose grasp pose is reachable without touching anything, with a reachable pre-grasp.

        `strict`: also the full pre-grasp height and the lift (what a stance well within reach gives).
        Otherwise, at the edge of the arm's reach (a high counter), a shorter approach along the same
        axis is tried before giving up.
        """
        for g in plan.poses:
            if not self.can_reach(g.grasp, g.orientation, ignore=(plan.body, plan.support)):
                continue
            if strict:
                if self.can_reach(g.pre, g.orientation) and self.can_reach(g.lift, g.orientation):
                    return g
                continue
            for fraction in (1.0, 0.5, 0.3):
                pre = g.grasp + (g.pre - g.grasp) * fraction
                if self.can_reach(pre, g.orientation):
                    return g if fraction == 1.0 else dataclasses.replace(g, pre=pre)
        return None

    # -- skills ----------------------------------------------------------------------------------
    def pick(self, near: Sequence[float], expected_height: float | Sequence[float] | None = None,
             strict_reach: bool = False) -> ManipulationOutcome:
        """Grasp the object at `near`, lift it, verify it left its support; the arm ends in a carry pose.

        `strict_reach`: "unreachable" unless the whole approach (pre-grasp, grasp, lift) is within reach
        from here, so the caller can stand closer before settling for a shorter approach.
        """
        if self.held_body is not None:
            return ManipulationOutcome(False, REASON_ALREADY_HOLDING, 0.0, self.held_body)
        plan = self.plan_grasp(near, expected_height)
        if isinstance(plan, str):
            return ManipulationOutcome(False, plan, 0.0)
        elapsed = self.set_fingers(self.finger_open, max_s=0.5)
        pose = self._reachable_grasp(plan, strict_reach)
        if pose is None:
            return ManipulationOutcome(False, REASON_UNREACHABLE, elapsed, plan.body)
        start_z = float(p.getBasePositionAndOrientation(plan.body, physicsClientId=self.client)[0][2])
        ok, t = self.transit_to(pose.pre, pose.orientation)
        elapsed += t
        if not ok:
            elapsed += self.move_home()
            return ManipulationOutcome(False, REASON_UNREACHABLE, elapsed, plan.body)
        for fraction in (0.5, 1.0):
            ok, t = self.move_ee(pose.pre + (pose.grasp - pose.pre) * fraction, pose.orientation)
            elapsed += t
        elapsed += self.set_fingers(0.0)
        left, right = self.arm.finger_links
        if not (self._touching(self.arm.body, plan.body, left) and self._touching(self.arm.body, plan.body, right)):
            elapsed += self.set_fingers(self.finger_open, max_s=0.5)
            elapsed += self.move_ee(pose.pre, pose.orientation)[1]
            elapsed += self.move_home()
            return ManipulationOutcome(False, REASON_GRASP_MISSED, elapsed, plan.body)
        self._attach(plan.body)
        self._held_grasp = (pose.mode, pose.pitch)
        lift = pose.lift if self.can_reach(pose.lift, pose.orientation) else pose.grasp + [0, 0, 0.06]
        ok, t = self.move_ee(lift, pose.orientation, tolerance_m=0.04)
        elapsed += t
        elapsed += self.step(int(0.2 / self.dt))
        lifted_z = float(p.getBasePositionAndOrientation(plan.body, physicsClientId=self.client)[0][2])
        still_supported = plan.support is not None and self._near(plan.body, plan.support, 0.002)
        if lifted_z - start_z < 0.04 or still_supported or not self._fingers_touch(plan.body):
            self._detach()
            elapsed += self.set_fingers(self.finger_open, max_s=0.5)
            elapsed += self.move_home()
            return ManipulationOutcome(False, REASON_GRASP_SLIPPED, elapsed, plan.body)
        elapsed += self.move_to_carry(pose.orientation)
        return ManipulationOutcome(True, REASON_OK, elapsed, plan.body)

    def move_to_carry(self, orientation: Sequence[float]) -> float:
        """Bring a held object close in front of the arm's base, high, keeping the hand's orientation."""
        base, orn = self.arm_base_pose()
        heading = _yaw_of(orn)
        lifted = float(self.ee_position()[2] - base[2])  # never lower what was just lifted
        for forward, up in ((0.35, 0.55), (0.45, 0.45), (0.3, 0.7)):
            target = base + np.array([forward * math.cos(heading), forward * math.sin(heading), max(up, lifted)])
            if self.can_reach(target, orientation):
                return self.transit_to(target, orientation)[1]
        return 0.0

    def _fingers_touch(self, body: int) -> bool:
        """Both fingers within 3 mm of the body."""
        return all(p.getClosestPoints(self.arm.body, body, 0.003, linkIndexA=link, physicsClientId=self.client)
                   for link in self.arm.finger_links)

    def close_gripper(self, width_each: float = 0.0) -> tuple[int | None, float]:
        """Close the fingers; when both touch the same body it is held (fixed to the hand).

        Returns the held body (or None) and the simulated seconds it took.
        """
        elapsed = self.set_fingers(width_each)
        left, right = self.arm.finger_links
        # contact points flicker between steps: a body within 2 mm of a finger counts as touched by it
        nearby = self.bodies_near(self.ee_position(), 0.15)
        touching = [{b for b in nearby if p.getClosestPoints(self.arm.body, b, 0.002, linkIndexA=link,
                                                             physicsClientId=self.client)}
                    for link in (left, right)]
        held = sorted(b for b in touching[0] & touching[1] if b != self.arm.body and _is_dynamic(self.client, b))
        if held and self.held_body is None:
            self._attach(held[0])
        return self.held_body, elapsed

    def open_gripper(self, width_each: float | None = None) -> float:
        """Let go of whatever is held and open the fingers; returns simulated seconds."""
        self._detach()
        return self.set_fingers(self.finger_open if width_each is None else min(width_each, self.finger_open),
                                max_s=0.5)

    def _attach(self, body: int) -> None:
        hand = p.getLinkState(self.arm.body, self.arm.hand_link, computeForwardKinematics=True,
                              physicsClientId=self.client)
        hand_pos, hand_orn = hand[0], hand[1]
        obj_pos, obj_orn = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        inv_pos, inv_orn = p.invertTransform(hand_pos, hand_orn)
        rel_pos, rel_orn = p.multiplyTransforms(inv_pos, inv_orn, obj_pos, obj_orn)
        self._constraint = p.createConstraint(
            self.arm.body, self.arm.hand_link, body, -1, p.JOINT_FIXED, [0, 0, 0], rel_pos, [0, 0, 0],
            parentFrameOrientation=rel_orn, childFrameOrientation=[0, 0, 0, 1], physicsClientId=self.client)
        p.changeConstraint(self._constraint, maxForce=500.0, physicsClientId=self.client)
        self.held_body = body

    def _detach(self) -> None:
        if self._constraint is not None:
            p.removeConstraint(self._constraint, physicsClientId=self.client)
        self._constraint = None
        self.held_body = None

    def receptacle_at(self, position: Sequence[float], accept: Callable[[int], bool] | None = None) -> int | None:
        """The static body with its top at the height of `position` whose footprint holds its (x, y).

        `position` is where a remembered top is: (x, y) on it and z its height. The floor is never it (a
        remembered box a little off the real one once put a wine glass meant for a tv stand on the floor,
        and the place "succeeded"), nor is a top more than `RECEPTACLE_TOP_TOLERANCE_M` above that height;
        a lower top may be (a box lifted from a detector's 2D box holds what stands on the thing, so the
        remembered top can be 0.3 m above the real one). Among those, the one holding (x, y), else the
        nearest within `RECEPTACLE_SEARCH_M` (the remembered box is off the real one by more than the
        placing margin); of equals, the top nearest that height. `accept`: only bodies it accepts (the
        furniture asked for) are taken.
        """
        point = np.asarray(position, dtype=float)
        best, best_key = None, (math.inf, -math.inf)
        for body in self.bodies_near(point, 0.6):
            if body == self.held_body or _is_dynamic(self.client, body) or (accept is not None and not accept(body)):
                continue
            lo, hi = body_aabb(self.client, body)
            at_height = RECEPTACLE_MIN_TOP_M < float(hi[2]) <= float(point[2]) + RECEPTACLE_TOP_TOLERANCE_M
            if hi[2] - lo[2] <= 0.05 or hi[2] >= 2.0 or not at_height:
                continue
            off = math.hypot(max(lo[0] - point[0], 0.0, point[0] - hi[0]), max(lo[1] - point[1], 0.0, point[1] - hi[1]))
            key = (off, abs(float(hi[2]) - float(point[2])))  # holding (x, y) first, then the top nearest z
            if off <= RECEPTACLE_SEARCH_M and key < best_key:
                best, best_key = body, key
        return best

    def free_spots(self, receptacle: int, footprint: float | tuple[float, float],
                   near: Sequence[float], occupied_too: bool = False) -> list[np.ndarray]:
        """Points on the receptacle's top with room for an object of `footprint`, nearest `near` first.

        `footprint`: the object's (x, y) extents in the map as it will be set down (one number: a
        square). It stays 3 cm inside the top, and its box must clear every object already there; a long
        thing is checked along each axis with its own extent (not as a square of its length).
        `occupied_too`: every such point, whatever stands there.
        """
        lo, hi = body_aabb(self.client, receptacle)
        fx, fy = (footprint, footprint) if np.isscalar(footprint) else (float(footprint[0]), float(footprint[1]))
        mx, my = fx / 2 + 0.03, fy / 2 + 0.03
        xs = np.arange(lo[0] + mx, hi[0] - mx + 1e-6, 0.05)
        ys = np.arange(lo[1] + my, hi[1] - my + 1e-6, 0.05)
        spots = [np.array([x, y, hi[2]]) for x in xs for y in ys]
        others = []
        for body in self.bodies_near(((lo + hi) / 2.0), float(np.max(hi - lo))):
            if body in (receptacle, self.held_body) or not _is_dynamic(self.client, body):
                continue
            olo, ohi = body_aabb(self.client, body)
            if ohi[2] > hi[2] - 0.02 and not occupied_too:
                others.append((olo, ohi))
        hx, hy = fx / 2 + 0.015, fy / 2 + 0.015
        free = [s for s in spots if all(s[0] + hx < olo[0] or s[0] - hx > ohi[0] or
                                        s[1] + hy < olo[1] or s[1] - hy > ohi[1] for olo, ohi in others)]
        near = np.asarray(near, dtype=float)
        return sorted(free, key=lambda s: float(math.hypot(*(s[:2] - near[:2]))))

    def _held_offset(self) -> tuple[np.ndarray, float]:
        """Where the held object's centre is in the end-effector frame, and its half height."""
        body = self.held_body
        state = p.getLinkState(self.arm.body, self.arm.ee_link, computeForwardKinematics=True,
                               physicsClientId=self.client)
        lo, hi = body_aabb(self.client, body)
        center = (lo + hi) / 2.0
        inv_pos, inv_orn = p.invertTransform(state[4], state[5])
        local, _ = p.multiplyTransforms(inv_pos, inv_orn, center.tolist(), [0, 0, 0, 1])
        return np.array(local), float(center[2] - lo[2])

    def _place_orientations(self, spot: np.ndarray,
                            arm_base: Sequence[float] | None = None) -> list[tuple[float, float, float, float]]:
        """Hand orientations that keep the held object as it was grasped (upright): any turn about vertical.

        Turned about the heading from the arm's base (where it stands, or `arm_base`) to the spot.
        """
        base = self.arm_base_pose()[0] if arm_base is None else arm_base
        heading = math.atan2(spot[1] - base[1], spot[0] - base[0])
        mode, pitch = self._held_grasp
        turns = (0.0, 0.6, -0.6, 1.2, -1.2)
        if mode in ("side", "tilted"):
            return [side_orientation(heading + turn, pitch) for turn in turns]
        return [top_down_orientation(heading + math.pi / 2 + turn) for turn in turns[:3]]

    def place_reaches_from(self, receptacle_position: Sequence[float], accept: Callable[[int], bool] | None,
                           arm_base: Sequence[float], arm_orientation: Sequence[float]) -> bool:
        """Whether the arm, its base at this pose, reaches a free spot of the receptacle to set the held thing on.

        Inverse kinematics only, as `reaches_from`: the set-down point and a point above it, for the
        4 free spots nearest that arm base and 2 hand turns (a cheap test: it is asked of many stances).
        """
        if self.held_body is None:
            return False
        receptacle = self.receptacle_at(receptacle_position, accept)
        if receptacle is None:
            return False
        lo, hi = body_aabb(self.client, self.held_body)
        spots = self.free_spots(receptacle, (float(hi[0] - lo[0]), float(hi[1] - lo[1])), arm_base)
        offset, half_height = self._held_offset()
        with self._kinematics_at(arm_base, arm_orientation) as seed:
            for spot in spots[:4]:
                for orientation in self._place_orientations(spot, arm_base)[:2]:
                    rotation = np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)
                    down = np.array([spot[0], spot[1], spot[2] + half_height + 0.01]) - rotation @ offset
                    if (self.kinematics.solve(down, orientation, seed=seed).reached and
                            self.kinematics.solve(down + [0, 0, 0.06], orientation, seed=seed).reached):
                        return True
            return False

    def place(self, receptacle_position: Sequence[float],
              accept: Callable[[int], bool] | None = None) -> ManipulationOutcome:
        """Lower the held object onto a free spot of the receptacle at (x, y), release, verify it rests there.

        `accept`: the receptacle must be a body it accepts; a top there that it does not is
        REASON_WRONG_RECEPTACLE (issue 17, 12038: a jar meant for a bookshelf went onto a dishwasher).
        """
        if self.held_body is None:
            return ManipulationOutcome(False, REASON_NOT_HOLDING, 0.0)
        body = self.held_body
        receptacle = self.receptacle_at(receptacle_position, accept)
        if receptacle is None:
            other = accept is not None and self.receptacle_at(receptacle_position) is not None
            return ManipulationOutcome(False, REASON_WRONG_RECEPTACLE if other else REASON_OBJECT_NOT_FOUND, 0.0)
        lo, hi = body_aabb(self.client, body)
        footprint = (float(hi[0] - lo[0]), float(hi[1] - lo[1]))
        spots = self.free_spots(receptacle, footprint, receptacle_position)
        # the asked-for spot first, then the free spots nearest the arm (anywhere on the receptacle will do)
        base, _ = self.arm_base_pose()
        spots = spots[:1] + sorted(spots[1:], key=lambda s: float(math.hypot(s[0] - base[0], s[1] - base[1])))
        if not spots:
            # a full top the arm cannot reach anywhere is out of reach first: clearing it would not help
            every = self.free_spots(receptacle, footprint, receptacle_position, occupied_too=True)
            every.sort(key=lambda s: float(math.hypot(s[0] - base[0], s[1] - base[1])))
            rlo, rhi = body_aabb(self.client, receptacle)
            standing = [b for b in self.bodies_near((rlo + rhi) / 2.0, float(np.max(rhi - rlo)))
                        if b not in (receptacle, body) and _is_dynamic(self.client, b)]
            reachable = self._place_pose(every, ignore=standing) is not None
            return ManipulationOutcome(False, REASON_TARGET_OCCUPIED if reachable else REASON_UNREACHABLE, 0.0, body)
        chosen = self._place_pose(spots)
        if chosen is None:
            return ManipulationOutcome(False, REASON_UNREACHABLE, 0.0, body)
        orientation, down, above = chosen
        elapsed = 0.0
        ok, t = self.transit_to(above, orientation)
        elapsed += t
        ok2, t = self.move_ee(down, orientation)
        elapsed += t
        if not (ok and ok2):
            elapsed += self.move_to_carry(orientation)
            return ManipulationOutcome(False, REASON_UNREACHABLE, elapsed, body)
        self._detach()
        elapsed += self.set_fingers(self.finger_open, max_s=0.5)
        elapsed += self.step(int(0.3 / self.dt))
        back = down - np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)[:, 2] * 0.08
        elapsed += self.move_ee(back, orientation, tolerance_m=0.05)[1]
        ok, t = self.move_ee(above, orientation, tolerance_m=0.05)
        elapsed += t
        elapsed += self.move_home()
        elapsed += self.step(int(0.3 / self.dt))
        if not self.rests_on(body, receptacle):
            return ManipulationOutcome(False, REASON_NOT_ON_TARGET, elapsed, body)
        return ManipulationOutcome(True, REASON_OK, elapsed, body)

    def _place_pose(self, spots: Sequence[np.ndarray],
                    ignore: Sequence[int] = ()) -> tuple[Sequence[float], np.ndarray, np.ndarray] | None:
        """(orientation, set-down point, point above it) for the first of `spots` (at most 30) the arm reaches.

        `ignore`: bodies the arm may touch there (what stands on a full top, when asking whether it is in reach).
        """
        offset, half_height = self._held_offset()
        for spot in spots[:30]:
            for orientation in self._place_orientations(spot):
                rotation = np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)
                down = np.array([spot[0], spot[1], spot[2] + half_height + 0.01]) - rotation @ offset
                # the arm must clear the receptacle too (the held object, 1 cm above it, is not checked):
                # ignoring it let an elbow rest on a low nightstand's top, and the arm stalled there
                if not self.can_reach(down, orientation, ignore):
                    continue
                above = next((down + [0, 0, h] for h in (APPROACH_HEIGHT_M, 0.06) if
                              self.can_reach(down + [0, 0, h], orientation, ignore)), None)
                if above is not None:
                    return orientation, down, above
        return None

    def rests_on(self, body: int, receptacle: int) -> bool:
        """Touching the receptacle, centre inside its top footprint, not moving."""
        rlo, rhi = body_aabb(self.client, receptacle)
        lo, hi = body_aabb(self.client, body)
        center = (lo + hi) / 2.0
        inside = rlo[0] <= center[0] <= rhi[0] and rlo[1] <= center[1] <= rhi[1] and lo[2] >= rhi[2] - 0.03
        velocity = np.linalg.norm(p.getBaseVelocity(body, physicsClientId=self.client)[0])
        return bool(inside and self._near(body, receptacle, 0.005) and velocity < 0.05)

    # -- doors -----------------------------------------------------------------------------------
    def door_near(self, position: Sequence[float]) -> tuple[int, int] | None:
        """(body, joint) of the revolute door joint of the furniture nearest to `position`."""
        point = np.asarray(position, dtype=float)
        best, best_d = None, 1.0
        for body in self.bodies_near(point, 0.8):
            for joint in range(p.getNumJoints(body, physicsClientId=self.client)):
                info = p.getJointInfo(body, joint, physicsClientId=self.client)
                if info[2] != p.JOINT_REVOLUTE or body == self.arm.body:
                    continue
                lo, hi = body_aabb(self.client, body)
                d = float(math.hypot(*(((lo + hi) / 2.0)[:2] - point[:2])))
                if d < best_d:
                    best, best_d = (body, joint), d
        return best

    def door_angle(self, body: int, joint: int) -> float:
        return float(p.getJointState(body, joint, physicsClientId=self.client)[0])

    def door_geometry(self, body: int, joint: int) -> tuple[np.ndarray, float, float, float]:
        """(hinge xy, door width, handle height, heading of the closed door from the hinge) in the map.

        The door's direction is read from where its panel is (its AABB centre relative to the hinge),
        so it does not matter which link axis the panel was modelled along.
        """
        state = p.getLinkState(body, joint, computeForwardKinematics=True, physicsClientId=self.client)
        hinge = np.array(state[4])
        lo, hi = (np.array(v) for v in p.getAABB(body, joint, physicsClientId=self.client))
        offset = (lo + hi)[:2] / 2.0 - hinge[:2]
        width = float(np.clip(2.0 * np.linalg.norm(offset), 0.1, 1.5))
        heading = math.atan2(offset[1], offset[0]) - self.door_angle(body, joint)
        return hinge[:2], width, float((lo[2] + hi[2]) / 2.0), heading

    def door_limits(self, body: int, joint: int) -> tuple[float, float]:
        """(closed angle, open angle) of a door joint: closed is 0 (clipped into the limits), open the far limit."""
        info = p.getJointInfo(body, joint, physicsClientId=self.client)
        lower, upper = info[8], info[9]
        if upper < lower:  # unlimited joint: a quarter turn
            lower, upper = 0.0, math.pi / 2
        open_angle = upper if abs(upper) >= abs(lower) else lower
        return float(np.clip(0.0, lower, upper)), float(open_angle)

    def set_door(self, position: Sequence[float], open_door: bool) -> ManipulationOutcome:
        """Reach the door's handle (its free edge, half way up) with the hand, then drive the door joint.

        The door is moved by its joint motor once the hand is at the handle: handle grasps are not
        simulated. Fails "unreachable" when the hand cannot get to the handle from where the robot stands.
        """
        door = self.door_near(position)
        if door is None:
            return ManipulationOutcome(False, REASON_NO_DOOR, 0.0)
        body, joint = door
        closed_angle, open_angle = self.door_limits(body, joint)
        target = open_angle if open_door else closed_angle
        if abs(self.door_angle(body, joint) - target) < 0.05:
            return ManipulationOutcome(True, REASON_OK, 0.0, body)
        hinge, width, hinge_z, heading = self.door_geometry(body, joint)
        angle = heading + self.door_angle(body, joint)
        base, _ = self.arm_base_pose()
        elapsed = 0.0
        reached = False
        # the handle is at the free edge; pushing a door shut works anywhere along its face
        for along in ((0.9,) if open_door else (0.9, 0.65, 0.4)):
            closed_angle, open_angle = self.door_limits(body, joint)
            side = 1.0 if open_angle >= closed_angle else -1.0
            normal = np.array([math.cos(angle + side * math.pi / 2), math.sin(angle + side * math.pi / 2), 0.0])
            handle = np.array([hinge[0] + along * width * math.cos(angle), hinge[1] + along * width * math.sin(angle),
                               hinge_z]) + 0.04 * normal  # just in front of the door's face
            approach = math.atan2(handle[1] - base[1], handle[0] - base[0])
            u = np.array([math.cos(approach), math.sin(approach), 0.0])
            for height in (handle[2], base[2] + 0.55, base[2] + 0.35):
                reach = np.array([handle[0], handle[1], height]) - 0.06 * u
                if self.can_reach(reach, side_orientation(approach), ignore=(body,)):
                    reached, t = self.transit_to(reach, side_orientation(approach))
                    elapsed += t
                    break
            if reached:
                break
        if not reached:
            elapsed += self.move_home()
            return ManipulationOutcome(False, REASON_UNREACHABLE, elapsed, body)
        elapsed += self.move_ee(reach - 0.1 * u, side_orientation(approach), tolerance_m=0.05)[1]
        elapsed += self.move_home()
        p.setJointMotorControl2(body, joint, p.POSITION_CONTROL, targetPosition=target, force=50.0,
                                maxVelocity=1.5, physicsClientId=self.client)
        for _ in range(0, int(3.0 / self.dt), 24):
            elapsed += self.step(24)
            if abs(self.door_angle(body, joint) - target) < 0.05:
                break
        if abs(self.door_angle(body, joint) - target) > 0.15:
            return ManipulationOutcome(False, REASON_DOOR_STUCK, elapsed, body)
        return ManipulationOutcome(True, REASON_OK, elapsed, body)


def carry_held_objects_with_base(robot, manipulator: PyBulletManipulator) -> None:
    """Make teleports of a kinematic mobile base (`robot.set_base_pose(x, y, yaw)`) carry a held object.

    Otherwise the grasp constraint would drag the object through the house on the next physics step.
    """
    client = manipulator.client
    original = robot.set_base_pose
    hand_link = manipulator.arm.hand_link
    arm_body = manipulator.arm.body

    def set_base_pose_carrying(x: float, y: float, yaw: float) -> None:
        held = manipulator.held_body
        relative = None
        if held is not None:
            hand = p.getLinkState(arm_body, hand_link, computeForwardKinematics=True, physicsClientId=client)
            obj = p.getBasePositionAndOrientation(held, physicsClientId=client)
            inv = p.invertTransform(hand[4], hand[5])
            relative = p.multiplyTransforms(inv[0], inv[1], obj[0], obj[1])
        original(x, y, yaw)
        if held is not None and relative is not None:
            hand = p.getLinkState(arm_body, hand_link, computeForwardKinematics=True, physicsClientId=client)
            pos, orn = p.multiplyTransforms(hand[4], hand[5], relative[0], relative[1])
            p.resetBasePositionAndOrientation(held, pos, orn, physicsClientId=client)
            p.resetBaseVelocity(held, (0, 0, 0), (0, 0, 0), physicsClientId=client)

    robot.set_base_pose = set_base_pose_carrying
