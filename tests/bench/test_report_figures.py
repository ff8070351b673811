"""The report's pictures, checked through their artists (axes, limits, labels, lines), not their pixels."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pytest

from bench.report_figures import (
    accuracy_vs_path_figure,
    draw_accuracy_vs_path,
    event_timeline_figure,
    scene_map_figure,
)
from bench.statistics import wilson_interval
from scene_graph.types import Door, FloorPlan, Room

HOUR = 3600.0
PLAN = FloorPlan(rooms=(Room("kitchen", ((0, 0), (6, 0), (6, 4), (0, 4))),
                        Room("bathroom", ((6, 0), (9, 0), (9, 4), (6, 4)))),
                 doors=(Door(("kitchen", "bathroom"), (6.0, 2.0)),))


def thing(id_, category, x, y, receptacle=False, present=True):
    half = 0.4 if receptacle else 0.05
    return SimpleNamespace(id=id_, category=category, position=(x, y, 0.8), is_receptacle=receptacle, present=present,
                           bbox_min=(x - half, y - half, 0.0), bbox_max=(x + half, y + half, 0.9))


# a crowded table: five objects within 20 cm, whose labels would pile up at one fixed offset
OBJECTS = [thing("table_1", "table", 4.6, 3.0, receptacle=True), thing("sink_1", "sink", 7.5, 3.6, receptacle=True)]
OBJECTS += [thing(f"o{i}", name, 4.5 + 0.05 * i, 3.0 + 0.04 * i)
            for i, name in enumerate(["mug", "bowl", "apple", "remote_control", "book"])]
OBJECTS.append(thing("towel_1", "towel", 7.4, 3.5, present=False))
ROUTE = [(3.0, 2.0), (5.5, 2.0), (6.5, 2.0), (7.5, 2.8)]  # through the door at (6, 2)


@pytest.fixture
def scene_map():
    fig = scene_map_figure(PLAN, OBJECTS, ROUTE, {"q1": [(4.6, 3.0)], "q2": [(7.5, 3.6)]}, title="house")
    yield fig, fig.axes[0]
    plt.close(fig)


def by_gid(ax, prefix):
    artists = ax.lines + ax.patches + ax.texts + ax.collections
    return [a for a in artists if (a.get_gid() or "").startswith(prefix)]


def test_map_draws_rooms_furniture_objects_and_metric_axes(scene_map):
    fig, ax = scene_map
    assert {a.get_gid() for a in by_gid(ax, "room:")} == {"room:kitchen", "room:bathroom"}
    assert {a.get_gid() for a in by_gid(ax, "furniture:")} == {"furniture:table_1", "furniture:sink_1"}
    assert len(by_gid(ax, "object:")) == 6
    gone = [a for a in by_gid(ax, "object:towel_1")][0]
    assert gone.get_color() == "silver", "an object memory saw leave is drawn grey"
    assert ax.get_xlabel() == "x (m)" and ax.get_ylabel() == "y (m)" and ax.get_aspect() == 1.0
    x0, x1 = ax.get_xlim()
    assert x0 <= 0 and x1 >= 9, "every room is inside the axes"


def test_map_draws_the_route_as_driven_point_by_point(scene_map):
    _, ax = scene_map
    [route] = by_gid(ax, "route")
    assert [tuple(p) for p in route.get_xydata()] == ROUTE, "every waypoint, not start-to-end straight lines"


def test_map_marks_where_each_question_looked(scene_map):
    _, ax = scene_map
    looks = {a.get_gid(): tuple(a.get_xydata()[0]) for a in by_gid(ax, "look:")}
    assert looks == {"look:q1": (4.6, 3.0), "look:q2": (7.5, 3.6)}
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"looked for q1", "looked for q2", "route driven"}


def test_map_labels_every_object_and_no_two_labels_overlap(scene_map):
    fig, ax = scene_map
    labels = [t for t in ax.texts if t.get_gid() == "label"]
    room_names = [t for t in ax.texts if (t.get_gid() or "").startswith("room-label")]
    assert sorted(t.get_text() for t in labels) == sorted(
        ["table", "sink", "mug", "bowl", "apple", "remote control", "book", "towel"])
    fig.canvas.draw()  # measured as saved: equal aspect applied
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlapping = [(labels[i].get_text(), labels[j].get_text()) for i in range(len(boxes))
                   for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert not overlapping, overlapping
    under_room_names = [t.get_text() for t in labels for r in room_names
                        if t.get_window_extent(renderer).overlaps(r.get_window_extent(renderer))]
    assert not under_room_names, under_room_names


def event(t_hours, kind, object_id="mug_1", category="mug"):
    return SimpleNamespace(time=t_hours * HOUR, kind=kind, object_id=object_id, category=category)


def test_timeline_spans_the_datas_own_range_with_a_row_per_object():
    events = [event(26, "appeared"), event(30, "moved"), event(27, "appeared", "bowl_1", "bowl"),
              event(40, "disappeared", "bowl_1", "bowl")]
    observed = [(25 * HOUR, 26.5 * HOUR, "kitchen"), (39 * HOUR, 41 * HOUR, "kitchen")]
    fig = event_timeline_figure(events, observed)
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    assert 24 <= low <= 25 and 41 <= high <= 43, (low, high)  # not 0..170 h
    assert [t.get_text() for t in ax.get_yticklabels()] == ["mug (mug_1)", "bowl (bowl_1)"]
    assert len(by_gid(ax, "event:")) == 4
    assert {a.get_gid() for a in by_gid(ax, "event:")} == {"event:appeared", "event:moved", "event:disappeared"}
    windows = by_gid(ax, "observing")
    assert len(windows) == 2
    assert len(by_gid(ax, "midnight")) == 0, "d2 00:00 (24 h) lies before the data"
    assert ax.get_xlabel().startswith("time (hours")
    assert "robot observing" in {t.get_text() for t in ax.get_legend().get_texts()}
    plt.close(fig)


def test_timeline_marks_midnights_inside_the_range():
    fig = event_timeline_figure([event(10, "appeared"), event(58, "moved")])
    ax = fig.axes[0]
    assert sorted(line.get_xdata()[0] for line in by_gid(ax, "midnight")) == [24, 48]
    plt.close(fig)


def test_accuracy_vs_path_shows_n_and_the_wilson_interval(tmp_path):
    planners = {"voi": {"accuracy": 0.75, "n": 12, "mean_path_length_m": 4.2},
                "memory-only": {"accuracy": 0.5, "n": 12, "mean_path_length_m": 0.0}}
    fig = accuracy_vs_path_figure(planners)
    ax = fig.axes[0]
    for name, stats in planners.items():
        [container] = [c for c in ax.containers if c.get_label() == f"{name} (n=12)"]
        point, _caps, (bars,) = container.lines
        assert tuple(point.get_xydata()[0]) == (stats["mean_path_length_m"], stats["accuracy"])
        [[_, y_low], [_, y_high]] = bars.get_segments()[0]
        interval = wilson_interval(round(stats["accuracy"] * 12), 12)
        assert (y_low, y_high) == pytest.approx((interval.low, interval.high))
    assert "95%" in ax.get_ylabel() and ax.get_ylim() == (0, 1.05)
    assert {t.get_text() for t in ax.texts} == {"voi\n9/12", "memory-only\n6/12"}
    plt.close(fig)
    assert draw_accuracy_vs_path(tmp_path / "a.png", planners).stat().st_size > 10_000
