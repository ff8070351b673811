"""One RGB-D frame with an instance mask -> per-instance observations in the map frame.

All pixels are handled in one vectorised pass: valid depth pixels are grouped by instance with a
stable radix sort of their dense instance index; the only Python loop runs over instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from perception.box_openness import read_box_openness
from perception.config import BoxOpennessConfig, PerceptionConfig
from perception.door_state import CLOSED, DoorReading, edge_contacts, read_door
from perception.frame_error import FrameError
from perception.instance_sources import with_instance_mask
from perception.sensor_frame import SensorFrame
from perception.size_priors import amodal_centroid, size_prior, within_reach
from perception.top_down_outline import facing_direction
from scene_graph.types import CameraIntrinsics, Frame, Observation

_LUT_MAX_ID = 1 << 22


@dataclass
class PerceivedObservation(Observation):
    """An Observation plus its mask's size in pixels.

    `partial` (on Observation): the instance mask comes within `border_margin_px` of the image border,
    so the box covers only what the frame shows of the thing.
    """

    pixel_count: int = 0


@dataclass
class FrameStats:
    """What happened to the instances of the last processed frame (for diagnostics and tests)."""

    instances: int = 0
    observations: int = 0
    dropped_tiny: int = 0
    dropped_no_depth: int = 0
    dropped_doors: int = 0
    unpaired_doors: int = 0
    undecided_doors: int = 0
    partial: int = 0
    outlier_points: int = 0
    door_states: dict[int, str] = field(default_factory=dict)
    # body instance id -> every reading of its door(s) in this frame, decided or not (diagnostics)
    door_readings: dict[int, list[DoorReading]] = field(default_factory=dict)


@dataclass
class _Instance:
    instance_id: int
    label: str
    pixel_count: int
    num_points: int
    centroid: np.ndarray
    box_min: np.ndarray
    box_max: np.ndarray
    color: np.ndarray  # mean RGB in [0, 1]
    partial: bool
    confidence: float
    points: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # x, y, z (map); views into the frame's arrays


class FrameProcessor:
    """Turns SensorFrames into Frames of Observations (map frame). Holds no state between frames."""

    def __init__(self, config: PerceptionConfig | None = None) -> None:
        self.config = config if config is not None else PerceptionConfig()
        self.last_stats = FrameStats()
        self._rays: dict[CameraIntrinsics, tuple[np.ndarray, np.ndarray]] = {}

    def process(self, sensor_frame: SensorFrame) -> Frame:
        from_boxes = sensor_frame.instance_mask is None and sensor_frame.boxes is not None
        sensor_depth = None
        if sensor_frame.instance_mask is None:  # boxes or a label image: find the instances first
            sensor_depth = self._validated_depth(sensor_frame)
            sensor_frame = with_instance_mask(sensor_frame, self.config, sensor_depth)
        depth, mask, rgb = self._validated_arrays(sensor_frame)
        stats = FrameStats()
        instances = self._instances(sensor_frame, depth, mask, rgb, stats)
        observations = self._observations(instances, sensor_frame, depth, mask, stats, from_boxes)
        stats.observations = len(observations)
        stats.partial = sum(1 for o in observations if o.partial)
        self.last_stats = stats
        return Frame(
            frame_id=sensor_frame.frame_id,
            time=float(sensor_frame.time),
            robot_pose=sensor_frame.robot_pose,
            camera_pose=sensor_frame.camera_pose,
            intrinsics=sensor_frame.intrinsics,
            observations=observations,
            depth=depth if sensor_depth is None else sensor_depth,  # what the sensor saw, not estimates
            max_range_m=self.config.max_range_m,
            detector_min_pixels=float(self.config.min_mask_pixels),
        )

    # -- validation -------------------------------------------------------------------------

    def _validated_arrays(self, sf: SensorFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        fid = getattr(sf, "frame_id", "?")
        depth = self._validated_depth(sf)
        shape = depth.shape
        mask = _checked_array(fid, "instance_mask", sf.instance_mask)
        if mask.shape != shape:
            raise FrameError(fid, "instance_mask", f"shape {mask.shape} does not match depth {shape}")
        if mask.dtype.kind not in "iu" or mask.dtype.itemsize > 8:
            raise FrameError(fid, "instance_mask", f"expected integer instance ids (int32), got dtype {mask.dtype}")
        rgb = _checked_array(fid, "rgb", sf.rgb)
        if rgb.shape != (*shape, 3):
            raise FrameError(fid, "rgb", f"shape {rgb.shape} does not match depth: expected {(*shape, 3)}")
        if rgb.dtype != np.uint8:
            raise FrameError(fid, "rgb", f"expected uint8, got dtype {rgb.dtype}")
        if not isinstance(sf.labels, dict):
            raise FrameError(fid, "labels", f"expected a dict instance id -> label, got {type(sf.labels).__name__}")
        return depth, mask, rgb

    def _validated_depth(self, sf: SensorFrame) -> np.ndarray:
        """Time, intrinsics and poses checked; the depth as float32 metres."""
        fid = getattr(sf, "frame_id", "?")
        try:
            time_ok = math.isfinite(float(sf.time))
        except (TypeError, ValueError):
            time_ok = False
        if not time_ok:
            raise FrameError(fid, "time", f"expected a finite number of seconds, got {sf.time!r}")
        intr = sf.intrinsics
        if not isinstance(intr, CameraIntrinsics):
            raise FrameError(fid, "intrinsics", f"expected CameraIntrinsics, got {type(intr).__name__}")
        if not all(math.isfinite(v) and v > 0 for v in (intr.fx, intr.fy)) or intr.width <= 0 or intr.height <= 0:
            raise FrameError(fid, "intrinsics", f"focal lengths and size must be positive and finite, got {intr}")
        if not all(math.isfinite(v) for v in (intr.cx, intr.cy)):
            raise FrameError(fid, "intrinsics", f"principal point must be finite, got {intr}")
        for name in ("camera_pose", "robot_pose"):
            pose = getattr(sf, name)
            if pose is None or not pose.is_finite():
                raise FrameError(fid, name, f"pose must be finite with a unit quaternion, got {pose}")
        shape = (intr.height, intr.width)
        depth = _checked_array(fid, "depth", sf.depth)
        if depth.ndim != 2 or depth.shape != shape:
            raise FrameError(fid, "depth", f"shape {depth.shape} does not match intrinsics {shape} (HxW)")
        if depth.dtype != np.float32:
            if depth.dtype != np.float64:
                raise FrameError(fid, "depth", f"expected float32 metres, got dtype {depth.dtype}")
            depth = depth.astype(np.float32)
        return depth

    def _instance_table(self, sf: SensorFrame,
                        mask_flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Present instance ids (sorted), their pixel counts, and a lookup id -> dense index (1..n)."""
        fid = sf.frame_id
        if mask_flat.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(1, dtype=np.uint16)
        lo, hi = int(mask_flat.min()), int(mask_flat.max())
        if lo < 0:
            raise FrameError(fid, "instance_mask", f"instance ids must be >= 0 (0 = background), found {lo}")
        if hi < _LUT_MAX_ID:
            counts = np.bincount(mask_flat.astype(np.int64) if mask_flat.dtype == np.uint64 else mask_flat)
            ids = np.flatnonzero(counts)
            ids = ids[ids > 0]
            pixel_counts = counts[ids]
            lut_dtype = np.uint16 if ids.size < 65535 else np.int64
            lut = np.zeros(hi + 1, dtype=lut_dtype)
            lut[ids] = np.arange(1, ids.size + 1, dtype=lut_dtype)
        else:
            ids, pixel_counts = np.unique(mask_flat, return_counts=True)
            keep = ids > 0
            ids, pixel_counts, lut = ids[keep], pixel_counts[keep], None
        missing = [int(i) for i in ids if int(i) not in sf.labels]
        if missing:
            raise FrameError(fid, "labels", f"no label for instance ids {missing[:10]} present in instance_mask")
        return ids, pixel_counts, lut

    # -- geometry ---------------------------------------------------------------------------

    def _pixel_rays(self, intr: CameraIntrinsics) -> tuple[np.ndarray, np.ndarray]:
        rays = self._rays.get(intr)
        if rays is None:
            u = (np.arange(intr.width, dtype=np.float32) - np.float32(intr.cx)) / np.float32(intr.fx)
            v = (np.arange(intr.height, dtype=np.float32) - np.float32(intr.cy)) / np.float32(intr.fy)
            rays = (np.tile(u, intr.height), np.repeat(v, intr.width))
            if len(self._rays) > 8:
                self._rays.clear()
            self._rays[intr] = rays
        return rays

    def _instances(self, sf: SensorFrame, depth: np.ndarray, mask: np.ndarray, rgb: np.ndarray,
                   stats: FrameStats) -> list[_Instance]:
        cfg = self.config
        fid = sf.frame_id
        mask_flat = mask.reshape(-1)
        ids, pixel_counts, lut = self._instance_table(sf, mask_flat)
        stats.instances = int(ids.size)
        if ids.size == 0:
            return []
        labels = [sf.labels[int(i)] for i in ids]
        for iid, label in zip(ids.tolist(), labels):
            if not isinstance(label, str) or not label:
                raise FrameError(fid, "labels", f"label of instance {iid} must be a non-empty string, got {label!r}")
        confidences = self._confidences(sf, ids)

        # Valid pixels grouped by instance: a stable radix sort of the small dense index.
        depth_flat = depth.reshape(-1)
        valid = (mask_flat > 0) & (depth_flat >= cfg.min_range_m) & (depth_flat <= cfg.max_range_m)
        pix = np.flatnonzero(valid)
        dense = lut[mask_flat[pix]] if lut is not None else (np.searchsorted(ids, mask_flat[pix]) + 1)
        pix = pix[np.argsort(dense, kind="stable")]
        counts = np.bincount(dense, minlength=ids.size + 1)[1:]
        starts = np.cumsum(counts) - counts
        z = depth_flat[pix]

        keep = self._outlier_free(z, starts, counts, stats)
        if keep is not None:
            pix, z = pix[keep], z[keep]
            starts = np.cumsum(counts) - counts

        # Back-projection into the map frame, one contiguous array per axis.
        ray_x, ray_y = self._pixel_rays(sf.intrinsics)
        xc = ray_x[pix] * z
        yc = ray_y[pix] * z
        rot = sf.camera_pose.rotation_matrix().astype(np.float32)
        origin = sf.camera_pose.position
        world = [rot[i, 0] * xc + rot[i, 1] * yc + rot[i, 2] * z + np.float32(origin[i]) for i in range(3)]

        # Reductions per instance over the sorted runs (every non-empty run is a segment).
        nonempty = counts > 0
        seg = starts[nonempty]
        row_of = np.cumsum(nonempty) - 1
        n_seg = counts[nonempty].astype(np.float64)[:, None]
        if seg.size:
            centroid = np.stack([np.add.reduceat(w, seg, dtype=np.float64) for w in world], axis=1) / n_seg
            box_min = np.stack([np.minimum.reduceat(w, seg) for w in world], axis=1).astype(np.float64)
            box_max = np.stack([np.maximum.reduceat(w, seg) for w in world], axis=1).astype(np.float64)
            color = np.add.reduceat(np.take(rgb.reshape(-1, 3), pix, axis=0), seg, axis=0, dtype=np.int64) / (
                255.0 * n_seg)
        usable = counts >= max(1, cfg.min_valid_points)
        border = self._border_touching(mask, ids, lut)

        instances = []
        for k in range(ids.size):
            if pixel_counts[k] < cfg.min_mask_pixels:
                stats.dropped_tiny += 1
                continue
            if not usable[k]:
                stats.dropped_no_depth += 1
                continue
            s, e = int(starts[k]), int(starts[k] + counts[k])
            points = tuple(w[s:e] for w in world)
            row = row_of[k]
            instances.append(_Instance(
                instance_id=int(ids[k]), label=labels[k], pixel_count=int(pixel_counts[k]), num_points=int(counts[k]),
                centroid=centroid[row], box_min=box_min[row], box_max=box_max[row], color=color[row],
                partial=bool(border[k]), confidence=confidences[k], points=points,
            ))
        return instances

    def _outlier_free(self, z: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                      stats: FrameStats) -> np.ndarray | None:
        """Inlier mask over the grouped depths (None: no outliers); updates `counts` in place."""
        cfg = self.config
        nonempty = np.flatnonzero(counts)
        if nonempty.size == 0:
            return None
        near = np.minimum.reduceat(z, starts[nonempty])
        far = np.maximum.reduceat(z, starts[nonempty])
        gap = np.maximum(cfg.outlier_gap_m, cfg.outlier_gap_per_m * (near + far) / 2.0)
        keep = None
        for j in np.flatnonzero(far - near >= gap):
            k = nonempty[j]
            s, e = int(starts[k]), int(starts[k] + counts[k])
            inliers = self._depth_cluster(z[s:e], float(near[j]), float(gap[j]))
            if inliers is None:
                continue
            if keep is None:
                keep = np.ones(z.size, dtype=bool)
            keep[s:e] = inliers
            kept = int(np.count_nonzero(inliers))
            stats.outlier_points += e - s - kept
            counts[k] = kept
        return keep

    @staticmethod
    def _depth_cluster(zk: np.ndarray, near: float, gap: float) -> np.ndarray | None:
        """Inliers of one instance: the depth-contiguous cluster with most points (None = all points).

        Surfaces are continuous in depth, so the points of the object form one run of occupied depth
        bins; mask bleed onto what lies behind or in front shows up beyond an empty gap.
        """
        bin_width = gap / 2.0
        bins = ((zk - near) * (1.0 / bin_width)).astype(np.int32)
        histogram = np.bincount(bins)
        occupied = np.flatnonzero(histogram)
        breaks = np.flatnonzero(np.diff(occupied) > 2)
        if breaks.size == 0:
            return None
        run_first = np.concatenate([occupied[:1], occupied[breaks + 1]])
        run_last = np.concatenate([occupied[breaks], occupied[-1:]])
        cumulative = np.concatenate([[0], np.cumsum(histogram)])
        mass = cumulative[run_last + 1] - cumulative[run_first]
        best = int(np.argmax(mass))
        return (bins >= run_first[best]) & (bins <= run_last[best])

    def _confidences(self, sf: SensorFrame, ids: np.ndarray) -> list[float]:
        table = sf.confidences or {}
        out = []
        for iid in ids.tolist():
            c = table.get(iid, self.config.default_confidence)
            try:
                c = float(c)
            except (TypeError, ValueError):
                c = math.nan
            if not 0.0 <= c <= 1.0:
                raise FrameError(sf.frame_id, "confidences", f"confidence of instance {iid} must be in [0, 1], got "
                                 f"{table.get(iid)!r}")
            out.append(c)
        return out

    def _border_touching(self, mask: np.ndarray, ids: np.ndarray, lut: np.ndarray | None) -> np.ndarray:
        m = self.config.border_margin_px
        touching = np.zeros(ids.size + 1, dtype=bool)
        if m == 0:
            return touching[1:]
        edge = np.concatenate([mask[:m].ravel(), mask[-m:].ravel(), mask[:, :m].ravel(), mask[:, -m:].ravel()])
        edge = edge[edge > 0]
        dense = lut[edge] if lut is not None else np.searchsorted(ids, edge) + 1
        touching[dense] = True
        return touching[1:]

    # -- observations and articulation evidence ---------------------------------------------

    def _observations(self, instances: list[_Instance], sf: SensorFrame, depth: np.ndarray, mask: np.ndarray,
                      stats: FrameStats, from_boxes: bool = False) -> list[Observation]:
        art = self.config.articulation
        bodies: list[_Instance] = []
        doors: list[tuple[str, _Instance]] = []
        for inst in instances:
            if inst.label.endswith(art.door_suffix) and len(inst.label) > len(art.door_suffix):
                doors.append((inst.label[: -len(art.door_suffix)], inst))
            else:
                bodies.append(inst)
        evidence: dict[int, list[tuple[DoorReading, _Instance]]] = {}
        for category, door in doors:
            if not art.pairs(category) or door.num_points < art.min_door_points:
                stats.dropped_doors += 1
                continue
            body = _nearest_body(door, [b for b in bodies if b.label == category], art.max_pair_distance_m)
            if body is None:
                stats.unpaired_doors += 1
                continue
            reading = self._door_reading(door, body, sf, depth, mask)
            stats.door_readings.setdefault(body.instance_id, []).append(reading)
            if reading.state is None:
                stats.undecided_doors += 1
                continue
            evidence.setdefault(id(body), []).append((reading, door))
        observations = []
        openness = self.config.box_openness
        for body in bodies:
            found = evidence.get(id(body))
            if not found and from_boxes and openness.enabled and body.label in art.openable_categories:
                observations.append(self._box_openness_observation(body, sf, depth, mask, stats))
                continue
            if not found:
                observations.append(_observation(body))
                continue
            # One open door opens the body; it is closed only when every decided door is.
            opened = [r for r, _ in found if r.state != CLOSED]
            reading = max(opened or [r for r, _ in found], key=lambda r: r.confidence)
            # A shut door is the body's front: its points belong to the body's geometry.
            obs = _observation(body if opened else _merged(body, [door for _, door in found]))
            obs.state = reading.state
            obs.state_confidence = float(reading.confidence)
            stats.door_states[body.instance_id] = obs.state
            observations.append(obs)
        if from_boxes and self.config.box_lifting.size_prior_centroid:
            for obs, body in zip(observations, bodies):
                _place_by_size(obs, body, sf.camera_pose.position, self.config.box_openness)
        return observations

    def _box_openness_observation(self, body: _Instance, sf: SensorFrame, depth: np.ndarray, mask: np.ndarray,
                                  stats: FrameStats) -> Observation:
        """A boxed openable thing's observation, with the state its lifted pixels show (perception.box_openness).

        All the box's object pixels count, also those the depth-gap split left out of the observation:
        a door swung out towards the camera stands apart in depth from the body behind it.
        """
        obs = _observation(body)
        rows, cols = np.nonzero((mask == body.instance_id) & (depth >= self.config.min_range_m)
                                & (depth <= self.config.max_range_m))
        z = depth[rows, cols].astype(np.float64)
        intr = sf.intrinsics
        camera_points = np.stack([(cols - intr.cx) / intr.fx * z, (rows - intr.cy) / intr.fy * z, z], axis=1)
        # Doors hinge on vertical edges: only the image's side borders can hide an opening.
        margin = self.config.border_margin_px
        cut_across = cols.size > 0 and (int(cols.min()) < margin or int(cols.max()) >= depth.shape[1] - margin)
        reading = read_box_openness(self.config.box_openness.rule_parameters(),
                                    sf.camera_pose.transform_points(camera_points), sf.camera_pose.position[:2],
                                    whole=not cut_across)
        stats.door_readings.setdefault(body.instance_id, []).append(reading)
        if reading.state is None:
            stats.undecided_doors += 1
            return obs
        obs.state = reading.state
        obs.state_confidence = float(reading.confidence)
        stats.door_states[body.instance_id] = obs.state
        return obs

    def _door_reading(self, door: _Instance, body: _Instance, sf: SensorFrame, depth: np.ndarray,
                      mask: np.ndarray) -> DoorReading:
        art = self.config.articulation
        contacts = edge_contacts(mask, depth, sf.intrinsics, sf.camera_pose, door.instance_id, body.instance_id,
                                 self.config.border_margin_px, art.contact_tolerance_m, art.contact_tolerance_per_m)
        door_xy = np.stack(door.points[:2], axis=1)
        body_xy = np.stack(body.points[:2], axis=1)
        return read_door(art.rule_parameters(), door_xy, body_xy, sf.camera_pose.position[:2], contacts)


def _checked_array(frame_id: object, name: str, value: object) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise FrameError(frame_id, name, f"expected a numpy array, got {type(value).__name__}")
    return value


def _observation(inst: _Instance) -> PerceivedObservation:
    return PerceivedObservation(
        category=inst.label,
        centroid=tuple(inst.centroid.tolist()),
        bbox_min=tuple(inst.box_min.tolist()),
        bbox_max=tuple(inst.box_max.tolist()),
        confidence=inst.confidence,
        num_points=inst.num_points,
        mean_color=tuple(inst.color.tolist()),
        instance_id=inst.instance_id,
        partial=inst.partial,
        pixel_count=inst.pixel_count,
    )


def _merged(body: _Instance, parts: list[_Instance]) -> _Instance:
    members = [body, *parts]
    weights = np.array([m.num_points for m in members], dtype=np.float64)
    return _Instance(
        instance_id=body.instance_id, label=body.label,
        pixel_count=sum(m.pixel_count for m in members), num_points=int(weights.sum()),
        centroid=np.average([m.centroid for m in members], axis=0, weights=weights),
        box_min=np.min([m.box_min for m in members], axis=0), box_max=np.max([m.box_max for m in members], axis=0),
        color=np.average([m.color for m in members], axis=0, weights=weights),
        partial=any(m.partial for m in members), confidence=body.confidence,
    )


def _place_by_size(obs: Observation, body: _Instance, camera: np.ndarray, faces: BoxOpennessConfig) -> None:
    """Move a boxed thing's centroid from its seen side to its centre, by its category's size (perception.size_priors).

    Points further along the view than the thing's footprint diagonal from where most of them are belong to
    something in front or behind (perception.size_priors.within_reach) and are left out of the centre.
    Which way the thing faces is its largest straight face top-down, found by the line fits box openness
    reads doors with (`faces`: their tolerance follows the depth noise the points show). Masks keep the
    seen centroid (the memory's behaviour on the masks path is unchanged).
    """
    prior = size_prior(obs.category)
    if prior is None or body.points is None:
        return
    points = np.stack(body.points, axis=1).astype(np.float64)
    step = max(1, points.shape[0] // 1500)
    points = points[::step]
    centroid = np.asarray(obs.centroid, dtype=np.float64)
    kept = within_reach(points, np.asarray(camera, dtype=np.float64), float(np.hypot(prior.width, prior.depth)))
    if not kept.all():
        points = points[kept]
        centroid = points.mean(axis=0)
    face = facing_direction(points[:, :2], faces.noise_factor, faces.min_tolerance_m, faces.max_tolerance_m,
                            faces.min_face_m)
    centre = amodal_centroid(points, np.asarray(camera, dtype=np.float64), centroid, prior, face,
                             whole_in_view=not body.partial)
    obs.centroid = tuple(float(v) for v in centre)
    obs.bbox_min = tuple(float(v) for v in np.minimum(obs.bbox_min, centre))
    obs.bbox_max = tuple(float(v) for v in np.maximum(obs.bbox_max, centre))


def _nearest_body(door: _Instance, bodies: list[_Instance], max_distance: float) -> _Instance | None:
    best, best_distance = None, max_distance
    center = door.centroid
    for body in bodies:
        gap = np.maximum(np.maximum(body.box_min - center, center - body.box_max), 0.0)
        distance = float(np.linalg.norm(gap))
        if distance <= best_distance:
            best, best_distance = body, distance
    return best
