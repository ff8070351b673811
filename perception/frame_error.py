"""The error of a malformed sensor frame (raised by perception; FrameProcessor re-exports it)."""

from __future__ import annotations

from memory_stack.foundation.errors import BadInputError


class FrameError(BadInputError):
    """A sensor frame is malformed; the message names the frame and the field. Nothing is produced."""

    def __init__(self, frame_id: object, field_name: str, problem: str) -> None:
        self.frame_id = frame_id
        self.field = field_name
        self.problem = problem
        super().__init__(f"frame {frame_id}: {field_name}: {problem}")
