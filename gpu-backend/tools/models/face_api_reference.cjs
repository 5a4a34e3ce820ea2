// Runs face-api's own networks (TF.js, pure-JS CPU backend) on raw inputs
// written by check_models.py, so the ONNX rebuilds can be compared with them.
//
// node face_api_reference.cjs <face-api package dir> <work dir>
// Reads <work dir>/inputs.json; writes <work dir>/reference.json.
const fs = require('fs');
const path = require('path');

async function main() {
  const [pkg, work] = process.argv.slice(2);
  const faceapi = require(path.join(path.resolve(pkg), 'dist/face-api.node-wasm.js'));
  const { tf } = faceapi;
  await tf.setBackend('cpu');
  await tf.ready();

  async function load(net, name) {
    const dir = path.join(pkg, 'model');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${name}-weights_manifest.json`)));
    const map = {};
    for (const group of manifest) {
      const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
      const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      Object.assign(map, tf.io.decodeWeights(buffer, group.weights));
    }
    net.loadFromWeightMap(map);
  }
  await load(faceapi.nets.tinyFaceDetector, 'tiny_face_detector_model');
  await load(faceapi.nets.faceLandmark68Net, 'face_landmark_68_model');

  const inputs = JSON.parse(fs.readFileSync(path.join(work, 'inputs.json')));
  const tensor = (e) => {
    const raw = fs.readFileSync(path.join(work, e.file));
    return tf.tensor3d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), e.shape);
  };
  const out = { tfjs: tf.version_core, faceapi: faceapi.version, raw: {}, pipeline: {} };
  for (const e of inputs.detector) {
    const t = tensor(e);
    const grid = faceapi.nets.tinyFaceDetector.forwardInput(await faceapi.toNetInput(t), e.shape[0]);
    out.raw[e.name] = Array.from(await grid.data()); // NHWC [1, cells, cells, 25]
  }
  for (const e of inputs.landmarks) {
    const t = tensor(e);
    const lm = faceapi.nets.faceLandmark68Net.runNet(await faceapi.toNetInput(t));
    out.raw[e.name] = Array.from(await lm.data());
  }
  // The library's whole pipeline on photos, as a reference for the backend.
  for (const e of inputs.photos) {
    const t = tf.cast(tensor(e), 'int32');
    const options = new faceapi.TinyFaceDetectorOptions({ inputSize: inputs.input_size, scoreThreshold: inputs.score_threshold });
    const faces = await faceapi.detectAllFaces(t, options).withFaceLandmarks();
    out.pipeline[e.name] = faces.map((f) => ({
      score: f.detection.score,
      box: [f.detection.box.x, f.detection.box.y, f.detection.box.width, f.detection.box.height],
      landmarks: f.landmarks.positions.map((p) => [p.x, p.y]),
    }));
  }
  fs.writeFileSync(path.join(work, 'reference.json'), JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
