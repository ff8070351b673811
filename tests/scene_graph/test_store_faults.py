"""The store's edges: one writer per memory, read-only stores, damaged records, schema versions, a full disk."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from memory_stack.foundation.errors import BadInputError
from scene_graph.persistence import SCHEMA_VERSION, StoreFault
from scene_graph.store import MemoryStore
from scene_graph.writer_lock import WriterLockHeld, holder_pid

from .conftest import FLOOR_PLAN, BoxWorld

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(tmp_path) -> Path:
    path = tmp_path / "memory.db"
    world = BoxWorld()
    with MemoryStore.open(path, FLOOR_PLAN) as store:
        store.begin_episode("patrol", "p1", 0.0)
        world.look(store, "counter", "table", times=2)
        store.add_fact("mug_1", "belongs_to", "alice", recorded_at=10.0)
    return path


def _one_line(exc: BaseException, path: Path) -> str:
    text = str(exc)
    assert "\n" not in text and str(path) in text, text
    return text


# ---------------------------------------------------------------- one writer per memory

def test_a_second_writer_is_refused_naming_the_holder_and_readers_still_read(stored):
    with MemoryStore.open(stored) as writer:
        assert holder_pid(stored) == os.getpid()
        with pytest.raises(WriterLockHeld) as info:
            MemoryStore.open(stored)
        assert f"PID {os.getpid()}" in _one_line(info.value, stored)
        with MemoryStore.open(stored, read_only=True) as reader:  # never blocked by the writer
            assert len(reader.objects()) == len(writer.objects())
    with MemoryStore.open(stored) as again:  # released on close
        assert again.objects()


def test_the_lock_of_a_writer_killed_with_9_is_gone_with_it(stored):
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from scene_graph.store import MemoryStore
        store = MemoryStore.open({str(stored)!r})
        print("open", flush=True)
        time.sleep(60)
    """)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(WriterLockHeld, match=f"PID {child.pid}"):
            MemoryStore.open(stored)
    finally:
        child.kill()
        child.wait()
    with MemoryStore.open(stored) as store:
        assert store.objects()


# ---------------------------------------------------------------- a lock held by another connection

def test_a_frame_refused_at_begin_by_a_lock_keeps_the_memory_without_reloading_it(stored):
    """A lock at BEGIN changed nothing: no reload (live ingestion retries every 50-250 ms while it lasts)."""
    world = BoxWorld()
    with MemoryStore.open(stored) as store:
        world.time = store.last_time
        frame = world.frame("table")
        store.file.set_busy_timeout(0)
        tracks = dict(store.tracks)
        holder = sqlite3.connect(stored, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreFault) as info:
                store.ingest(frame)
            assert info.value.kind == "locked" and info.value.before_write and info.value.transient
            assert all(store.tracks[oid] is track for oid, track in tracks.items())  # the same objects: no reload
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        frames = store.frames_stored
        store.ingest(frame)  # the lock gone, the same frame goes in
        assert store.frames_stored == frames + 1


def test_a_frame_offered_to_a_closed_store_is_refused_in_one_line_naming_it(stored):
    world = BoxWorld()
    store = MemoryStore.open(stored)
    world.time = store.last_time
    store.close()
    with pytest.raises(BadInputError) as info:
        store.ingest(world.frame("table"))
    assert not isinstance(info.value, StoreFault)
    assert _one_line(info.value, stored).endswith(f"the memory store {stored} is closed")


# ---------------------------------------------------------------- read-only stores

# Run as an unprivileged user: root ignores file modes (os.access and SQLite would let it write), so as root
# the child drops to `nobody` (the interpreter lives where nobody may not read, so every module the checks use
# is imported, and the checks run once on a writable copy, before the drop).
READ_ONLY_CHILD = """
import json, os, shutil, sys
from scene_graph.persistence import StoreFault
from scene_graph.store import MemoryStore

def check(path):
    seen = {}
    with MemoryStore.open(path, read_only=True) as store:
        seen["objects"] = len(store.objects())
        try:
            store.add_fact("x", "y", "z")
            seen["reader_write"] = "written"
        except StoreFault as exc:
            seen["reader_write"] = str(exc)
    try:
        MemoryStore.open(path).close()
        seen["writer"] = "opened"
    except StoreFault as exc:
        seen["writer"] = str(exc)
    return seen

stored, warm = sys.argv[1], sys.argv[2]
if os.geteuid() == 0:
    shutil.copy(stored, warm)
    check(warm)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
print(json.dumps({"euid": os.geteuid(), **check(stored)}))
"""


def test_a_read_only_store_in_a_read_only_directory_is_read(stored, tmp_path):
    directory = Path(tempfile.mkdtemp(prefix="memstack_ro_"))  # /tmp: reachable by nobody, unlike tmp_path
    path = directory / "memory.db"
    try:
        path.write_bytes(stored.read_bytes())
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        done = subprocess.run([sys.executable, "-c", READ_ONLY_CHILD, str(path), str(tmp_path / "warm.db")],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        seen = json.loads(done.stdout)
        assert seen["euid"] != 0 and seen["objects"] > 0
        assert "opened read-only" in seen["reader_write"]
        assert "read-only" in seen["writer"] and "\n" not in seen["writer"] and str(path) in seen["writer"]
        assert path.read_bytes() == stored.read_bytes() and sorted(p.name for p in directory.iterdir()) == ["memory.db"]
    finally:
        directory.chmod(stat.S_IRWXU)
        shutil.rmtree(directory)


def test_reading_opens_mode_ro_and_never_writes_or_creates(stored, tmp_path):
    before = stored.read_bytes()
    with MemoryStore.open(stored, FLOOR_PLAN, read_only=True) as store:
        assert store.floor_plan == FLOOR_PLAN
        with pytest.raises(StoreFault, match="read-only"):
            store.begin_episode("patrol", "p2", 100.0)
        objects = len(store.objects())
    assert stored.read_bytes() == before and objects
    for missing in (tmp_path / "none.db", tmp_path / "empty.db"):
        if missing.name == "empty.db":
            missing.touch()
        with pytest.raises(BadInputError, match="reading never creates one"):
            MemoryStore.open(missing, read_only=True)
        assert not missing.exists() or missing.stat().st_size == 0


# ---------------------------------------------------------------- damaged records

DAMAGE = {
    "meta floor_plan": "UPDATE meta SET value='{rooms: [' WHERE key='floor_plan'",
    "meta last_frame_id": "UPDATE meta SET value='seven' WHERE key='last_frame_id'",
    "meta last_time": "UPDATE meta SET value='soon' WHERE key='last_time'",
    "objects": "UPDATE objects SET votes='{not json' WHERE rowid=(SELECT MIN(rowid) FROM objects)",
    "objects embedding": "UPDATE objects SET embedding=x'0000803f0000' WHERE rowid=(SELECT MIN(rowid) FROM objects)",
    "intervals": "UPDATE intervals SET start='yesterday' WHERE id=(SELECT MIN(id) FROM intervals)",
    "locations": "UPDATE locations SET time='noon' WHERE id=(SELECT MIN(id) FROM locations)",
    "states": "INSERT INTO states(object_id, time, state) VALUES ('fridge_9', 'x', 'open')",
    "events": "UPDATE events SET frame_ids='[1, 2' WHERE id=(SELECT MIN(id) FROM events)",
    "episodes": "UPDATE episodes SET summary='nothing' WHERE id=(SELECT MIN(id) FROM episodes)",
    "facts": "UPDATE facts SET confidence='sure' WHERE id=(SELECT MIN(id) FROM facts)",
    "observed": "UPDATE observed SET end='later' WHERE id=(SELECT MIN(id) FROM observed)",
    "trajectory": "UPDATE trajectory SET x='left' WHERE id=(SELECT MIN(id) FROM trajectory)",
}


@pytest.mark.parametrize("record", DAMAGE)
def test_a_damaged_record_in_each_table_is_one_line_naming_file_and_record(stored, record):
    conn = sqlite3.connect(stored)
    if record == "objects embedding":  # a second object with a full embedding sets the expected length
        conn.execute("UPDATE objects SET embedding=? WHERE rowid=(SELECT MAX(rowid) FROM objects)",
                     (b"\x00" * 1536,))
        conn.execute("UPDATE objects SET embedding=? WHERE rowid=(SELECT MAX(rowid) - 1 FROM objects)",
                     (b"\x00" * 1536,))
    changed = conn.execute(DAMAGE[record]).rowcount
    conn.commit()
    conn.close()
    assert changed == 1
    data = stored.read_bytes()
    table = record.split()[0]
    for read_only in (False, True):
        with pytest.raises(BadInputError) as info:
            MemoryStore.open(stored, read_only=read_only)
        text = _one_line(info.value, stored)
        assert f"damaged record {table}" in text
        if " " in record:
            assert record.split()[1] in text
    assert stored.read_bytes() == data


# ---------------------------------------------------------------- schema versions

def test_an_older_store_is_migrated_and_a_newer_one_refused(stored):
    conn = sqlite3.connect(stored)  # a version 1 store: events without provenance and discovery
    conn.execute("CREATE TABLE events_v1 AS SELECT id, kind, object_id, category, time, x, y, z, room, from_place, "
                 "to_place, old_state, new_state, frame_ids FROM events")
    conn.execute("DROP TABLE events")
    conn.execute("ALTER TABLE events_v1 RENAME TO events")
    conn.execute("PRAGMA user_version=1")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(BadInputError, match=f"schema version 1 must be migrated to version {SCHEMA_VERSION}"):
        MemoryStore.open(stored, read_only=True)
    with MemoryStore.open(stored) as store:
        assert store.events() and all(e.provenance == "perception" for e in store.events())
    conn = sqlite3.connect(stored)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    for read_only in (False, True):
        with pytest.raises(BadInputError) as info:
            MemoryStore.open(stored, read_only=read_only)
        assert f"schema version {SCHEMA_VERSION + 1} is newer than version {SCHEMA_VERSION}" in \
            _one_line(info.value, stored)


# ---------------------------------------------------------------- a full disk

FULL_DISK_CHILD = textwrap.dedent("""
    import resource, sys
    from scene_graph.persistence import StoreFault
    from scene_graph.store import MemoryStore
    from tests.scene_graph.conftest import FLOOR_PLAN, BoxWorld
    store = MemoryStore.open(sys.argv[1])
    before = (store.last_frame_id, len(store.tracks), len(store.events()))
    size = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), size[1]))
    world = BoxWorld()
    world.time = store.last_time
    world.frame_ids = iter(range(store.last_frame_id + 1, 10**6))
    world.boxes["mug"].centre = (8.3, 2.6, 0.8)
    stored = 0
    try:
        for _ in range(400):
            world.boxes["keys"].centre = (7.6 + 0.1 * (stored % 7), 2.5, 0.77)
            store.ingest(world.frame("table"))
            stored += 1
    except StoreFault as exc:
        after = (store.last_frame_id, len(store.tracks), len(store.events()))
        print("FAULT", exc.kind, stored, after[0], str(exc), sep="|")
        sys.exit(0)
    print("NOFAULT", stored)
""")


def test_a_full_disk_is_reported_as_such_and_memory_reloads_what_the_file_holds(stored):
    limit = stored.stat().st_size + (os.path.getsize(str(stored) + "-wal") if Path(str(stored) + "-wal").exists()
                                     else 0) + 16 * 1024
    out = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, str(stored), str(limit)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("FAULT|"), line
    _, kind, acknowledged, last_in_memory, message = line.split("|")
    assert kind in ("io", "full") and ("disk" in message and "file size limit" in message)
    assert "\n" not in message and str(stored) in message
    with MemoryStore.open(stored) as store:  # every acknowledged frame is in the file, nothing of the failed one
        assert store.last_frame_id == int(last_in_memory)
        world_first = int(last_in_memory) - int(acknowledged)
        assert world_first >= 0


# ---------------------------------------------------------------- what kind of fault SQLite reported

def _error_of(action) -> sqlite3.Error:
    try:
        action()
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("SQLite raised nothing")


def test_real_sqlite_errors_are_told_apart_by_their_code(tmp_path):
    """Decides retry (locked, full, read-only, io) against refusal (damaged) in live ingestion."""
    from scene_graph.persistence import fault_kind

    path = tmp_path / "kinds.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    assert fault_kind(_error_of(lambda: other.execute("BEGIN IMMEDIATE"))) == "locked"
    holder.execute("ROLLBACK")
    other.close()

    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert fault_kind(_error_of(lambda: reader.execute("INSERT INTO t VALUES (1)"))) == "read-only"
    reader.close()

    holder.execute("PRAGMA max_page_count = 2")
    big = "x" * 100_000
    assert fault_kind(_error_of(lambda: holder.execute("INSERT INTO t VALUES (?)", (big,)))) == "full"
    holder.close()

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 200)
    assert fault_kind(_error_of(lambda: sqlite3.connect(junk).execute("SELECT * FROM t"))) == "damaged"
    assert fault_kind(_error_of(lambda: sqlite3.connect(tmp_path / "no" / "such.db"))) == "cannot open"


@pytest.mark.parametrize("message, kind", [
    ("database is locked", "locked"), ("database table is locked", "locked"), ("Database Busy", "locked"),
    ("database or disk is full", "full"), ("attempt to write a readonly database", "read-only"),
    ("disk I/O error", "io"), ("database disk image is malformed", "damaged"),
    ("file is not a database", "damaged"), ("no such table: objects", "error"), ("", "error")])
def test_errors_without_a_code_are_told_apart_by_their_message(message, kind):
    """sqlite3 raises some errors itself, with no SQLite code: the message is all there is."""
    from scene_graph.persistence import fault_kind

    assert fault_kind(sqlite3.OperationalError(message)) == kind


def test_a_fault_message_names_the_store_what_was_being_done_and_the_cause():
    from scene_graph.persistence import store_fault

    fault = store_fault(sqlite3.OperationalError("database or disk is full"), "/m/memory.db", "writing frame 7",
                        before_write=True)
    assert (fault.kind, fault.before_write, fault.transient) == ("full", True, True)
    assert str(fault) == ("/m/memory.db: the disk is full (or a file size limit was reached) while writing frame 7 "
                          "(database or disk is full)")
    damaged = store_fault(sqlite3.DatabaseError("file is not a database"), "m.db", "loading")
    assert (damaged.kind, damaged.before_write, damaged.transient) == ("damaged", False, False)
