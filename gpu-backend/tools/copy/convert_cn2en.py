"""Convert the cn2en wheel's PyTorch GRU seq2seq (model.pth + Lang pickles) to ONNX + JSON vocab, no torch needed."""
import sys, json, os, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
from load_pth import load_pth, load_lang
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
ck = load_pth(f'{src}/model.pth'); enc, dec = ck['encoder'], ck['decoder']
H = 256
def reorder(w):  # torch gates r,z,n -> onnx z,r,h
    r, z, n = np.split(w, 3, axis=0); return np.concatenate([z, r, n], 0)
def gru_inits(sd, p):
    W = reorder(sd['gru.weight_ih_l0'])[None]; R = reorder(sd['gru.weight_hh_l0'])[None]
    B = np.concatenate([reorder(sd['gru.bias_ih_l0']), reorder(sd['gru.bias_hh_l0'])])[None]
    return [nh.from_array(W.astype(np.float32), p+'W'), nh.from_array(R.astype(np.float32), p+'R'), nh.from_array(B.astype(np.float32), p+'B')]
def gru_node(x, h0, y, yh, p):
    return h.make_node('GRU', [x, p+'W', p+'R', p+'B', '', h0], [y, yh], hidden_size=H, linear_before_reset=1, name=p+'gru')
# encoder: src_ids [src_len] -> hidden [1,1,H]
ei = [nh.from_array(enc['embedding.weight'], 'enc_emb'), nh.from_array(np.array([-1, 1, H], np.int64), 'shape_s1h'),
      nh.from_array(np.zeros((1, 1, H), np.float32), 'h_init')] + gru_inits(enc, 'enc_')
en = [h.make_node('Gather', ['enc_emb', 'src_ids'], ['e'], axis=0), h.make_node('Reshape', ['e', 'shape_s1h'], ['x']),
      gru_node('x', 'h_init', 'y', 'hidden', 'enc_')]
eg = h.make_graph(en, 'cn2en_encoder', [h.make_tensor_value_info('src_ids', T.INT64, ['src_len'])],
                  [h.make_tensor_value_info('hidden', T.FLOAT, [1, 1, H])], ei)
# decoder: token [1] + hidden [1,1,H] -> logprobs [1,V], hidden_out [1,1,H]
di = [nh.from_array(dec['embedding.weight'], 'dec_emb'), nh.from_array(np.array([1, 1, H], np.int64), 'shape_11h'),
      nh.from_array(np.array([1, H], np.int64), 'shape_1h'), nh.from_array(dec['out.weight'], 'out_W'), nh.from_array(dec['out.bias'], 'out_b')] + gru_inits(dec, 'dec_')
dn = [h.make_node('Gather', ['dec_emb', 'token'], ['e'], axis=0), h.make_node('Reshape', ['e', 'shape_11h'], ['e3']), h.make_node('Relu', ['e3'], ['x']),
      gru_node('x', 'hidden', 'y', 'hidden_out', 'dec_'), h.make_node('Reshape', ['hidden_out', 'shape_1h'], ['y2']),
      h.make_node('Gemm', ['y2', 'out_W', 'out_b'], ['logits'], transB=1), h.make_node('LogSoftmax', ['logits'], ['logprobs'], axis=1)]
V = dec['out.weight'].shape[0]
dg = h.make_graph(dn, 'cn2en_decoder', [h.make_tensor_value_info('token', T.INT64, [1]), h.make_tensor_value_info('hidden', T.FLOAT, [1, 1, H])],
                  [h.make_tensor_value_info('logprobs', T.FLOAT, [1, V]), h.make_tensor_value_info('hidden_out', T.FLOAT, [1, 1, H])], di)
for g, name in [(eg, 'encoder.onnx'), (dg, 'decoder.onnx')]:
    m = h.make_model(g, opset_imports=[h.make_opsetid('', 17)], producer_name='meridian-convert-cn2en'); m.ir_version = 8
    onnx.checker.check_model(m); onnx.save(m, f'{out}/{name}')
il, ol = load_lang(f'{src}/input_lang.pkl'), load_lang(f'{src}/output_lang.pkl')
json.dump({'sos': 0, 'eos': 1, 'hidden_size': H, 'src_vocab': il.word2index, 'tgt_vocab': {int(k): v for k, v in ol.index2word.items()}},
          open(f'{out}/vocab.json', 'w'), ensure_ascii=False)
print('ok', os.listdir(out))
