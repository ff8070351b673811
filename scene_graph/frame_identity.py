"""What makes two frames the same frame: its stamp, where the camera was, and what it saw.

The store keeps the identity of the last frame it stored (meta `last_frame_key`), so a frame offered
again (a bag replayed into the memory that holds it, a resume that starts on the last stored frame)
is recognised (`MemoryStore.is_last_stored`) and not ingested twice, while a different frame that
happens to carry the same stamp is not mistaken for it.
"""

from __future__ import annotations

import hashlib

from scene_graph.types import Frame

_DIGITS = 4  # positions to 0.1 mm: the same message converted twice gives the same key


def frame_identity(frame: Frame) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(repr(float(frame.time)).encode())
    for pose in (frame.robot_pose, frame.camera_pose):
        h.update(repr(tuple(round(float(v), _DIGITS) for v in (pose.x, pose.y, pose.z, pose.qx, pose.qy, pose.qz,
                                                               pose.qw))).encode())
    for ob in frame.observations:
        h.update(repr((ob.category, tuple(round(float(v), _DIGITS) for v in ob.centroid))).encode())
    return h.hexdigest()



def is_stored_frame(frame: Frame, last_time: float, last_key: str | None) -> bool:
    """`frame` is the memory's last stored frame: the same stamp (to 1 us) and the same identity."""
    return abs(float(frame.time) - last_time) <= 1e-6 and frame_identity(frame) == last_key
