"""Pictures for reports and papers: the remembered map, the per-object timeline, accuracy against path.

Each picture has a `*_figure` function returning the matplotlib Figure (tests inspect its artists)
and a `draw_*` function that saves it to a PNG.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from bench.statistics import wilson_interval  # noqa: E402
from scene_graph.types import FloorPlan  # noqa: E402

EVENT_STYLE = {
    "appeared": ("o", "tab:green"),
    "moved": (">", "tab:blue"),
    "disappeared": ("x", "tab:red"),
    "state_changed": ("s", "tab:orange"),
}
HOUR = 3600.0
# candidate label offsets (points) around an anchor, nearest first
LABEL_OFFSETS = [(dx * r, dy * r) for r in (1, 2, 3, 4)
                 for dx, dy in ((4, 4), (4, -10), (-4, 4), (-4, -10), (0, 8), (0, -14), (8, -3), (-8, -3))]


def scene_map_figure(floor_plan: FloorPlan, objects: Iterable, route: Sequence[tuple[float, float]],
                     looks: dict[str, Sequence[tuple[float, float]]] | None = None, title: str = "") -> Figure:
    """Rooms, doors, remembered furniture (boxes) and objects (dots), the route as driven and each question's looks.

    Object labels are placed where they overlap no other label (the nearest free spot around the
    object; a thin leader line when moved away).
    """
    fig, ax = plt.subplots(figsize=(9, 7), dpi=150)
    for room in floor_plan.rooms:
        ax.add_patch(Polygon(room.polygon, closed=True, facecolor="whitesmoke", edgecolor="black", linewidth=1.5,
                             gid=f"room:{room.name}"))
        xs = [p[0] for p in room.polygon]
        ys = [p[1] for p in room.polygon]
        ax.text(sum(xs) / len(xs), max(ys) - 0.15, room.name.replace("_", " "), ha="center", va="top",
                fontsize=9, color="dimgray", style="italic", gid=f"room-label:{room.name}")
    for door in floor_plan.doors:
        ax.plot(*door.at, marker="s", color="saddlebrown", markersize=5, linestyle="none", gid="door")
    objects = list(objects)
    anchors: list[tuple[float, float, str]] = []
    for obj in objects:
        x, y = float(obj.position[0]), float(obj.position[1])
        if getattr(obj, "is_receptacle", False):
            w = max(0.2, obj.bbox_max[0] - obj.bbox_min[0])
            h = max(0.2, obj.bbox_max[1] - obj.bbox_min[1])
            ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, facecolor="burlywood", edgecolor="sienna",
                                   alpha=0.7, gid=f"furniture:{obj.id}"))
            anchors.append((x, y, obj.category.replace("_", " ")))
        else:
            present = getattr(obj, "present", True)
            ax.plot(x, y, "o", color="tab:blue" if present else "silver", markersize=4, linestyle="none",
                    gid=f"object:{obj.id}")
            anchors.append((x, y, obj.category.replace("_", " ")))
    if route:
        ax.plot([p[0] for p in route], [p[1] for p in route], "-", color="tab:red", alpha=0.6, linewidth=1.0,
                label="route driven", gid="route")
    colours = plt.cm.tab10.colors
    for i, (question_id, points) in enumerate(sorted((looks or {}).items())):
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], "*", markersize=11, linestyle="none",
                    color=colours[i % 10], markeredgecolor="black", markeredgewidth=0.4,
                    label=f"looked for {question_id}", gid=f"look:{question_id}")
    ax.plot([], [], "o", color="tab:blue", markersize=4, linestyle="none", label="object (present)")
    ax.plot([], [], "o", color="silver", markersize=4, linestyle="none", label="object (gone)")
    ax.plot([], [], "s", color="saddlebrown", markersize=5, linestyle="none", label="door")
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(title or "remembered scene graph (top-down)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, borderaxespad=0.0)
    fig.tight_layout()
    place_labels_without_overlap(fig, ax, anchors)
    return fig


def place_labels_without_overlap(fig: Figure, ax, anchors: Sequence[tuple[float, float, str]],
                                 fontsize: float = 6.5) -> list:
    """Label each (x, y, text) at the first offset whose box meets no label placed before it.

    A label moved away from its point gets a thin leader line. When every offset is taken, the
    farthest one is used.
    """
    fig.canvas.draw()  # the final layout (equal aspect is applied at draw time) before measuring
    renderer = fig.canvas.get_renderer()
    # room names are obstacles too
    placed: list[Bbox] = [t.get_window_extent(renderer) for t in ax.texts if (t.get_gid() or "").startswith("room")]
    texts = []
    for x, y, text in anchors:
        for k, (dx, dy) in enumerate(LABEL_OFFSETS):
            leader = {"arrowstyle": "-", "color": "gray", "linewidth": 0.5} if abs(dx) + abs(dy) > 16 else None
            label = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=fontsize,
                                ha="left" if dx >= 0 else "right", va="bottom", arrowprops=leader, gid="label")
            box = label.get_window_extent(renderer).expanded(1.05, 1.15)
            if k == len(LABEL_OFFSETS) - 1 or not any(box.overlaps(other) for other in placed):
                break
            label.remove()
        placed.append(box)
        texts.append(label)
    return texts


def draw_scene_map(path: str | Path, floor_plan: FloorPlan, objects: Iterable,
                   route: Sequence[tuple[float, float]],
                   looks: dict[str, Sequence[tuple[float, float]]] | None = None, title: str = "") -> Path:
    return _save(scene_map_figure(floor_plan, objects, route, looks, title), path)


def event_timeline_figure(events: Iterable, observed: Iterable[tuple[float, float, str]] = (),
                          title: str = "") -> Figure:
    """One row per object, a marker per remembered event; shaded: when the robot was observing.

    The time axis spans the data's own range (events and observation windows), in hours since
    d1 00:00, with a line at each midnight inside it.
    """
    events = sorted(events, key=lambda e: e.time)
    observed = sorted(observed)
    rows: dict[str, int] = {}
    for event in events:
        rows.setdefault(f"{event.category} ({event.object_id})", len(rows))
    fig, ax = plt.subplots(figsize=(10, max(2.8, 0.28 * len(rows) + 1.5)), dpi=150)
    times = [e.time for e in events] + [t for s, e, _ in observed for t in (s, e)]
    # a look of a few seconds stays visible: at least 0.4% of the range wide
    shortest = max(60.0, 0.004 * (max(times) - min(times))) if times else 60.0
    for i, (start, end, _room) in enumerate(observed):
        ax.axvspan(start / HOUR, max(end, start + shortest) / HOUR, color="tab:cyan", alpha=0.25, linewidth=0,
                   label="robot observing" if i == 0 else None, gid="observing")
    seen_kinds = set()
    for event in events:
        marker, colour = EVENT_STYLE.get(event.kind, ("|", "black"))
        label = event.kind.replace("_", " ") if event.kind not in seen_kinds else None
        seen_kinds.add(event.kind)
        ax.plot(event.time / HOUR, rows[f"{event.category} ({event.object_id})"], marker, color=colour,
                label=label, markersize=6, linestyle="none", gid=f"event:{event.kind}")
    if times:
        low, high = min(times) / HOUR, max(times) / HOUR
        margin = max(0.25, 0.03 * (high - low))
        ax.set_xlim(low - margin, high + margin)
        for day in range(int(low // 24) + 1, int(high // 24) + 1):
            ax.axvline(24 * day, color="gray", linewidth=0.8, linestyle=":", gid="midnight")
            ax.text(24 * day, 1.0, f" d{day + 1}", transform=ax.get_xaxis_transform(), fontsize=7, va="bottom",
                    color="gray")
    ax.set_yticks(list(rows.values()), list(rows.keys()), fontsize=7)
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    ax.invert_yaxis()
    ax.set_xlabel("time (hours since d1 00:00)")
    ax.set_title(title or "remembered events per object", pad=14)
    if seen_kinds or observed:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, borderaxespad=0.0)
    fig.tight_layout()
    return fig


def draw_event_timeline(path: str | Path, events: Iterable, observed: Iterable[tuple[float, float, str]] = (),
                        title: str = "") -> Path:
    return _save(event_timeline_figure(events, observed, title), path)


def accuracy_vs_path_figure(planners: dict[str, dict], title: str = "") -> Figure:
    """One point per planner: accuracy (with its 95% Wilson interval) against mean path per question; n labelled."""
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=150)
    colours = plt.cm.tab10.colors
    for i, (name, stats) in enumerate(planners.items()):
        n = int(stats["n"])
        if n == 0:
            continue
        correct = round(float(stats["accuracy"]) * n)
        interval = wilson_interval(correct, n)
        low, high = interval.low, interval.high
        x, y = float(stats["mean_path_length_m"]), interval.rate
        ax.errorbar([x], [y], yerr=[[y - low], [high - y]], fmt="o", markersize=7, capsize=4,
                    color=colours[i % 10], label=f"{name} (n={n})", gid=f"planner:{name}")
        ax.annotate(f"{name}\n{correct}/{n}", (x, y), textcoords="offset points", xytext=(8, -4), fontsize=8)
    ax.set_xlabel("mean path driven per question (m)")
    ax.set_ylabel("accuracy (95% Wilson interval)")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]), right=ax.get_xlim()[1] * 1.15 + 0.5)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "accuracy vs path driven")
    fig.tight_layout()
    return fig


def draw_accuracy_vs_path(path: str | Path, planners: dict[str, dict], title: str = "") -> Path:
    return _save(accuracy_vs_path_figure(planners, title), path)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
