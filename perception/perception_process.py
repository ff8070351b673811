"""Perception in a process of its own: `PerceptionProcess(config).process(sensor_frame) -> Frame`.

A drop-in for `FrameProcessor` where the caller's process also serves latency-sensitive requests
(the memory server answering QueryMemory next to the ingest node): perception's Python code no
longer competes with them for the interpreter lock. The RGB, depth and mask arrays go through one
shared-memory block (no pickling of images); the Frame comes back pickled without its depth (a few
hundred bytes per observation). One frame is in flight at a time, so the child may read the block until it answers.

The child runs at a lower CPU priority (`niceness`, default 10): perception is throughput work that
has a frame period to finish in, while the caller's queries are latency work that should get a core
first when both are runnable.

Until the child has started (imports and all, a second or two on a busy machine) frames are processed
here, so the first frames never wait for it. If the child dies, that frame is processed here instead
and the child is restarted (counted in `restarts`); after `max_restarts` deaths perception stays in
the caller's process (`in_process`).
Malformed frames raise the same `FrameError`s as `FrameProcessor`, with the same messages.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import traceback
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from memory_stack.foundation.errors import BadInputError
from perception.config import PerceptionConfig
from perception.frame_processing import FrameError, FrameProcessor, FrameStats
from perception.sensor_frame import SensorFrame
from scene_graph.types import Frame

LOG = logging.getLogger(__name__)
_ARRAYS = ("rgb", "depth", "instance_mask", "label_image")  # through shared memory when given
_READY = "ready"


class PerceptionProcessError(RuntimeError):
    """The perception process failed on a frame in a way that is not the frame's fault."""


def _serve(conn: Any, config: PerceptionConfig, niceness: int) -> None:
    if niceness:
        os.nice(niceness)
    processor = FrameProcessor(config)
    attached: dict[str, shared_memory.SharedMemory] = {}
    try:
        conn.send(_READY)
        while True:
            try:
                request = conn.recv()
            except EOFError:  # the parent is gone (killed, even with -9): nothing left to serve, exit quietly
                return
            if request is None:
                return
            block_name, layout, fields = request
            block = attached.get(block_name)
            if block is None:
                for old in attached.values():
                    old.close()
                attached = {block_name: (block := shared_memory.SharedMemory(name=block_name))}
            arrays = {name: np.ndarray(shape, dtype=np.dtype(dtype), buffer=block.buf, offset=offset)
                      for name, (offset, shape, dtype) in layout.items()}
            try:
                frame = processor.process(SensorFrame(**fields, **arrays))
                conn.send(("ok", dataclasses.replace(frame, depth=None), processor.last_stats))
            except FrameError as exc:
                conn.send(("frame_error", (exc.frame_id, exc.field, exc.problem), None))
            except BadInputError as exc:
                conn.send(("bad", str(exc), None))
            except Exception:  # noqa: BLE001 - reported to the parent with the traceback
                conn.send(("error", traceback.format_exc(), None))
            finally:
                del arrays
    except (BrokenPipeError, ConnectionResetError):  # the parent died while we answered it: exit quietly
        return
    finally:
        for block in attached.values():
            block.close()
        conn.close()


class PerceptionProcess:
    """`FrameProcessor`'s interface, with the work done in a spawned child process."""

    def __init__(self, config: PerceptionConfig | None = None, max_restarts: int = 3, niceness: int = 10) -> None:
        self.config = config if config is not None else PerceptionConfig()
        self.niceness = niceness
        self.last_stats = FrameStats()
        self.restarts = 0
        self.max_restarts = max_restarts
        self._local = FrameProcessor(self.config)  # for arrays that are not arrays, and after a crash
        self._context = multiprocessing.get_context("spawn")  # never fork a process with DDS threads
        self._block: shared_memory.SharedMemory | None = None
        self._conn: Any = None
        self._child: Any = None
        self._ready = False
        self._start()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        self._child = self._context.Process(target=_serve, args=(child, self.config, self.niceness),
                                            name="memory-perception", daemon=True)
        self._child.start()
        child.close()
        self._conn = parent
        self._ready = False

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the child to start; True once frames go to it."""
        if self._conn is not None and not self._ready:
            try:
                if self._conn.poll(timeout_s):
                    self._ready = self._conn.recv() == _READY
            except (EOFError, OSError) as exc:
                self._restart(exc)
        return self._ready

    def process(self, sensor_frame: SensorFrame) -> Frame:
        names = [name for name in _ARRAYS if name in ("rgb", "depth") or getattr(sensor_frame, name) is not None]
        arrays = [getattr(sensor_frame, name) for name in names]
        if not self.wait_ready(0.0) or not all(isinstance(a, np.ndarray) for a in arrays):
            return self._process_here(sensor_frame)  # still starting, or FrameProcessor names the wrong field
        arrays = [np.ascontiguousarray(a) for a in arrays]
        layout, offset = {}, 0
        for name, array in zip(names, arrays):
            offset = -(-offset // 64) * 64
            layout[name] = (offset, array.shape, array.dtype.str)
            offset += array.nbytes
        block = self._block_of(offset)
        for name, array in zip(names, arrays):
            start = layout[name][0]
            np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf, offset=start)[...] = array
        fields = {f.name: getattr(sensor_frame, f.name) for f in dataclasses.fields(sensor_frame)
                  if f.name not in names}
        try:
            self._conn.send((block.name, layout, fields))
            status, payload, stats = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._restart(exc)
            return self._process_here(sensor_frame)
        if status == "frame_error":
            raise FrameError(*payload)
        if status == "bad":
            raise BadInputError(payload)
        if status == "error":
            raise PerceptionProcessError(f"perception failed on frame {sensor_frame.frame_id}:\n{payload}")
        self.last_stats = stats
        # the child's Frame comes without its depth (the caller's own array, as float32 like FrameProcessor's)
        depth = arrays[1] if arrays[1].dtype == np.float32 else arrays[1].astype(np.float32)
        return dataclasses.replace(payload, depth=depth)

    def _process_here(self, sensor_frame: SensorFrame) -> Frame:
        frame = self._local.process(sensor_frame)
        self.last_stats = self._local.last_stats
        return frame

    def _block_of(self, nbytes: int) -> shared_memory.SharedMemory:
        if self._block is None or self._block.size < nbytes:
            self._release_block()
            self._block = shared_memory.SharedMemory(create=True, size=max(nbytes, 1))
        return self._block

    def _release_block(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block.unlink()
            self._block = None

    def _restart(self, cause: BaseException) -> None:
        self.restarts += 1
        self._stop_child()
        if self.restarts > self.max_restarts:
            LOG.error("perception process died %d times (last: %s); perception now runs in this process",
                      self.restarts, cause)
            return
        LOG.warning("perception process died (%s); frame processed in this process, child restarted", cause)
        self._start()

    @property
    def in_process(self) -> bool:
        return self._conn is None

    def _stop_child(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            self._conn.close()
            self._conn = None
            self._ready = False
        if self._child is not None:
            self._child.join(timeout=5.0)
            if self._child.is_alive():
                self._child.kill()
                self._child.join()
            self._child = None

    def close(self) -> None:
        """Stop the child and free the shared block (idempotent)."""
        self._stop_child()
        self._release_block()

    def __enter__(self) -> PerceptionProcess:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
