"""Open/closed from a boxed thing's own points (perception.box_openness), and the size-prior centre.

Point sets are what a depth camera sees of a cabinet 0.8 m wide and 0.6 m deep standing against a wall
(its back on y = -0.3, its front on y = 0.3), 0.9 m tall.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from perception.box_openness import read_box_openness
from perception.config import BoxOpennessConfig
from perception.size_priors import amodal_centroid, extent_along, size_prior
from perception.top_down_outline import off_square

PARAMS = BoxOpennessConfig().rule_parameters()


def face(a, b, height=0.9, step=0.01):
    """Points of a vertical face from (x, y) `a` to `b`, floor to `height`."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(2, int(np.linalg.norm(b - a) / step))
    t = np.linspace(0.0, 1.0, n)
    xy = a + t[:, None] * (b - a)
    z = np.linspace(0.0, height, 30)
    return np.column_stack([np.repeat(xy, z.size, axis=0), np.tile(z, n)])


def read(*faces, camera=(1.6, 2.0)):
    return read_box_openness(PARAMS, np.vstack(faces), np.asarray(camera, float))


def test_a_shut_cabinet_seen_from_aside_reads_closed():
    reading = read(face((-0.4, 0.3), (0.4, 0.3)), face((0.4, 0.3), (0.4, -0.3)))
    assert reading.state == "closed", reading.reason


def test_the_inside_seen_through_the_opening_reads_open():
    carcass = [face((-0.4, 0.3), (-0.37, 0.3)), face((0.37, 0.3), (0.4, 0.3))]
    inside = [face((-0.37, -0.28), (0.37, -0.28)), face((-0.37, -0.28), (-0.37, 0.3))]
    door = face((-0.4, 0.3), (-0.4, 1.1))  # swung a right angle about the left hinge
    reading = read(*carcass, *inside, door, camera=(0.3, 2.2))
    assert reading.state == "open", reading.reason


def test_a_door_ajar_slanted_to_the_box_reads_open():
    angle = math.radians(20.0)
    tip = (-0.4 + 0.8 * math.cos(angle), 0.3 + 0.8 * math.sin(angle))
    reading = read(face((-0.4, 0.3), tip), face((-0.4, 0.3), (-0.4, -0.3)), camera=(-1.5, 2.0))
    assert reading.state == "open", reading.reason


def test_the_wall_beside_a_shut_cabinet_is_no_opening():
    """The side face runs away from the camera to the wall: behind the hull edge wall-to-corner, not flanked."""
    cabinet = [face((-0.4, 0.3), (0.4, 0.3)), face((-0.4, 0.3), (-0.4, -0.3))]
    wall = face((-0.7, -0.3), (-0.4, -0.3))
    reading = read(*cabinet, wall, camera=(-1.2, 1.4))
    assert reading.state == "closed", reading.reason


def noisy(points, camera, sigma=0.01, seed=0):
    """Depth noise as a camera makes it: each point moved along its ray by N(0, sigma)."""
    rng = np.random.default_rng(seed)
    cam = np.array([camera[0], camera[1], 1.2])
    rays = points - cam
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    return points + rays * rng.normal(0.0, sigma, (points.shape[0], 1))


def test_a_shut_cabinet_reads_closed_through_depth_noise_and_an_open_one_stays_open():
    camera = (1.6, 2.0)
    shut = np.vstack([face((-0.4, 0.3), (0.4, 0.3)), face((0.4, 0.3), (0.4, -0.3))])
    for sigma in (0.005, 0.01, 0.03):  # 3 cm: a structured-light camera at 3-4 m
        reading = read(noisy(shut, camera, sigma), camera=camera)
        assert reading.state == "closed", (sigma, reading.reason)
    angle = math.radians(30.0)
    tip = (0.4 - 0.8 * math.cos(angle), 0.3 + 0.8 * math.sin(angle))
    ajar = np.vstack([face((0.4, 0.3), tip), face((0.4, 0.3), (0.4, -0.3))])
    assert read(noisy(ajar, camera), camera=camera).state == "open"


def test_the_corner_of_a_side_and_the_wall_beside_it_is_no_opening():
    """Seen steeply from the side (the front out of view): side and wall meet in a corner turning away."""
    side = face((-0.4, 0.3), (-0.4, -0.3))
    wall = face((-0.9, -0.3), (-0.4, -0.3))
    reading = read_box_openness(PARAMS, np.vstack([side, wall]), np.array([-1.8, 0.8]), whole=False)
    assert reading.state is None, reading.reason
    # The inside seen through an opening is a surface of its own, behind the front: still open.
    carcass = [face((-0.4, 0.3), (-0.3, 0.3)), face((0.3, 0.3), (0.4, 0.3))]
    back = face((-0.3, -0.25), (0.3, -0.25))
    assert read(*carcass, back, camera=(0.0, 2.0)).state == "open"


def test_one_flat_face_reads_closed_only_head_on():
    """A shut front seen head-on is one face square to the view; one face seen askew may be a door ajar alone."""
    front = face((-0.4, 0.3), (0.4, 0.3))
    assert read(front, camera=(0.0, 2.0)).state == "closed"
    assert read(front, camera=(0.1, 2.5)).state == "closed"  # 2.3 degrees off square
    assert read(front, camera=(1.2, 2.0)).state is None  # 35 degrees off: ajar alone looks the same
    assert read_box_openness(PARAMS, front, np.array([0.0, 2.0]), whole=False).state is None  # cut at the side
    assert read(front[:10], camera=(0.0, 2.0)).state is None  # too few points


def test_the_centre_moves_from_the_seen_front_by_half_the_typical_depth():
    assert size_prior("Night Stand") == size_prior("nightstand")  # names normalised, SUN RGB-D's spelling aliased
    assert size_prior("mug") is None
    prior = size_prior("dresser")
    front = face((-0.5, 0.2), (0.5, 0.2), height=0.8)  # its front: as wide as a dresser is, not as deep
    seen = front.mean(axis=0)
    camera = np.array([0.0, 3.0, 1.2])
    centre = amodal_centroid(front, camera, seen, prior, face_direction=0.0)
    assert centre[0] == pytest.approx(seen[0], abs=1e-6) and centre[2] == pytest.approx(seen[2])
    assert seen[1] - centre[1] == pytest.approx(prior.depth / 2.0, abs=0.02)
    # Seen from above its whole depth shows already: it stays where it is seen.
    rng = np.random.default_rng(0)
    top = np.column_stack([rng.uniform(-0.5, 0.5, 500), rng.uniform(-0.3, 0.3, 500), np.full(500, 0.8)])
    assert np.allclose(amodal_centroid(top, camera, top.mean(axis=0), prior, None), top.mean(axis=0), atol=0.03)


def test_the_centre_is_half_way_up_the_seen_height_not_where_most_points_are():
    """A bed seen from its foot: mostly the mattress top at 0.5 m, a few points of the footboard below it."""
    prior = size_prior("bed")
    rng = np.random.default_rng(1)
    mattress = np.column_stack([rng.uniform(-0.8, 0.8, 20000), rng.uniform(-1.0, 1.0, 20000), np.full(20000, 0.5)])
    foot = face((-0.8, -1.0), (0.8, -1.0), height=0.5)
    points = np.vstack([mattress, foot])
    seen = points.mean(axis=0)
    assert seen[2] > 0.4
    centre = amodal_centroid(points, np.array([0.0, -3.5, 1.4]), seen, prior, face_direction=0.0)
    assert centre[2] == pytest.approx(0.25, abs=0.04)  # the lowest 2% of the points set the bottom


def test_a_seen_span_wider_than_a_reading_of_the_size_rules_that_reading_out():
    """A counter's typical size is 2.0 x 0.6: seen 0.9 m across, its 0.6 m side is not what faces the camera."""
    prior = size_prior("counter")
    view = np.array([0.0, 1.0])  # looking along +y at a face running along x
    assert extent_along(prior, view, 0.0, seen_across_m=0.9) == pytest.approx(prior.depth)
    # seen 0.65 across (within the seen span's slack of 0.6): its end, the 2 m run going away from the camera
    assert extent_along(prior, view, 0.0, seen_across_m=0.65) == pytest.approx(prior.width)


def test_a_sink_is_sized_as_a_sink_unit_not_as_a_counter():
    assert size_prior("sink") != size_prior("counter") and size_prior("sink").width < 1.0


def seen_box(width, depth, height, yaw, camera, sigma_per_m, seed=0, step=0.01, top=False):
    """The faces of a box (centre at the origin, turned by `yaw`) that `camera` (x, y, z) sees (`top`: its top too).

    Each point is pushed along its camera ray by Gaussian depth noise of sigma `sigma_per_m` x its distance.
    """
    c, s = math.cos(yaw), math.sin(yaw)
    corners = [np.array([c * x - s * y, s * x + c * y]) for x, y in
               ((-width / 2, -depth / 2), (width / 2, -depth / 2), (width / 2, depth / 2), (-width / 2, depth / 2))]
    cam = np.asarray(camera, float)
    points = []
    for a, b in zip(corners, corners[1:] + corners[:1]):
        middle, normal = (a + b) / 2.0, np.array([b[1] - a[1], a[0] - b[0]])
        if normal @ (cam[:2] - middle) > 0.0:  # the face turns to the camera
            points.append(face(a, b, height=height, step=step))
    if top:
        u, v = np.meshgrid(np.arange(-width / 2, width / 2, step), np.arange(-depth / 2, depth / 2, step))
        u, v = u.ravel(), v.ravel()
        points.append(np.column_stack([c * u - s * v, s * u + c * v, np.full(u.size, height)]))
    points = np.vstack(points)
    rays = points - cam
    distance = np.linalg.norm(rays, axis=1)
    noise = np.random.default_rng(seed).standard_normal(distance.size) * sigma_per_m * distance
    return points + rays / distance[:, None] * noise[:, None]


def test_a_face_seen_through_real_depth_noise_still_gives_its_direction():
    """A dresser turned 40 degrees, seen from 4 m through 2.4 cm of depth noise (a structured-light camera).

    Fixed 2 cm cells read the noisy faces as blobs (no direction: the thing was taken to face the camera
    and its centre put too near it, below); line fits whose tolerance follows the noise find the faces.
    """
    from perception.config import BoxOpennessConfig
    from perception.top_down_outline import facing_direction

    prior = size_prior("dresser")
    yaw = math.radians(40.0)
    camera = np.array([0.0, -4.0, 1.2])
    points = seen_box(prior.width, prior.depth, prior.height, yaw, camera, sigma_per_m=0.006)
    cfg = BoxOpennessConfig()
    params = (cfg.noise_factor, cfg.min_tolerance_m, cfg.max_tolerance_m, cfg.min_face_m)
    direction = facing_direction(points[:, :2], *params)
    assert direction is not None and off_square(direction, yaw) < math.radians(4.0)
    seen = points.mean(axis=0)
    along = lambda p: float((p[:2] - camera[:2]) @ (-camera[:2] / np.linalg.norm(camera[:2])))  # noqa: E731
    truth = along(np.zeros(3))
    assert abs(along(amodal_centroid(points, camera, seen, prior, direction)) - truth) < 0.08
    assert along(amodal_centroid(points, camera, seen, prior, None)) - truth < -0.15
    # A noiseless view gives the same direction.
    clean = seen_box(prior.width, prior.depth, prior.height, yaw, camera, sigma_per_m=0.0)
    assert off_square(facing_direction(clean[:, :2], *params), yaw) < math.radians(2.0)


def test_a_cluster_running_further_along_the_view_than_the_thing_can_is_cut_to_where_most_of_it_is():
    """A dresser's box whose depth cluster also holds the back of a chair 1.5 m in front of it."""
    from perception.size_priors import within_reach

    prior = size_prior("dresser")
    camera = np.array([0.0, -4.0, 1.2])
    dresser = seen_box(prior.width, prior.depth, prior.height, 0.0, camera, sigma_per_m=0.006)
    chair = face((-0.2, -1.75), (0.2, -1.75), height=0.9)[::3]
    points = np.vstack([dresser, chair])
    kept = within_reach(points, camera, float(np.hypot(prior.width, prior.depth)))
    assert kept[: len(dresser)].mean() > 0.97 and not kept[len(dresser):].any()
    assert within_reach(dresser, camera, float(np.hypot(prior.width, prior.depth))).mean() > 0.99


@pytest.mark.parametrize("sigma_per_m", [0.0, 0.006])
@pytest.mark.parametrize("yaw_deg", [0.0, 20.0, 70.0])
def test_a_counter_shorter_than_the_catalogue_one_seen_whole_from_above_is_put_at_its_centre(yaw_deg, sigma_per_m):
    """A 1.2 m counter (the catalogue's is 2.0 x 0.6) seen diagonally from 0.4 m above its top, all of it in view.

    Its outline spans less across the view than the catalogue counter would, so the catalogue size is too
    large; its top, seen from above, says which way it lies. Read with the catalogue size the centre is put
    0.3-0.6 m past it, outside its own footprint (what happened on the synthetic detections topic).
    """
    prior = size_prior("counter")
    camera = np.array([1.8, 1.6, 1.3])
    yaw = math.radians(yaw_deg)
    points = seen_box(1.2, 0.6, 0.9, yaw, camera, sigma_per_m=sigma_per_m, top=True)
    seen = points.mean(axis=0)
    view = -camera[:2] / np.linalg.norm(camera[:2])
    along = lambda p: float(p[:2] @ view)  # noqa: E731  (the truth centre is the origin)
    centre = amodal_centroid(points, camera, seen, prior, yaw, whole_in_view=True)
    assert np.linalg.norm(centre[:2]) < 0.15 and abs(along(centre)) < 0.12
    cut = amodal_centroid(points, camera, seen, prior, yaw, whole_in_view=False)  # cut by the image border
    assert along(cut) > along(centre) + 0.1


def test_a_face_without_its_top_in_sight_keeps_the_way_the_catalogue_reading_lies():
    """A wardrobe's front and side seen from below its top: no top to say which way it lies."""
    from perception.size_priors import top_seen_along

    camera = np.array([1.8, 1.6, 1.3])
    points = seen_box(0.8, 0.6, 1.9, math.radians(20.0), camera, sigma_per_m=0.0, top=False)
    assert top_seen_along(points, camera, points[:, 0]) is None
    counter_top = seen_box(1.2, 0.6, 0.9, 0.0, camera, sigma_per_m=0.0, top=True)
    assert top_seen_along(counter_top, camera, counter_top[:, 0]) == pytest.approx(1.2, abs=0.05)
    assert top_seen_along(counter_top, np.array([1.8, 1.6, 0.9]), counter_top[:, 0]) is None  # eye level with it
