"""Play a scenario's `observe` schedule on a backend: patrols (go to each room, look around) and watches.

This is the robot's own routine between questions, with no memory attached: `on_frames` receives
every batch of frames (e.g. perception + memory ingest in a full run, nothing in a benchmark).
Viewpoints come from the floor plan only: each room's centroid, moved to the nearest free spot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from perception.sensor_frame import SensorFrame
from sim.scenario import ObserveEntry, Scenario

FrameSink = Callable[[list[SensorFrame]], None]


@dataclass
class ScheduleStats:
    frames: int = 0
    patrols: int = 0
    watches: int = 0
    path_length_m: float = 0.0
    failed_moves: list[str] = field(default_factory=list)


def room_viewpoint(backend, room_name: str, search_radius_m: float = 1.5) -> tuple[float, float]:
    """The room's centroid, or (on backends with an occupancy grid) the nearest free spot to it."""
    room = next(r for r in backend.floor_plan().rooms if r.name == room_name)
    xs = [pt[0] for pt in room.polygon]
    ys = [pt[1] for pt in room.polygon]
    centre = (sum(xs) / len(xs), sum(ys) / len(ys))
    grid = backend.occupancy_grid() if hasattr(backend, "occupancy_grid") else None
    if grid is None or grid.is_free_xy(*centre):
        return centre
    cell = grid.nearest_free(*centre, search_radius_m)
    return centre if cell is None else grid.center_of(*cell)


def _goals_around(x: float, y: float) -> list[tuple[float, float]]:
    """The viewpoint, then rings of alternatives around it (a drifting robot's goal may land in furniture)."""
    goals = [(x, y)]
    for radius in (0.4, 0.8):
        goals += [(x + radius * math.cos(a), y + radius * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 8, False)]
    return goals


def visit_and_look(backend, room: str, views: int, stats: ScheduleStats, on_frames: FrameSink | None) -> None:
    x, y = room_viewpoint(backend, room)
    for gx, gy in _goals_around(x, y):
        result = backend.move_base_to(gx, gy)
        stats.path_length_m += result.path_length_m
        if result.success:
            break
    else:
        stats.failed_moves.append(f"{room}: {result.reason}")
        return
    frames = backend.look_around(views)
    stats.frames += len(frames)
    if on_frames is not None:
        on_frames(frames)


def play_entry(backend, scenario: Scenario, entry: ObserveEntry, stats: ScheduleStats,
               on_frames: FrameSink | None = None, views: int = 8) -> None:
    if entry.start > backend.now:
        backend.advance_to(entry.start)
    rooms = entry.rooms(scenario.room_names())
    if entry.kind == "patrol":
        stats.patrols += 1
        for room in rooms:
            visit_and_look(backend, room, views, stats, on_frames)
        return
    stats.watches += 1
    visit_and_look(backend, rooms[0], views, stats, on_frames)
    # A watching camera is triggered by motion: frames every period and right after each change.
    times = {entry.start + k * entry.period_s for k in range(int((entry.end - entry.start) // entry.period_s) + 1)}
    times |= {e.time + 1.0 for e in scenario.timeline if entry.start <= e.time <= entry.end}
    for t in sorted(t for t in times if t <= entry.end):
        if t > backend.now:
            backend.advance_to(t)
        frames = backend.look_around(views)
        stats.frames += len(frames)
        if on_frames is not None:
            on_frames(frames)


def play_observe_schedule(backend, scenario: Scenario, on_frames: FrameSink | None = None, views: int = 8,
                          until: float | None = None) -> ScheduleStats:
    """Run every observe entry (up to `until`) in order, then advance to `until` / the scenario's end."""
    stats = ScheduleStats()
    end = scenario.end_time() if until is None else until
    for entry in scenario.observe:
        if entry.start > end:
            break
        play_entry(backend, scenario, entry, stats, on_frames, views)
    if end > backend.now:
        backend.advance_to(end)
    return stats
