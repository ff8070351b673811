"""Data association: which remembered object each observation of one frame is (Hungarian assignment).

Per-frame instance ids mean nothing, so an observation is matched to a remembered object by
category compatibility (ontology synonyms/is_a; a different label is tolerated only very close, as
label noise), 3D distance, box overlap and embedding similarity when both have one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

INFEASIBLE = 1e6


def box_iou(a_min: np.ndarray, a_max: np.ndarray, b_min: np.ndarray, b_max: np.ndarray) -> np.ndarray:
    """Pairwise axis-aligned 3D IoU: (M,3) boxes against (K,3) boxes -> (M,K)."""
    lo = np.maximum(a_min[:, None, :], b_min[None, :, :])
    hi = np.minimum(a_max[:, None, :], b_max[None, :, :])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    va = np.prod(np.clip(a_max - a_min, 1e-6, None), axis=1)
    vb = np.prod(np.clip(b_max - b_min, 1e-6, None), axis=1)
    return inter / (va[:, None] + vb[None, :] - inter)


def association_costs(obs_pos: np.ndarray, obs_min: np.ndarray, obs_max: np.ndarray, obs_cats: list[str],
                      obs_rec: np.ndarray, obs_emb: list[np.ndarray | None],
                      cand_pos: np.ndarray, cand_min: np.ndarray, cand_max: np.ndarray, cand_cats: list[str],
                      cand_rec: np.ndarray, cand_emb: list[np.ndarray | None],
                      compatibility: Callable[[str, str], float], gate: np.ndarray, label_noise_gate: float
                      ) -> np.ndarray:
    """(M,K) assignment costs; INFEASIBLE where the pair cannot be the same object."""
    dist = np.linalg.norm(obs_pos[:, None, :] - cand_pos[None, :, :], axis=2)
    compat = np.array([[compatibility(a, b) for b in cand_cats] for a in obs_cats]).reshape(dist.shape)
    iou = box_iou(obs_min, obs_max, cand_min, cand_max)
    cost = dist / gate[None, :] + 0.6 * (1.0 - compat) + 0.3 * (1.0 - iou)
    for i, e in enumerate(obs_emb):
        if e is None:
            continue
        for j, f in enumerate(cand_emb):
            if f is not None and f.shape == e.shape:
                cos = float(np.dot(e, f) / (np.linalg.norm(e) * np.linalg.norm(f) + 1e-9))
                cost[i, j] += 0.4 * (1.0 - cos)
    feasible = (dist <= gate[None, :]) & ((compat > 0) | (dist < label_noise_gate))
    feasible &= obs_rec[:, None] == cand_rec[None, :]
    cost[~feasible] = INFEASIBLE
    return cost


def assign(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment, dropping infeasible pairs."""
    if cost.size == 0:
        return []
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if cost[r, c] < INFEASIBLE / 2]


def overlap_of_smaller(a_min: np.ndarray, a_max: np.ndarray, b_min: np.ndarray, b_max: np.ndarray) -> float:
    """The two boxes' intersection as a share of the smaller box's volume (0 apart, 1 one inside the other)."""
    inter = float(np.prod(np.clip(np.minimum(a_max, b_max) - np.maximum(a_min, b_min), 0.0, None)))
    va = float(np.prod(np.clip(a_max - a_min, 1e-6, None)))
    vb = float(np.prod(np.clip(b_max - b_min, 1e-6, None)))
    return inter / min(va, vb)


def boxes_touch(a_min: np.ndarray, a_max: np.ndarray, b_min: np.ndarray, b_max: np.ndarray, margin: float) -> bool:
    """Axis-aligned boxes overlap or lie within `margin` of each other horizontally (and overlap in height)."""
    return bool(a_min[0] <= b_max[0] + margin and b_min[0] <= a_max[0] + margin
                and a_min[1] <= b_max[1] + margin and b_min[1] <= a_max[1] + margin
                and a_min[2] <= b_max[2] + margin and b_min[2] <= a_max[2] + margin)
