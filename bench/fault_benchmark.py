"""The fault table: live ingestion and the commands under the faults an operator meets.

`memstack bench faults` (or `python -m bench.fault_benchmark`) runs each fault against real processes
(`memstack up`, the synthetic frame publisher over DDS, the CLI) on real SQLite files and prints one
row per fault: frames acknowledged (the ingest node's `frames_ingested` on /diagnostics, or the
commits of a command) against frames stored (the file's `frames_stored`, counted in each frame's
own transaction), frames lost (acknowledged but not stored), tracebacks seen, how long ingestion
took to resume after the fault cleared, and the exit status and line count of every refusal.

Targets (docs/BENCHMARKS.md): 0 acknowledged frames lost, 0 tracebacks, resume within 1 s, every
refusal one line with exit 2. The ROS environment must be installed (`require_ros`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.sqlite_faults import FaultyConnection
from memory_node.child_processes import stop_child_process
from memory_node.ros_environment import require_ros
from memory_node.stack_probe import StackProbe
from memory_stack.foundation.package_paths import default_params_file, sim_config
from memory_stack.foundation.progress import progress_bar

SOURCE_ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 160, 120

# one damaged record per table (and the meta values commands trip over): SQL applied to a healthy store
DAMAGE = {
    "meta floor_plan": "UPDATE meta SET value='{rooms: [' WHERE key='floor_plan'",
    "meta last_frame_id": "UPDATE meta SET value='seven' WHERE key='last_frame_id'",
    "objects votes": "UPDATE objects SET votes='{not json' WHERE rowid=(SELECT MIN(rowid) FROM objects)",
    "objects embedding": "UPDATE objects SET embedding=x'0000803f0000' WHERE rowid=(SELECT MIN(rowid) FROM objects)",
    "intervals": "UPDATE intervals SET start='yesterday' WHERE id=(SELECT MIN(id) FROM intervals)",
    "locations": "UPDATE locations SET time='noon' WHERE id=(SELECT MIN(id) FROM locations)",
    "states": "INSERT INTO states(object_id, time, state) VALUES ('fridge_9', 'x', 'open')",
    "events": "UPDATE events SET frame_ids='[1, 2' WHERE id=(SELECT MIN(id) FROM events)",
    "episodes": "INSERT INTO episodes(kind, name, start, end, summary) VALUES ('patrol', 'p', 0, 1, 'nothing')",
    "facts": "INSERT INTO facts(subject, predicate, object, recorded_at, confidence, provenance) "
             "VALUES ('a', 'b', 'c', 0, 'sure', 'user')",
    "observed": "UPDATE observed SET end='later' WHERE id=(SELECT MIN(id) FROM observed)",
    "trajectory": "UPDATE trajectory SET x='left' WHERE id=(SELECT MIN(id) FROM trajectory)",
}


def _env() -> dict[str, str]:
    os.environ.setdefault("ROS_DOMAIN_ID", str(random.Random(os.getpid()).randint(120, 200)))
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "SUBNET"
    require_ros()
    return dict(os.environ)


def params_file(directory: Path, db: Path, **ingest: Any) -> Path:
    content = yaml.safe_load(default_params_file().read_text())
    for section in content.values():
        section["ros__parameters"]["db_path"] = str(db)
        section["ros__parameters"]["floor_plan_file"] = str(sim_config("apartment_two_days.yaml"))
    content["ingest_node"]["ros__parameters"].update(ingest)
    path = directory / f"params_{db.stem}.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def stored(db: Path) -> dict[str, Any]:
    """What the file holds, read with SQLite alone (mode=ro): frames stored, last frame id and time, integrity."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10.0)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        return {"frames_stored": int(meta.get("frames_stored", 0)), "last_frame_id": int(meta["last_frame_id"]),
                "last_time": float(meta["last_time"]),
                "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0]}
    finally:
        conn.close()


class LiveStack:
    """`memstack up --no-planner` on `db`, its stderr in a file, and a probe reading its /diagnostics."""

    def __init__(self, directory: Path, db: Path, env: dict[str, str], fsize_limit: int | None = None,
                 **ingest: Any) -> None:
        self.directory, self.db, self.env = directory, db, env
        self.stderr_path = directory / f"up_{int(time.monotonic() * 1000)}.err"
        limit = (lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, resource.RLIM_INFINITY))) \
            if fsize_limit else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "memory_stack.cli", "up", "--no-planner",
             "--params", str(params_file(directory, db, **ingest))],
            cwd=SOURCE_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.stderr_path.open("w"),
            preexec_fn=limit)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int:
        return stop_child_process(self.process, signal.SIGTERM, timeout_s=30.0)


def publish(env: dict[str, str], frames: int, rate: float, start_time: float, timeout_s: float = 90.0,
            background: bool = False) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "memory_node.synthetic_frame_publisher", "--frames", str(frames), "--rate",
           str(rate), "--width", str(WIDTH), "--height", str(HEIGHT), "--start-time", repr(start_time),
           "--wait", "40", "--settle", "1.0"]
    if background:
        return subprocess.Popen(cmd, cwd=SOURCE_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    return subprocess.run(cmd, cwd=SOURCE_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)


def _published(done: Any) -> int:
    """Frames a publisher run says it sent (its last JSON line), from its CompletedProcess or its stdout text."""
    out = done if isinstance(done, str) else (done.stdout or "")
    lines = out.strip().splitlines()
    return int(json.loads(lines[-1]).get("frames", 0)) if lines else 0


def _settled(probe: StackProbe, quiet_s: float = 2.0, timeout_s: float = 40.0) -> dict[str, Any]:
    """The ingest status once frames_ingested stopped changing and nothing waits (the node's acknowledgements)."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        with probe.diagnostics.lock:
            values = dict(probe.diagnostics.latest)
        key = (values.get("frames_ingested"), values.get("frames_waiting"))
        if key != last:
            last, since = key, time.monotonic()
        elif values.get("frames_waiting") == "0" and time.monotonic() - since >= quiet_s:
            return values
    return values


def _wait_for_stored_change(db: Path, before: int, timeout_s: float) -> float | None:
    """Seconds until the file's frames_stored passes `before` (polled every 10 ms), None if it never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if stored(db)["frames_stored"] > before:
                return time.monotonic() - started
        except sqlite3.Error:
            pass
        time.sleep(0.01)
    return None


def _lost_in_dds(published: int, values: dict[str, str]) -> str:
    """Frames the publisher sent whose rgb image never reached the node (lost inside DDS), from both sides' counts."""
    received = int(values.get("camera/color/image_raw/received", 0))
    return f"{max(0, published - received)} lost in DDS (publisher-side count)"


def _row(fault: str, **values: Any) -> dict[str, Any]:
    row = {"fault": fault, "acknowledged": None, "stored": None, "lost": None, "tracebacks": 0, "resume_s": None,
           "exit": None, "refusal_lines": None, "detail": ""}
    row.update(values)
    if row["acknowledged"] is not None and row["stored"] is not None:
        row["lost"] = max(0, row["acknowledged"] - row["stored"])
    return row


def _with_probe(stack: LiveStack, body: Callable[[StackProbe], dict[str, Any]]) -> dict[str, Any]:
    probe = StackProbe()
    try:
        if not probe.connect(60.0):
            raise RuntimeError(f"memstack up did not come up: {stack.stderr()[-1500:]}")
        return body(probe)
    finally:
        probe.disconnect() if probe.client is not None else None
        probe.shutdown()


# ------------------------------------------------------------------ live faults

def lock_held(directory: Path, env: dict[str, str], hold_s: float = 3.0) -> dict[str, Any]:
    """Another connection holds the write lock (BEGIN IMMEDIATE) for `hold_s` while frames stream in."""
    db = directory / "lock.db"
    stack = LiveStack(directory, db, env)

    def body(probe: StackProbe) -> dict[str, Any]:
        publisher = publish(env, 60, 10.0, 25200.0, background=True)
        _wait_for_stored_change(db, 0, 60.0)
        time.sleep(0.5)
        holder = sqlite3.connect(db, isolation_level=None, timeout=10.0)
        holder.execute("BEGIN IMMEDIATE")
        held = stored(db)["frames_stored"]
        time.sleep(hold_s)
        during = stored(db)["frames_stored"]
        with probe.diagnostics.lock:
            fault_seen = probe.diagnostics.latest.get("store_fault", "")
        holder.execute("ROLLBACK")
        holder.close()
        resume = _wait_for_stored_change(db, during, 10.0)
        out, _ = publisher.communicate(timeout=90.0)
        values = _settled(probe)
        return {"published": _published(out), "values": values, "resume": resume,
                "stalled": during == held, "fault_seen": fault_seen}

    try:
        seen = _with_probe(stack, body)
    finally:
        code = stack.stop()
    after = stored(db)
    values = seen["values"]
    return _row(f"lock held {hold_s:.0f} s during live ingestion", acknowledged=int(values["frames_ingested"]),
                stored=after["frames_stored"], tracebacks=stack.stderr().count("Traceback"), exit=code,
                resume_s=seen["resume"],
                detail=f"published {seen['published']}, {_lost_in_dds(seen['published'], values)}, "
                       f"stalled while held: {seen['stalled']}, /diagnostics "
                       f"said {'store fault' if 'locked' in seen['fault_seen'] else repr(seen['fault_seen'])[:40]}, "
                       f"dropped (backlog) {values.get('frames_dropped_backlog')}, integrity {after['integrity']}")


def full_disk(directory: Path, env: dict[str, str], clear_after_s: float = 2.0,
              headroom: int = 100_000) -> dict[str, Any]:
    """RLIMIT_FSIZE caps the files `memstack up` may write; the limit is lifted `clear_after_s` after the fault.

    The cap is set on the running process once frames go in, `headroom` bytes above the largest file it
    writes then (the store and its WAL), so the disk fills a few frames later however many frames get
    through DDS. (A fixed cap given at start, 1.2 MB, was reached only after about 60 stored frames: under
    load fewer than that arrived, no fault ever happened and the row said "reported as: ''".)
    """
    db = directory / "full.db"
    stack = LiveStack(directory, db, env, perception_process=False)

    def body(probe: StackProbe) -> dict[str, Any]:
        publisher = publish(env, 150, 10.0, 25200.0, background=True)
        if _wait_for_stored_change(db, 0, 60.0) is not None:
            largest = max(path.stat().st_size for path in (db, Path(f"{db}-wal")) if path.exists())
            resource.prlimit(stack.process.pid, resource.RLIMIT_FSIZE, (largest + headroom, resource.RLIM_INFINITY))
        fault_at = None
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and fault_at is None:
            with probe.diagnostics.lock:
                if probe.diagnostics.latest.get("store_fault"):
                    fault_at = time.monotonic()
                    fault = probe.diagnostics.latest["store_fault"]
            time.sleep(0.1)
        if fault_at is None:
            publisher.kill()
            return {"fault": "", "published": 0, "values": _settled(probe), "resume": None}
        time.sleep(clear_after_s)
        before = stored(db)["frames_stored"]
        resource.prlimit(stack.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        resume = _wait_for_stored_change(db, before, 10.0)
        out, _ = publisher.communicate(timeout=90.0)
        return {"fault": fault, "published": _published(out), "values": _settled(probe), "resume": resume}

    try:
        seen = _with_probe(stack, body)
    finally:
        code = stack.stop()
    after = stored(db)
    kind = "disk full" if "disk" in seen["fault"] else repr(seen["fault"])[:60]
    return _row("full disk (RLIMIT_FSIZE) during live ingestion", acknowledged=int(seen["values"]["frames_ingested"]),
                stored=after["frames_stored"], tracebacks=stack.stderr().count("Traceback"), exit=code,
                resume_s=seen["resume"], detail=f"published {seen['published']}, reported as: {kind}, "
                                                f"integrity {after['integrity']}")


def kill_9(directory: Path, env: dict[str, str], rounds: int = 3, seed: int = 15) -> dict[str, Any]:
    """A live `memstack up` killed with -9 while frames stream, `rounds` times on the same memory."""
    db = directory / "kill.db"
    rng = random.Random(seed)
    acknowledged = tracebacks = 0
    notes, start = [], 25200.0
    first_ids = []
    for _ in range(rounds):
        before = stored(db) if db.exists() else {"frames_stored": 0, "last_frame_id": -1}
        stack = LiveStack(directory, db, env)
        probe = StackProbe()
        try:
            if not probe.connect(60.0):
                raise RuntimeError(f"memstack up did not come up: {stack.stderr()[-1500:]}")
            publisher = publish(env, 80, 20.0, start, background=True)
            _wait_for_stored_change(db, before["frames_stored"], 60.0)
            time.sleep(rng.uniform(0.5, 2.0))
            with probe.diagnostics.lock:
                acked = int(probe.diagnostics.latest.get("frames_ingested", 0))
            stack.process.kill()
            stack.process.wait()
            publisher.kill()
            publisher.wait()
        finally:
            probe.disconnect() if probe.client is not None else None
            probe.shutdown()
        after = stored(db)
        acknowledged += acked
        tracebacks += stack.stderr().count("Traceback")
        first_ids.append(before["last_frame_id"])
        gained = after["frames_stored"] - before["frames_stored"]
        notes.append(f"{gained} stored/{acked} acked, {after['integrity']}")
        start += 80 * 0.5 + 60.0
    final = stored(db)
    continuing = all(a < b for a, b in zip(first_ids, first_ids[1:] + [final["last_frame_id"]]))
    return _row(f"kill -9 of live memstack up, {rounds} rounds", acknowledged=acknowledged,
                stored=final["frames_stored"], tracebacks=tracebacks, exit=-9,
                detail=f"{'; '.join(notes)}; frame ids continue across restarts: {continuing}")


def clock_skew(directory: Path, env: dict[str, str]) -> dict[str, Any]:
    """One frame stamped 2e9 s (years ahead of ROS time) among normal frames."""
    db = directory / "skew.db"
    stack = LiveStack(directory, db, env)

    def body(probe: StackProbe) -> dict[str, Any]:
        normal = publish(env, 10, 10.0, 25200.0)
        future = publish(env, 1, 10.0, 2.0e9)
        later = publish(env, 10, 10.0, 25300.0)
        return {"published": _published(normal) + _published(future) + _published(later), "values": _settled(probe)}

    try:
        seen = _with_probe(stack, body)
    finally:
        code = stack.stop()
    after = stored(db)
    values = seen["values"]
    return _row("far-future stamp (2e9 s) live", acknowledged=int(values["frames_ingested"]),
                stored=after["frames_stored"], tracebacks=stack.stderr().count("Traceback"), exit=code,
                detail=f"published {seen['published']}, {_lost_in_dds(seen['published'], values)}, "
                       f"rejected for clock skew {values.get('frames_clock_skew')}, "
                       f"memory's last time {after['last_time']:.0f} s")


def two_writers(directory: Path, env: dict[str, str]) -> dict[str, Any]:
    """A second writer (`memstack import` into the memory a live `memstack up` writes) and a reader beside it."""
    db = directory / "writers.db"
    stack = LiveStack(directory, db, env)
    try:
        def body(probe: StackProbe) -> dict[str, Any]:
            publish(env, 10, 10.0, 25200.0)
            _settled(probe)
            export = directory / "export.json"
            reader = _cli("export", "--format", "dsg", "--db", str(db), str(export))
            writer = _cli("import", "--format", "dsg", str(export), "--db", str(db))
            return {"reader": reader, "writer": writer}

        seen = _with_probe(stack, body)
    finally:
        code = stack.stop()
    writer = seen["writer"]
    lines = [line for line in writer.stderr.splitlines() if line.strip()]
    # the refusal without the directory part of its paths, so that the cut to 110 characters keeps the reason
    # however long the directory (a pytest tmp path alone took the 110 and left "...writers.db: another ")
    refusal = lines[-1].replace(f"{directory}{os.sep}", "") if lines else ""
    return _row("second writer beside live memstack up", tracebacks=writer.stderr.count("Traceback"),
                exit=writer.returncode, refusal_lines=len(lines),
                detail=f"{refusal[:110]} | reader (export) exit {seen['reader'].returncode}, "
                       f"up exit {code}, names PID {stack.process.pid}: {str(stack.process.pid) in writer.stderr}")


# ------------------------------------------------------------------ commands on damaged and read-only stores

def _cli(*args: str, timeout_s: float = 300.0, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "memory_stack.cli", *args], cwd=SOURCE_ROOT,
                          capture_output=True, text=True, timeout=timeout_s)


def healthy_store(path: Path) -> Path:
    """A small memory with rows in every table (objects with embeddings, an episode, a fact)."""
    import numpy as np

    from scene_graph.store import MemoryStore
    from scene_graph.synthetic_frames import Box, render
    from scene_graph.types import CameraIntrinsics, Door, FloorPlan, Room

    plan = FloorPlan((Room("kitchen", ((0, 0), (5, 0), (5, 4), (0, 4))),
                      Room("living_room", ((5, 0), (11, 0), (11, 5), (5, 5)))),
                     (Door(("kitchen", "living_room"), (5.0, 2.0), 1.0),))
    boxes = [Box("table", (8.0, 2.5, 0.375), (0.6, 0.4, 0.375)), Box("mug", (8.0, 2.5, 0.8), (0.05, 0.05, 0.05)),
             Box("fridge", (8.6, 2.0, 0.9), (0.3, 0.3, 0.9), state="closed")]
    k = CameraIntrinsics.from_hfov(64, 48, 70)
    with MemoryStore.open(path, plan) as store:
        episode = store.begin_episode("patrol", "p1", 0.0)
        for i in range(1, 7):
            frame = render(i, 10.0 * i, (8.0, 4.6, 1.3), (8.0, 2.5, 0.7), boxes, k)
            for ob in frame.observations:
                ob.embedding = np.full(384, 1 / np.sqrt(384), dtype=np.float32)
            store.ingest(frame)
        store.end_episode(episode, 60.0)
        store.add_fact("mug_1", "belongs_to", "alice", recorded_at=10.0)
    return path


COMMANDS = {"query": ["query", "locate", "mug", "--db"], "export": ["export", "--format", "json", "{out}", "--db"],
            "ask": ["ask", "where is the mug?", "--db"], "import": ["import", "--format", "dsg", "{json}", "--db"]}


def damaged_records(directory: Path) -> list[dict[str, Any]]:
    """Every command that reads a store, on a store with one damaged record per table."""
    base = healthy_store(directory / "healthy.db")
    export = directory / "healthy.json"
    _cli("export", "--format", "dsg", "--db", str(base), str(export))
    rows = []
    for record, sql in DAMAGE.items():
        db = directory / f"damaged_{record.replace(' ', '_')}.db"
        db.write_bytes(base.read_bytes())
        conn = sqlite3.connect(db)
        conn.execute(sql)
        conn.commit()
        conn.close()
        data = db.read_bytes()
        results = []
        for name, args in COMMANDS.items():
            argv = [a.format(out=directory / "out.json", json=export) for a in args] + [str(db)]
            done = _cli(*argv)
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            results.append((name, done.returncode, len(lines), "Traceback" in done.stderr,
                            str(db) in done.stderr and record.split()[0] in done.stderr))
        rows.append(_row(f"damaged record: {record}", tracebacks=sum(r[3] for r in results),
                         exit=sorted({r[1] for r in results}), refusal_lines=max(r[2] for r in results),
                         detail=f"{len(results)} commands; names file and table: {all(r[4] for r in results)}; "
                                f"file unchanged: {db.read_bytes() == data}"))
    return rows


def read_only_store(directory: Path) -> dict[str, Any]:
    """Reading commands on a read-only store (0444 file, 0555 directory); a writing command refused in one line.

    Root ignores file modes, so as root the commands run in a private mount namespace where the store's
    directory is bound read-only (`unshare -m`): what an operator meets on a read-only mount.
    """
    folder = directory / "readonly"
    folder.mkdir()
    db = healthy_store(folder / "readonly.db")
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    data = db.read_bytes()
    prefix: tuple[str, ...] = ()
    how = "0444 file in a 0555 directory"
    if os.geteuid() == 0:
        prefix = ("unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder))
        how += ", bound read-only (root ignores file modes)"
    read = _cli("query", "locate", "mug", "--db", str(db), prefix=prefix)
    write = _cli("import", "--format", "dsg", str(directory / "healthy.json"), "--db", str(db), prefix=prefix) \
        if (directory / "healthy.json").exists() else None
    lines = [line for line in (write.stderr if write else "").splitlines() if line.strip()]
    os.chmod(folder, 0o755)
    os.chmod(db, 0o644)
    return _row(f"read-only store ({how})", tracebacks=read.stderr.count("Traceback") +
                (write.stderr.count("Traceback") if write else 0),
                exit=write.returncode if write else None, refusal_lines=len(lines) if write else None,
                detail=f"query exit {read.returncode} (mode=ro); file unchanged: {db.read_bytes() == data}; "
                       f"import: {lines[-1][:100] if lines else read.stderr[-100:]}")


def frame_atomicity(directory: Path) -> dict[str, Any]:
    """An exception at every SQL statement of one frame's ingest: memory and file as before, each time."""
    from scene_graph.persistence import StoreFault
    from scene_graph.store import MemoryStore

    base = healthy_store(directory / "atomic.db")

    def frame_and_store(path: Path) -> tuple[MemoryStore, Any]:
        path.write_bytes(base.read_bytes())
        store = MemoryStore.open(path)
        from scene_graph.synthetic_frames import Box, render
        from scene_graph.types import CameraIntrinsics

        boxes = [Box("table", (8.0, 2.5, 0.375), (0.6, 0.4, 0.375)), Box("mug", (8.3, 2.6, 0.8), (0.05, 0.05, 0.05))]
        return store, render(7, 70.0, (8.0, 4.6, 1.3), (8.0, 2.5, 0.7), boxes, CameraIntrinsics.from_hfov(64, 48, 70))

    def fingerprint(store: MemoryStore) -> tuple:
        objects = sorted((o.id, o.present, o.position, o.last_seen) for o in store.objects(include_absent=True))
        return objects, [(e.kind, e.object_id, e.time) for e in store.events()], store.last_frame_id, \
            store.frames_stored

    store, frame = frame_and_store(directory / "atomic_ref.db")
    steps = [0]
    store.file._conn = FaultyConnection(store.file._conn, steps, 0)
    store.ingest(frame)
    total = steps[0]
    store.close()
    equal = 0
    for fail_at in range(1, total + 1):
        store, frame = frame_and_store(directory / "atomic_try.db")
        before = fingerprint(store)
        real = store.file._conn
        store.file._conn = FaultyConnection(real, [0], fail_at)
        try:
            store.ingest(frame)
        except StoreFault:
            pass
        store.file._conn = real
        same_memory = fingerprint(store) == before
        store.close()
        with MemoryStore.open(directory / "atomic_try.db") as reopened:
            equal += same_memory and fingerprint(reopened) == before
    return _row("exception at every SQL step of one frame", acknowledged=0, stored=0,
                detail=f"{equal}/{total} steps left memory and file as before the frame")


# ------------------------------------------------------------------ the table

LIVE = {"lock": lock_held, "full_disk": full_disk, "kill9": kill_9, "clock_skew": clock_skew,
        "two_writers": two_writers}


def run_faults(live: bool = True, only: list[str] | None = None,
               on_scenario: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every chosen fault scenario, in order; `on_scenario(name)` after each (the command's progress bar)."""
    offline = {"damaged": damaged_records, "read_only": lambda d: [read_only_store(d)],
               "atomicity": lambda d: [frame_atomicity(d)]}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="memstack_faults_") as tmp:
        directory = Path(tmp)
        for name in fault_names(live, only):
            if name in offline:
                rows += offline[name](directory)
            else:
                rows.append(LIVE[name](directory, _env()))
            if on_scenario is not None:
                on_scenario(name)
    return rows


def fault_names(live: bool = True, only: list[str] | None = None) -> list[str]:
    """The scenarios `run_faults` runs, in its order."""
    names = ["damaged", "read_only", "atomicity", *(LIVE if live else ())]
    return [name for name in names if not only or name in only]


def table(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value).replace("|", "\\|")  # a refusal quoted in a detail must not split the row

    head = "| fault | acknowledged | stored | lost | tracebacks | resume (s) | exit | refusal lines | detail |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append("| " + " | ".join(cell(r[k]) for k in ("fault", "acknowledged", "stored", "lost", "tracebacks",
                                                             "resume_s", "exit", "refusal_lines", "detail")) + " |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    names = fault_names(live=not args.no_live, only=args.only)
    with progress_bar("bench faults", total=len(names), unit="fault", json_output=args.json) as bar:
        rows = run_faults(live=not args.no_live, only=args.only, on_scenario=lambda name: bar.advance(status=name))
    if args.json:
        print(json.dumps(rows))
    else:
        print(table(rows))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-live", action="store_true", help="only the faults without ROS (commands, atomicity)")
    parser.add_argument("--only", action="append",
                        choices=["damaged", "read_only", "atomicity", *LIVE], help="run only these (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

