"""The robot's coordinate frames as REP 105 names them (map, odom, base_link, the camera's optical frame)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RobotFrames:
    """Frame ids of the robot's coordinate frames.

    `map` (the memory's world frame), `odom` (continuous, drifting), `base` (the robot body), `camera`
    (the optical frame of the images: z forward, x right, y down, REP 103).
    """

    map: str = "map"
    odom: str = "odom"
    base: str = "base_link"
    camera: str = "camera_optical"
