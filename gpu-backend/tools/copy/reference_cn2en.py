#!/usr/bin/env python3
"""Record what cn2en's own network says, as a fixture the backend's tests compare with.

Decodes each sentence greedily twice: with a numpy re-implementation of the
wheel's PyTorch modules (nn.Embedding, nn.GRU, ReLU, Linear; torch's gate
order and equations) run on the weights of `model.pth` itself, and, when
onnxruntime is importable, with the converted ONNX files through
onnxruntime's Python API. The two must agree token for token; the numpy
tokens go to the fixture, so the Rust side is checked against the original
weights, not against its own conversion.

Usage: reference_cn2en.py <unzipped wheel>/cn2en <converted dir> <fixture.json>
"""
import json
import sys

import numpy as np

from load_pth import load_pth, load_lang

SENTENCES = ["湯姆不在床上。", "我喜欢这个。", "这是谁发明的？", "她很漂亮。", "我们明天见。", "我很累。"]
MAX_TOKENS = 50


def normalize(s):  # the wheel's model.normalize
    return "".join(c if c in "abcdefghijklmnopqrstuvwxyz'\" " else " " + c + " " for c in s.lower().strip()).strip()


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, converted, fixture = sys.argv[1:]
    ck = load_pth(f"{src}/model.pth")
    enc, dec = ck["encoder"], ck["decoder"]
    il, ol = load_lang(f"{src}/input_lang.pkl"), load_lang(f"{src}/output_lang.pkl")

    def ids(s):
        return [il.word2index[w] for w in normalize(s).split(" ") if w and w in il.word2index] + [1]

    sig = lambda x: 1 / (1 + np.exp(-x))

    def gru(sd, x, h):  # torch.nn.GRU, one layer, one step
        gi = sd["gru.weight_ih_l0"] @ x + sd["gru.bias_ih_l0"]
        gh = sd["gru.weight_hh_l0"] @ h + sd["gru.bias_hh_l0"]
        ir, iz, i_n = np.split(gi, 3)
        hr, hz, hn = np.split(gh, 3)
        r, z = sig(ir + hr), sig(iz + hz)
        return (1 - z) * np.tanh(i_n + r * hn) + z * h

    def reference(s):
        h = np.zeros(256, np.float32)
        for i in ids(s):
            h = gru(enc, enc["embedding.weight"][i], h)
        tok, out = 0, []
        for _ in range(MAX_TOKENS):
            h = gru(dec, np.maximum(dec["embedding.weight"][tok], 0), h)
            tok = int((dec["out.weight"] @ h + dec["out.bias"]).argmax())
            if tok == 1:
                break
            out.append(ol.index2word[tok])
        return out

    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    if ort is not None:
        e = ort.InferenceSession(f"{converted}/encoder.onnx")
        d = ort.InferenceSession(f"{converted}/decoder.onnx")

    def onnx(s):
        h = e.run(None, {"src_ids": np.array(ids(s), np.int64)})[0]
        tok, out = 0, []
        for _ in range(MAX_TOKENS):
            lp, h = d.run(None, {"token": np.array([tok], np.int64), "hidden": h})
            tok = int(lp.argmax())
            if tok == 1:
                break
            out.append(ol.index2word[tok])
        return out

    cases = []
    for s in SENTENCES:
        tokens = reference(s)
        if ort is not None and onnx(s) != tokens:
            raise SystemExit(f"{s}: onnxruntime {onnx(s)} != numpy {tokens}")
        print(s, "->", " ".join(tokens), "(onnxruntime agrees)" if ort else "")
        cases.append({"source": s, "src_ids": ids(s), "tokens": tokens})
    with open(fixture, "w") as f:
        json.dump({"model": "cn2en@0.0.118", "max_tokens": MAX_TOKENS, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
