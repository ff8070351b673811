"""Walls with doorway gaps and A* on the occupancy grid (pure geometry, no simulator)."""

from __future__ import annotations

import math

import pytest

from scene_graph.types import Door, FloorPlan, Room
from sim.occupancy_grid import NoPathError, build_occupancy_grid, path_length, plan_path
from sim.walls import wall_segments

TWO_ROOMS = FloorPlan(
    rooms=(Room("a", ((0, 0), (4, 0), (4, 4), (0, 4))), Room("b", ((4, 0), (8, 0), (8, 4), (4, 4)))),
    doors=(Door(("a", "b"), (4.0, 3.0), 1.0),))


def test_shared_wall_appears_once_with_a_gap_at_the_door():
    segments = wall_segments(TWO_ROOMS)
    on_shared = [s for s in segments if s[0][0] == 4.0 and s[1][0] == 4.0]
    covered = sorted(tuple(sorted((s[0][1], s[1][1]))) for s in on_shared)
    assert covered == [(0.0, 2.5), (3.5, 4.0)]
    assert len(segments) == 8  # 4 + 4 outer edges, the shared edge once (in two pieces)


def test_astar_goes_through_the_door_and_is_near_shortest():
    grid = build_occupancy_grid(TWO_ROOMS)
    path = plan_path(grid, (1.0, 1.0), (7.0, 1.0))
    assert path[0] == (1.0, 1.0) and path[-1] == (7.0, 1.0)
    # through the lowest point of the doorway the robot fits: 0.5 m gap half-width - 0.35 m clearance
    shortest = math.dist((1, 1), (4, 2.85)) + math.dist((4, 2.85), (7, 1))
    assert shortest - 1e-6 <= path_length(path) <= shortest + 0.6
    assert all(grid.segment_free(a, b) for a, b in zip(path, path[1:]))


def test_obstacles_and_closed_rooms_block():
    blocked = build_occupancy_grid(TWO_ROOMS, obstacles=[[(3.0, 2.0), (4.5, 2.0), (4.5, 4.0), (3.0, 4.0)]])
    with pytest.raises(NoPathError, match="unreachable"):
        plan_path(blocked, (1.0, 1.0), (7.0, 1.0))
    no_door = FloorPlan(rooms=TWO_ROOMS.rooms)
    with pytest.raises(NoPathError, match="unreachable"):
        plan_path(build_occupancy_grid(no_door), (1.0, 1.0), (7.0, 1.0))
    grid = build_occupancy_grid(TWO_ROOMS)
    with pytest.raises(NoPathError, match="outside the floor plan"):
        plan_path(grid, (1.0, 1.0), (20.0, 1.0))
    with pytest.raises(NoPathError, match="inside an obstacle, a wall"):
        plan_path(grid, (1.0, 1.0), (4.0, 1.0))  # on the wall
