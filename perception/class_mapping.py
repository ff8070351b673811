"""A detector's class names -> the memory's categories (COCO's "dining table" -> "table" ...).

Names not in the mapping are kept as themselves (spaces become underscores, lower case), so the
ontology's synonyms and unknown categories work as for any label.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from memory_stack.foundation.errors import BadInputError

# COCO's names, and the Darknet coco.names spellings of some of them (yolov3-tiny's file).
COCO_TO_ONTOLOGY: dict[str, str] = {
    "dining table": "table",
    "diningtable": "table",
    "pottedplant": "plant",
    "tvmonitor": "tv",
    "cell phone": "phone",
    "tv": "tv",
    "couch": "sofa",
    "potted plant": "plant",
    "refrigerator": "fridge",
    "cup": "mug",
    "wine glass": "glass",
    "teddy bear": "toy",
    "sports ball": "ball",
    "remote": "remote",
    "laptop": "laptop",
    "book": "book",
    "bottle": "bottle",
    "handbag": "bag",
    "hair drier": "hair_dryer",
}


def normalised(name: str) -> str:
    return "_".join(name.strip().lower().split())


class ClassMapping:
    """Maps raw detector class names onto ontology categories; unknown names pass through normalised."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        table = COCO_TO_ONTOLOGY if mapping is None else mapping
        self._table = {normalised(k): v for k, v in table.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> ClassMapping:
        """A YAML mapping `detector name: category` (replaces the COCO default)."""
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise BadInputError(f"{path}: class mapping: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                 for k, v in data.items()):
            raise BadInputError(f"{path}: class mapping: expected a mapping of detector name -> category name")
        return cls(data)

    def __call__(self, name: str) -> str:
        key = normalised(name)
        return self._table.get(key, key)
