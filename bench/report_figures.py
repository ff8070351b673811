"""Pictures for reports: a top-down map of the scene graph and a per-object event timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402

from scene_graph.types import FloorPlan  # noqa: E402

EVENT_STYLE = {
    "appeared": ("o", "tab:green"),
    "moved": (">", "tab:blue"),
    "disappeared": ("x", "tab:red"),
    "state_changed": ("s", "tab:orange"),
}


def draw_scene_map(path: str | Path, floor_plan: FloorPlan, objects: Iterable,
                   robot_path: Sequence[tuple[float, float]],
                   looks: dict[str, Sequence[tuple[float, float]]] | None = None, title: str = "") -> Path:
    """Rooms, doors, remembered furniture (boxes) and objects (dots), the robot's path and question looks."""
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    for room in floor_plan.rooms:
        ax.add_patch(Polygon(room.polygon, closed=True, fill=True, alpha=0.08, edgecolor="black", linewidth=1.5))
        xs = [p[0] for p in room.polygon]
        ys = [p[1] for p in room.polygon]
        ax.text(sum(xs) / len(xs), max(ys) - 0.3, room.name.replace("_", " "), ha="center", va="top",
                fontsize=9, color="dimgray")
    for door in floor_plan.doors:
        ax.plot(*door.at, marker="D", color="saddlebrown", markersize=5)
    for obj in objects:
        x, y = obj.position[0], obj.position[1]
        if getattr(obj, "is_receptacle", False):
            w = max(0.2, obj.bbox_max[0] - obj.bbox_min[0])
            h = max(0.2, obj.bbox_max[1] - obj.bbox_min[1])
            ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, facecolor="burlywood", edgecolor="sienna", alpha=0.7))
            ax.text(x, y, obj.category, fontsize=7, ha="center", va="center")
        else:
            present = getattr(obj, "present", True)
            ax.plot(x, y, "o", color="tab:blue" if present else "lightgray", markersize=5)
            ax.annotate(obj.category, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=6)
    if robot_path:
        ax.plot([p[0] for p in robot_path], [p[1] for p in robot_path], "-", color="tab:red", alpha=0.5,
                linewidth=1.0, label="robot path")
    colours = plt.cm.tab10.colors
    for i, (question_id, points) in enumerate(sorted((looks or {}).items())):
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], "*", markersize=11, color=colours[i % 10],
                    label=f"looked for {question_id}")
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(title or "scene graph (top-down)")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def draw_event_timeline(path: str | Path, events: Iterable, title: str = "") -> Path:
    """One row per object, a marker per remembered event (appeared, moved, disappeared, state change)."""
    events = sorted(events, key=lambda e: e.time)
    rows: dict[str, int] = {}
    for event in events:
        rows.setdefault(f"{event.category} ({event.object_id})", len(rows))
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.28 * len(rows) + 1.2)), dpi=110)
    seen_kinds = set()
    for event in events:
        marker, colour = EVENT_STYLE.get(event.kind, ("|", "black"))
        label = event.kind if event.kind not in seen_kinds else None
        seen_kinds.add(event.kind)
        ax.plot(event.time / 3600.0, rows[f"{event.category} ({event.object_id})"], marker, color=colour,
                label=label, markersize=6)
    ax.set_yticks(list(rows.values()), list(rows.keys()), fontsize=7)
    ax.set_xlabel("time (hours since d1 00:00)")
    for day in range(1, 8):
        ax.axvline(24 * day, color="lightgray", linewidth=0.8)
    ax.set_title(title or "events per object")
    if seen_kinds:
        ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def draw_accuracy_vs_path(path: str | Path, planners: dict[str, dict], title: str = "") -> Path:
    """One point per planner: accuracy against mean path driven per question."""
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    for name, stats in planners.items():
        ax.plot(stats["mean_path_length_m"], stats["accuracy"], "o", markersize=9)
        ax.annotate(name, (stats["mean_path_length_m"], stats["accuracy"]), textcoords="offset points",
                    xytext=(6, 4))
    ax.set_xlabel("mean path driven per question (m)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title(title or "accuracy vs path driven")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
