"""Small deliberate bugs where mutmut cannot reach: the decorated transaction code.

mutmut leaves decorated functions alone, and the heart of the transaction is decorated:
`MemoryFile.transaction` (@contextmanager) and `MemoryStore.ingest` / `is_last_stored` (@_locked). Each
mutant below is one flipped comparison or dropped line there; it is applied to a copy of the sources, the
tests that cover the code run against the copy (`pytest -x`), and the mutant is killed when they fail.
`python scripts/hand_mutants.py [--list] [NAME ...]`: one line per mutant and the kill rate (`make mutation`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("scene_graph", "memory_node", "memory_stack", "perception", "bench", "tests", "pyproject.toml")
TESTS = ["tests/scene_graph/test_frame_atomicity.py", "tests/scene_graph/test_store_faults.py",
         "tests/scene_graph/test_persistence.py", "tests/memory_node/test_replay_resume.py",
         "--deselect", "tests/scene_graph/test_persistence.py::test_days_without_change_do_not_grow_the_store"]

# (name, file, the original text (unique in the file), the mutated text)
MUTANTS = [
    ("transaction: no rollback after a failure", "scene_graph/persistence.py",
     "            self._rollback()\n            if isinstance(exc, sqlite3.Error):",
     "            if isinstance(exc, sqlite3.Error):"),
    ("transaction: no COMMIT", "scene_graph/persistence.py",
     '            yield\n            self._c.execute("COMMIT")', "            yield"),
    ("transaction: a failed BEGIN said to have written", "scene_graph/persistence.py",
     "raise store_fault(exc, self.name, doing, before_write=True) from exc",
     "raise store_fault(exc, self.name, doing, before_write=False) from exc"),
    ("transaction: read-only store not refused", "scene_graph/persistence.py",
     "        if self.read_only:\n            raise StoreFault(f\"{self.name}: opened read-only, refusing {doing}\"",
     "        if False:\n            raise StoreFault(f\"{self.name}: opened read-only, refusing {doing}\""),
    ("transaction: SQLite error not turned into a StoreFault", "scene_graph/persistence.py",
     "            if isinstance(exc, sqlite3.Error):\n                raise store_fault(",
     "            if False:\n                raise store_fault("),
    ("ingest: time-order check flipped", "scene_graph/store.py",
     "if frame.time < self.last_time - 1e-6:", "if frame.time > self.last_time - 1e-6:"),
    ("ingest: last_frame_key not written to the file", "scene_graph/store.py",
     '            self.file.write_meta("last_frame_key", identity)\n', ""),
    ("ingest: frames_stored written one short", "scene_graph/store.py",
     'self.file.write_meta("frames_stored", str(self.frames_stored + 1))',
     'self.file.write_meta("frames_stored", str(self.frames_stored))'),
    ("ingest: last_frame_id not written to the file", "scene_graph/store.py",
     '            self.file.write_meta("last_frame_id", str(frame.frame_id))\n', ""),
    ("ingest: memory's last_frame_key not updated", "scene_graph/store.py",
     "        self.last_frame_key = identity\n", ""),
    ("ingest: memory's frames_stored not updated", "scene_graph/store.py", "        self.frames_stored += 1\n", ""),
    ("ingest: memory's last_time not updated", "scene_graph/store.py",
     "        self.last_time = max(self.last_time, float(frame.time))\n", ""),
    ("ingest: a closed store accepts a frame", "scene_graph/store.py",
     "        if self.file.closed:\n            raise BadInputError(f\"ingest:",
     "        if False:\n            raise BadInputError(f\"ingest:"),
    ("is_last_stored: stamp tolerance flipped", "scene_graph/frame_identity.py",
     "abs(float(frame.time) - last_time) <= 1e-6", "abs(float(frame.time) - last_time) > 1e-6"),
    ("is_last_stored: identity ignored", "scene_graph/frame_identity.py",
     "<= 1e-6 and frame_identity(frame) == last_key", "<= 1e-6"),
]


def run(name: str, path: str, old: str, new: str, work: Path) -> tuple[bool, float]:
    target = work / path
    original = target.read_text()
    assert original.count(old) == 1, f"{name}: the original text is not found once in {path}"
    target.write_text(original.replace(old, new))
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                               *TESTS], cwd=work, capture_output=True, text=True)
    finally:
        target.write_text(original)
    return done.returncode != 0, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("names", nargs="*", help="run only the mutants whose name contains one of these")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.names or any(n in m[0] for n in args.names)]
    if args.list:
        print("\n".join(name for name, *_ in chosen))
        return 0
    killed = 0
    with tempfile.TemporaryDirectory(prefix="memstack_hand_mutants_") as tmp:
        work = Path(tmp)
        for item in COPIED:
            source = ROOT / item
            if source.is_dir():
                shutil.copytree(source, work / item, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, work / item)
        for name, path, old, new in chosen:
            dead, seconds = run(name, path, old, new, work)
            killed += dead
            print(f"{'killed  ' if dead else 'SURVIVED'} {seconds:6.1f} s  {name}", flush=True)
    print(f"hand mutants: {killed}/{len(chosen)} killed ({killed / len(chosen):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
