#!/usr/bin/env python3
"""Compare the ONNX rebuilds with face-api's own TF.js networks.

Runs both on the same inputs (photographs, padded and resized as face-api
does, plus uniform noise), prints the largest absolute difference of the raw
outputs, and writes face-api's full pipeline results on the photographs
(boxes, 68 landmarks) as a JSON fixture the backend's tests compare with.

Usage: check_models.py <face-api package dir> <models dir> <fixture.json> PHOTO...
Needs node on PATH and face-api's runtime deps (@tensorflow/tfjs and
@tensorflow/tfjs-backend-wasm 4.22) resolvable from the package directory.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

INPUT_SIZE = 416
SCORE_THRESHOLD = 0.5


def square(img: np.ndarray, size: int, centre: bool) -> np.ndarray:
    """Pad to a square (centred or at the end) and resize: the raw check
    gives both sides the very same network-sized input, so how closely this
    follows face-api's own resize does not matter."""
    h, w, _ = img.shape
    side = max(h, w)
    out = np.zeros((side, side, 3), np.float32)
    y = (side - h) // 2 if centre else 0
    x = (side - w) // 2 if centre else 0
    out[y:y + h, x:x + w] = img
    return np.asarray(Image.fromarray(out.astype(np.uint8)).resize((size, size), Image.BILINEAR), np.float32)


def main():
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    pkg, models, fixture = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    photos = [Path(p) for p in sys.argv[4:]]
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        inputs = {"detector": [], "landmarks": [], "photos": [],
                  "input_size": INPUT_SIZE, "score_threshold": SCORE_THRESHOLD}
        arrays = {}

        def put(kind, name, arr):
            arr = np.ascontiguousarray(arr, np.float32)
            (work / f"{name}.f32").write_bytes(arr.tobytes())
            inputs[kind].append({"name": name, "file": f"{name}.f32", "shape": list(arr.shape)})
            arrays[name] = arr

        put("detector", "noise-416", rng.uniform(0, 255, (416, 416, 3)))
        put("landmarks", "noise-112", rng.uniform(0, 255, (112, 112, 3)))
        for p in photos:
            img = np.asarray(Image.open(p).convert("RGB"), np.float32)
            put("detector", f"{p.stem}-416", square(img, 416, False))
            put("detector", f"{p.stem}-320", square(img, 320, False))
            h, w, _ = img.shape
            crop = img[h // 8: h // 2, w // 4: 3 * w // 4]  # roughly the face, for the raw check
            put("landmarks", f"{p.stem}-112", square(crop, 112, True))
            put("photos", p.stem, img)
        (work / "inputs.json").write_text(json.dumps(inputs))
        here = Path(__file__).resolve().parent
        subprocess.run(["node", str(here / "face_api_reference.cjs"), str(pkg), str(work)], check=True)
        ref = json.loads((work / "reference.json").read_text())

    det = ort.InferenceSession(str(models / "tiny_face_detector.onnx"), providers=["CPUExecutionProvider"])
    lmk = ort.InferenceSession(str(models / "face_landmark_68.onnx"), providers=["CPUExecutionProvider"])
    worst = {}
    for e in inputs["detector"]:
        x = arrays[e["name"]].transpose(2, 0, 1)[None]
        (grid,) = det.run(None, {"image": x})
        ours = grid.transpose(0, 2, 3, 1).ravel()  # NCHW -> NHWC like tfjs
        theirs = np.asarray(ref["raw"][e["name"]], np.float32)
        d = float(np.abs(ours - theirs).max())
        worst["detector"] = max(worst.get("detector", 0), d)
        print(f"detector  {e['name']:>24}: max |onnx - tfjs| = {d:.2e} (output range {np.abs(theirs).max():.2f})")
    for e in inputs["landmarks"]:
        x = arrays[e["name"]].transpose(2, 0, 1)[None]
        (out,) = lmk.run(None, {"face": x})
        theirs = np.asarray(ref["raw"][e["name"]], np.float32)
        d = float(np.abs(out.ravel() - theirs).max())
        worst["landmarks"] = max(worst.get("landmarks", 0), d)
        print(f"landmarks {e['name']:>24}: max |onnx - tfjs| = {d:.2e} (relative coordinates)")
    fixture.parent.mkdir(parents=True, exist_ok=True)
    fixture.write_text(json.dumps({
        "generated_by": "gpu-backend/tools/models/check_models.py",
        "face_api": ref["faceapi"], "tfjs": ref["tfjs"],
        "input_size": INPUT_SIZE, "score_threshold": SCORE_THRESHOLD,
        "max_abs_diff": worst,
        "photos": ref["pipeline"],
    }, indent=1))
    print(f"worst: {worst}; face-api pipeline results written to {fixture}")
    if worst["detector"] > 1e-3 or worst["landmarks"] > 1e-4:
        raise SystemExit("the ONNX rebuild does not match face-api")


if __name__ == "__main__":
    main()
