import zipfile, pickle, numpy as np, collections, sys
DT = {'FloatStorage': np.float32, 'LongStorage': np.int64, 'HalfStorage': np.float16, 'DoubleStorage': np.float64, 'IntStorage': np.int32}
class Storage:
    def __init__(s, dt): s.dt = dt
def load_pth(path):
    z = zipfile.ZipFile(path)
    names = z.namelist()
    prefix = names[0].split('/')[0]
    def rebuild(storage, offset, size, stride, *a):
        dt, key = storage
        buf = np.frombuffer(z.read(f'{prefix}/data/{key}'), dtype=dt)
        n = int(np.prod(size)) if size else 1
        arr = np.lib.stride_tricks.as_strided(buf[offset:], shape=size, strides=[s*buf.itemsize for s in stride])
        return np.array(arr)
    class U(pickle.Unpickler):
        def find_class(self, mod, name):
            if mod == 'torch._utils' and name == '_rebuild_tensor_v2': return rebuild
            if mod == 'torch' and name in DT: return DT[name]
            if mod == 'collections' and name == 'OrderedDict': return collections.OrderedDict
            raise pickle.UnpicklingError(f'refusing {mod}.{name}')
        def persistent_load(self, pid):
            typ, stype, key, loc, numel = pid
            return (stype, key)
    return U(z.open(f'{prefix}/data.pkl')).load()
class Lang: pass
def load_lang(path):
    class U(pickle.Unpickler):
        def find_class(self, mod, name):
            if name == 'Lang': return Lang
            raise pickle.UnpicklingError(f'refusing {mod}.{name}')
    return U(open(path, 'rb')).load()
if __name__ == '__main__':
    ck = load_pth(sys.argv[1])
    for part, sd in ck.items():
        if not isinstance(sd, dict): print(part, sd); continue
        print(part)
        for k, v in sd.items(): print('  ', k, v.shape, v.dtype)
    for f in sys.argv[2:]:
        l = load_lang(f); print(f, l.n_words, list(l.word2index.items())[:15])
