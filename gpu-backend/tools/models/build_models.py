#!/usr/bin/env python3
"""Rebuild face-api's TF.js face detector and 68-point landmark net as ONNX.

Input: the `model/` folder of the npm package `@vladmandic/face-api` (MIT),
which ships each network as a weights manifest (JSON) plus uint8-quantised
shards. The graphs are written from the architecture in the same package's
`src/tinyYolov2/TinyYolov2Base.ts` (`runMobilenet`, TinyFaceDetector config)
and `src/faceFeatureExtractor/` + `src/faceProcessor/` (FaceLandmark68Net).

Weights stay uint8 in the ONNX file and are dequantised by Cast/Mul/Add
nodes on initialisers only, so onnxruntime folds them once at session
creation: the files stay about as small as the shards.

Layout: inputs are NCHW float32 RGB in 0..255, already padded to a square
and resized (the backend does that); normalisation is inside the graph.

Usage: build_models.py <face-api package dir> <output dir>
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Weights:
    """The tensors of one face-api manifest, still quantised."""

    def __init__(self, model_dir: Path, name: str):
        manifest = json.loads((model_dir / f"{name}-weights_manifest.json").read_text())
        self.tensors = {}
        for group in manifest:
            data = b"".join((model_dir / p).read_bytes() for p in group["paths"])
            offset = 0
            for spec in group["weights"]:
                q = spec.get("quantization")
                count = int(np.prod(spec["shape"])) if spec["shape"] else 1
                if q is None or q["dtype"] != "uint8" or "min" not in q:
                    raise SystemExit(f"{spec['name']}: unsupported encoding {q}")
                raw = np.frombuffer(data, np.uint8, count, offset)
                offset += count
                self.tensors[spec["name"]] = (raw.reshape(spec["shape"]), q["scale"], q["min"])
            if offset != len(data):
                raise SystemExit(f"{name}: {len(data) - offset} bytes left over in the shards")
        self.used = set()

    def take(self, name):
        self.used.add(name)
        return self.tensors[name]


class Graph:
    def __init__(self, weights: Weights):
        self.w = weights
        self.nodes = []
        self.inits = []
        self.n = 0

    def fresh(self, hint):
        self.n += 1
        return f"{hint}_{self.n}"

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, hint, **attrs):
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def weight(self, tf_name, perm=None):
        """A face-api tensor dequantised as tfjs does (q * scale + min),
        transposed from TF layout to ONNX layout."""
        q, scale, minimum = self.w.take(tf_name)
        if perm is not None:
            q = np.ascontiguousarray(q.transpose(perm))
        base = tf_name.replace("/", "_")
        raw = self.const(base + "_q", q)
        s = self.const(base + "_scale", np.array(scale, np.float32))
        m = self.const(base + "_min", np.array(minimum, np.float32))
        f = self.node("Cast", [raw], base + "_f", to=TensorProto.FLOAT)
        f = self.node("Mul", [f, s], base + "_s")
        return self.node("Add", [f, m], base)

    # TF filter [kh, kw, in, out] -> ONNX [out, in, kh, kw]
    def conv(self, x, prefix, stride=1, pad="VALID", filters="filters"):
        w = self.weight(f"{prefix}/{filters}", (3, 2, 0, 1))
        b = self.weight(f"{prefix}/bias")
        attrs = {"strides": [stride, stride]}
        if pad == "SAME":
            attrs["auto_pad"] = "SAME_UPPER"  # TF 'same': the extra row/col at the end
        return self.node("Conv", [x, w, b], prefix.replace("/", "_"), **attrs)

    def separable(self, x, prefix, channels, stride=1, pad="SAME"):
        # depthwise [kh, kw, C, 1] -> [C, 1, kh, kw], then pointwise 1x1 with bias
        dw = self.weight(f"{prefix}/depthwise_filter", (2, 3, 0, 1))
        attrs = {"strides": [stride, stride], "group": channels}
        if pad == "SAME":
            attrs["auto_pad"] = "SAME_UPPER"
        d = self.node("Conv", [x, dw], prefix.replace("/", "_") + "_dw", **attrs)
        pw = self.weight(f"{prefix}/pointwise_filter", (3, 2, 0, 1))
        b = self.weight(f"{prefix}/bias")
        return self.node("Conv", [d, pw, b], prefix.replace("/", "_") + "_pw")

    def normalise(self, x, mean_rgb):
        mean = self.const(self.fresh("mean"), np.array(mean_rgb, np.float32).reshape(1, 3, 1, 1))
        x = self.node("Sub", [x, mean], "centred")
        # tfjs divides by 255; Div (not Mul by 1/255) keeps the rounding identical.
        return self.node("Div", [x, self.const(self.fresh("c255"), np.array(255.0, np.float32))], "scaled")

    def model(self, inputs, outputs, name, doc):
        unused = set(self.w.tensors) - self.w.used
        if unused:
            raise SystemExit(f"{name}: weights not used by the graph: {sorted(unused)}")
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="meridian tools/models/build_models.py")
        m.ir_version = 8
        m.doc_string = doc
        onnx.checker.check_model(m, full_check=True)
        return m


def tiny_face_detector(model_dir: Path):
    """TinyFaceDetector: TinyYolov2 'mobilenet' variant, first layer a plain
    conv, 7 filter sizes (no conv6/conv7), 5 anchors x (4 box + 1 score)."""
    g = Graph(Weights(model_dir, "tiny_face_detector_model"))
    x = "image"
    x = g.normalise(x, [117.001, 114.697, 97.404])
    leaky = lambda t: g.node("LeakyRelu", [t], "leaky", alpha=0.10000000149011612)
    pool = lambda t, s: g.node("MaxPool", [t], "pool", kernel_shape=[2, 2], strides=[s, s], auto_pad="SAME_UPPER")
    x = leaky(g.conv(x, "conv0"))  # 'valid', no padding
    x = pool(x, 2)
    sizes = [16, 32, 64, 128, 256]
    for i, c in enumerate(sizes, start=1):
        # runMobilenet pads by one then convolves 'valid'
        x = g.node("Pad", [x, g.const(g.fresh("pads"), np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))], "pad")
        x = leaky(g.separable(x, f"conv{i}", c, pad="VALID"))
        x = pool(x, 2 if i < 5 else 1)
    out = g.conv(x, "conv8")
    g.nodes[-1].output[0] = "grid"
    return g.model(
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, "size", "size"])],
        [helper.make_tensor_value_info("grid", TensorProto.FLOAT, [1, 25, "cells", "cells"])],
        "tiny_face_detector",
        "face-api TinyFaceDetector. image: NCHW RGB 0..255, square, side a multiple of 32 "
        "(416 in face-api's default). grid: 5 anchors x (x, y, w, h, score) per cell, raw "
        "(sigmoid/exp applied by the caller).",
    )


def face_landmark_68(model_dir: Path):
    """FaceLandmark68Net: four dense blocks of separable convs, avg pool, FC."""
    g = Graph(Weights(model_dir, "face_landmark_68_model"))
    x = g.normalise("face", [122.782, 117.001, 104.298])
    channels = [32, 64, 128, 256]
    cin = 3
    for b, c in enumerate(channels):
        p = f"dense{b}"
        if b == 0:
            out1 = g.conv(x, f"{p}/conv0", stride=2, pad="SAME")
        else:
            out1 = g.separable(x, f"{p}/conv0", cin, stride=2)
        out1 = g.node("Relu", [out1], "relu")
        out2 = g.separable(out1, f"{p}/conv1", c)
        in3 = g.node("Relu", [g.node("Add", [out1, out2], "add")], "relu")
        out3 = g.separable(in3, f"{p}/conv2", c)
        in4 = g.node("Relu", [g.node("Add", [out1, g.node("Add", [out2, out3], "add")], "add")], "relu")
        out4 = g.separable(in4, f"{p}/conv3", c)
        s = g.node("Add", [out3, out4], "add")
        s = g.node("Add", [out2, s], "add")
        x = g.node("Relu", [g.node("Add", [out1, s], "add")], "relu")
        cin = c
    x = g.node("AveragePool", [x], "avg", kernel_shape=[7, 7], strides=[2, 2])
    x = g.node("Flatten", [x], "flat", axis=1)
    w = g.weight("fc/weights")  # [256, 136]: already (in, out) for MatMul
    b = g.weight("fc/bias")
    x = g.node("MatMul", [x, w], "fc")
    g.nodes.append(helper.make_node("Add", [x, b], ["landmarks"], name="landmarks"))
    return g.model(
        [helper.make_tensor_value_info("face", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, [1, 136])],
        "face_landmark_68",
        "face-api FaceLandmark68Net. face: NCHW RGB 0..255, the face box padded "
        "(centred) to a square and resized to 112x112. landmarks: x0, y0, x1, y1, ... "
        "relative to that square (0..1).",
    )


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    package = json.loads((src / "package.json").read_text())
    model_dir = src / "model"
    out.mkdir(parents=True, exist_ok=True)
    for name, build in [("tiny_face_detector", tiny_face_detector), ("face_landmark_68", face_landmark_68)]:
        m = build(model_dir)
        m.metadata_props.append(onnx.StringStringEntryProto(
            key="source", value=f"npm {package['name']}@{package['version']} ({package['license']})"))
        path = out / f"{name}.onnx"
        onnx.save(m, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path}\t{path.stat().st_size} bytes\tsha256 {digest}")


if __name__ == "__main__":
    main()
