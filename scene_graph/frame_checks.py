"""Checks on what callers hand the memory (frames, observations, points) before anything is written."""

from __future__ import annotations

import math

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.types import Frame, Observation


def finite_triplet(value, what: str) -> tuple[float, float, float]:
    try:
        v = tuple(float(x) for x in value)
    except (TypeError, ValueError) as exc:
        raise BadInputError(f"{what}: expected 3 numbers, got {value!r}") from exc
    if len(v) != 3 or not all(math.isfinite(x) for x in v):
        raise BadInputError(f"{what}: expected 3 finite numbers, got {value!r}")
    return v


def validate_frame(frame: Frame) -> list[Observation]:
    """Check a frame before anything is written; errors name the frame and field."""
    if not isinstance(frame, Frame):
        raise BadInputError(f"ingest: expected a scene_graph.types.Frame, got {type(frame).__name__}")
    fid = frame.frame_id
    if not isinstance(frame.time, (int, float)) or not math.isfinite(frame.time):
        raise BadInputError(f"frame {fid}: time must be a finite number, got {frame.time!r}")
    for name in ("robot_pose", "camera_pose"):
        pose = getattr(frame, name)
        if pose is None or not pose.is_finite():
            raise BadInputError(f"frame {fid}: {name} is not a finite pose with a unit quaternion")
    k = frame.intrinsics
    if k is None or k.width <= 0 or k.height <= 0 or not (k.fx > 0 and k.fy > 0):
        raise BadInputError(f"frame {fid}: intrinsics must have positive width/height/fx/fy")
    if not (frame.max_range_m > 0):
        raise BadInputError(f"frame {fid}: max_range_m must be > 0")
    if frame.depth is not None:
        shape = np.shape(frame.depth)
        if shape != (k.height, k.width):
            raise BadInputError(f"frame {fid}: depth shape {shape} does not match intrinsics "
                                f"({k.height}, {k.width})")
    for i, ob in enumerate(frame.observations):
        where = f"frame {fid}: observations[{i}]"
        if not isinstance(ob, Observation):
            raise BadInputError(f"{where}: expected a scene_graph.types.Observation, got {type(ob).__name__}")
        if not isinstance(ob.category, str) or not ob.category.strip():
            raise BadInputError(f"{where}.category: must be a non-empty string")
        ob.centroid = finite_triplet(ob.centroid, f"{where}.centroid")
        ob.bbox_min = finite_triplet(ob.bbox_min, f"{where}.bbox_min")
        ob.bbox_max = finite_triplet(ob.bbox_max, f"{where}.bbox_max")
        if any(lo > hi for lo, hi in zip(ob.bbox_min, ob.bbox_max)):
            raise BadInputError(f"{where}: bbox_min {ob.bbox_min} exceeds bbox_max {ob.bbox_max}")
        if not isinstance(ob.confidence, (int, float)) or not 0.0 <= ob.confidence <= 1.0:  # NaN fails too
            raise BadInputError(f"{where}.confidence: must be in [0, 1], got {ob.confidence!r}")
        if ob.embedding is not None:
            e = np.asarray(ob.embedding, dtype=float)
            if e.ndim != 1 or not np.all(np.isfinite(e)):
                raise BadInputError(f"{where}.embedding: must be a finite 1-D vector")
    return list(frame.observations)
