"""Why a task could not be done, as one of a few kinds a person (and a benchmark) can act on.

A task that fails ends with its reason in words and with one of these kinds: the arm cannot reach
where the thing is or where it must go, the gripper cannot hold it, or it (or its destination) was
not found. Other failures (a grasp that slipped, a top that stayed occupied) have no kind: they may
succeed on another try, so they do not say the task cannot be done.
"""

from __future__ import annotations

from robot_model.skills import REASON_OBJECT_TOO_LARGE, REASON_UNREACHABLE

CANNOT_REACH = "unreachable"
CANNOT_GRASP = "not graspable"
CANNOT_FIND = "not found"
CANNOT_KINDS = (CANNOT_REACH, CANNOT_GRASP, CANNOT_FIND)


def cannot_kind(skill_reason: str) -> str:
    """The kind a failed skill's reason shows ("" when it does not show the task cannot be done)."""
    if skill_reason.startswith(REASON_UNREACHABLE):
        return CANNOT_REACH
    if skill_reason.startswith(REASON_OBJECT_TOO_LARGE):
        return CANNOT_GRASP
    return ""
