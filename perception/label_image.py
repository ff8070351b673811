"""A semantic label image + a label-space file -> an instance mask (connected components in image and depth).

The label-space file follows Hydra's convention (its semantic segmentation front end's label spaces):
`label_names: [{label: 3, name: chair}, ...]`, optional `invalid_labels` (never objects: void, wall,
floor ...) and `object_labels` (when given, only these become objects); Hydra's other keys
(`total_semantic_labels`, `dynamic_labels`, `surface_places_labels`) are accepted and not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage

from memory_stack.foundation.typed_config import ConfigError, load_dataclass_file


@dataclass
class LabelName:
    label: int
    name: str


@dataclass
class LabelSpace:
    label_names: list[LabelName]
    invalid_labels: list[int] = field(default_factory=list)
    object_labels: list[int] | None = None
    total_semantic_labels: int | None = None
    dynamic_labels: list[int] = field(default_factory=list)
    surface_places_labels: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        seen: set[int] = set()
        for entry in self.label_names:
            if entry.label < 0 or entry.label in seen:
                raise ValueError(f"label {entry.label} is negative or listed twice")
            if not entry.name.strip():
                raise ValueError(f"label {entry.label} has an empty name")
            seen.add(entry.label)

    def names(self) -> dict[int, str]:
        """Id -> name of every label that can be an object (invalid ones and non-objects left out)."""
        allowed = None if self.object_labels is None else set(self.object_labels)
        invalid = set(self.invalid_labels)
        return {e.label: e.name for e in self.label_names
                if e.label not in invalid and (allowed is None or e.label in allowed)}


def load_label_space(path: str | Path) -> LabelSpace:
    """A LabelSpace from YAML; errors name the file and the field (ConfigError, exit 2 from the CLI)."""
    return load_dataclass_file(LabelSpace, path)


def instances_from_label_image(label_image: np.ndarray, depth: np.ndarray, names: dict[int, str],
                               continuity_m: float = 0.05,
                               continuity_per_m: float = 0.03) -> tuple[np.ndarray, dict[int, str]]:
    """Instance mask (int32, 0 = none) and instance id -> name.

    An instance is a 4-connected region of one object label whose neighbouring depths differ by less
    than `continuity_m + continuity_per_m * depth` (two chairs of one label side by side at different
    depths are two instances): regions are labelled per label id, a pixel whose right or lower
    neighbour of the same label lies across a depth edge is cut, so the edge separates regions, and
    then given back to the region on its left or above when it continues it. Labels not in `names`
    and pixels without depth are no object.
    """
    labels = np.asarray(label_image)
    if labels.shape != depth.shape:
        raise ConfigError("label_image", "shape", f"{labels.shape} does not match depth {depth.shape}")
    lut_size = int(labels.max()) + 1 if labels.size else 1
    is_object = np.zeros(lut_size, dtype=bool)
    for label_id in names:
        if 0 <= label_id < lut_size:
            is_object[label_id] = True
    d = np.where(np.isfinite(depth), depth, 0.0).astype(np.float32)
    keep = is_object[labels] & (d > 0)
    tolerance = continuity_m + continuity_per_m * d
    edge = np.zeros_like(keep)
    edge[:, :-1] |= (labels[:, :-1] == labels[:, 1:]) & (np.abs(d[:, :-1] - d[:, 1:]) >= tolerance[:, :-1])
    edge[:-1, :] |= (labels[:-1, :] == labels[1:, :]) & (np.abs(d[:-1, :] - d[1:, :]) >= tolerance[:-1, :])
    mask = np.zeros(labels.shape, dtype=np.int32)
    instance_names: dict[int, str] = {}
    for label_id in np.unique(labels[keep]).tolist():
        components, count = ndimage.label(keep & ~edge & (labels == label_id))
        if count == 0:
            continue
        inside = components > 0
        mask[inside] = components[inside] + len(instance_names)
        for _ in range(count):
            instance_names[len(instance_names) + 1] = names[int(label_id)]
    # The pixels cut at depth edges go back to the region on their left or above when they continue it.
    for _ in range(2):
        for sa, sb in ((np.s_[:, 1:], np.s_[:, :-1]), (np.s_[1:, :], np.s_[:-1, :])):
            joins = (keep[sa] & (mask[sa] == 0) & (mask[sb] > 0) & (labels[sa] == labels[sb])
                     & (np.abs(d[sa] - d[sb]) < tolerance[sa]))
            mask[sa][joins] = mask[sb][joins]
    return mask, instance_names
