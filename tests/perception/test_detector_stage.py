"""Detector backends, the class mapping, the keyframe rule and the pretrained yolov3-tiny on real frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from perception.class_mapping import ClassMapping
from perception.detector_stage import DetectorStage
from perception.detectors import DetectorConfig, TorchScriptDetector, make_detector
from perception.keyframes import KeyframeConfig, KeyframeRule
from scene_graph.types import CameraIntrinsics, Pose

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "rgbd"


def test_class_mapping_maps_coco_names_and_keeps_unknown_ones(tmp_path):
    mapping = ClassMapping()
    assert [mapping(n) for n in ("dining table", "cell phone", "tv", "couch", "pottedplant")] == [
        "table", "phone", "tv", "sofa", "plant"]
    assert mapping("Fire Hydrant") == "fire_hydrant"
    path = tmp_path / "map.yaml"
    path.write_text("bench: seat\n")
    assert ClassMapping.from_file(path)("bench") == "seat" and ClassMapping.from_file(path)("tv") == "tv"
    path.write_text("- not a mapping\n")
    with pytest.raises(BadInputError, match="map.yaml"):
        ClassMapping.from_file(path)


def test_keyframes_come_when_the_view_changes_and_not_otherwise():
    rule = KeyframeRule(KeyframeConfig(min_interval_s=0.1, max_interval_s=2.0, min_translation_m=0.2,
                                       min_rotation_rad=0.2, min_image_change=0.05))
    image = np.full((48, 64, 3), 100, dtype=np.uint8)
    still = Pose.from_xyz_yaw(0.0, 0.0, 1.0, 0.0)
    decisions = [rule.is_keyframe(t / 30.0, still, image) for t in range(30)]  # 1 s of a still camera
    assert decisions[0] and not any(decisions[1:])
    assert rule.is_keyframe(1.1, Pose.from_xyz_yaw(0.3, 0.0, 1.0, 0.0), image)  # moved 0.3 m
    assert not rule.is_keyframe(1.15, Pose.from_xyz_yaw(0.3, 0.0, 1.0, 0.0), image)  # too soon
    assert rule.is_keyframe(1.3, Pose.from_xyz_yaw(0.3, 0.0, 1.0, 0.3), image)  # turned
    brighter = image.copy()
    brighter[:, :32] = 250
    assert rule.is_keyframe(1.5, Pose.from_xyz_yaw(0.3, 0.0, 1.0, 0.3), brighter)  # the image changed
    assert rule.is_keyframe(3.6, Pose.from_xyz_yaw(0.3, 0.0, 1.0, 0.3), brighter)  # max interval


def _bright_region_model(path: Path) -> None:
    """A TorchScript detector: one box around the pixels brighter than 0.9, class 1, score 0.7."""
    import torch

    class BrightRegion(torch.nn.Module):
        def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
            bright = image[0].mean(dim=0) > 0.9
            rows = torch.nonzero(bright.any(dim=1)).flatten()
            cols = torch.nonzero(bright.any(dim=0)).flatten()
            box = torch.stack([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]).float().unsqueeze(0)
            return {"boxes": box, "scores": torch.tensor([0.7]), "labels": torch.tensor([1])}

    torch.jit.save(torch.jit.script(BrightRegion()), str(path))


def test_torchscript_backend_loads_a_model_from_a_path_and_maps_its_classes(tmp_path):
    _bright_region_model(tmp_path / "model.pt")
    (tmp_path / "names.txt").write_text("person\ndining table\n")
    config = DetectorConfig(backend="torchscript", model_path=str(tmp_path / "model.pt"),
                            names_path=str(tmp_path / "names.txt"))
    image = np.zeros((60, 80, 3), dtype=np.uint8)
    image[10:30, 40:70] = 255
    stage = DetectorStage(make_detector(config))
    frame = _frame(image)
    boxes = stage(frame).boxes
    assert [(b.label, b.score, b.xmin, b.ymin, b.xmax, b.ymax) for b in boxes] == [
        ("table", pytest.approx(0.7), 40.0, 10.0, 70.0, 30.0)]
    assert isinstance(make_detector(config), TorchScriptDetector)
    with pytest.raises(BadInputError, match="model_path"):
        make_detector(DetectorConfig(backend="torchscript", model_path=str(tmp_path / "none.pt"),
                                     names_path=str(tmp_path / "names.txt")))


def _frame(rgb: np.ndarray, time: float = 1.0):
    from perception.sensor_frame import SensorFrame

    h, w = rgb.shape[:2]
    return SensorFrame(frame_id=1, time=time, rgb=rgb, depth=np.ones((h, w), np.float32), instance_mask=None,
                       labels={}, intrinsics=CameraIntrinsics.from_hfov(w, h, 60.0), camera_pose=Pose(),
                       robot_pose=Pose())


@pytest.fixture(scope="module")
def yolo():
    pytest.importorskip("cv2", reason="the 'detector' extra (opencv-python-headless<5) is not installed")
    from perception.detector_weights import cached_files, fetch, yolov3_tiny_config

    try:
        files = cached_files() or fetch()
    except BadInputError as exc:
        pytest.skip(f"yolov3-tiny weights cannot be fetched here: {exc}")
    return make_detector(yolov3_tiny_config(files))


@pytest.mark.slow
def test_yolov3_tiny_finds_the_sofa_and_the_chair_of_the_real_office_frames(yolo):
    root = DATA / "3dmatch_office"
    if not root.is_dir():
        pytest.skip(f"real frames not found at {root} (../shared/data)")
    from perception.rgbd_datasets import read_3dmatch

    stage = DetectorStage(yolo)
    sofa = read_3dmatch(root, "seq-01", "frame-000116")
    boxes = stage(_frame(sofa.rgb)).boxes
    assert [b.label for b in boxes] == ["sofa"]
    assert 350 < boxes[0].xmin < 400 and 600 < boxes[0].xmax <= 640
    chair = read_3dmatch(root, "seq-01", "frame-000422")
    assert "chair" in [b.label for b in stage(_frame(chair.rgb)).boxes]
