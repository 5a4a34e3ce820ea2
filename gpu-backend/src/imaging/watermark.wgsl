// The invisible watermark (see watermark.rs for the scheme). Three passes
// over one bind group: mean luma per canonical cell, the per-block change
// in the DCT domain, and the bilinear add to every pixel. The arithmetic
// and its order match the CPU path.

struct Params {
    width: u32,
    height: u32,
    margin: f32,
    max_push: f32,
    gain: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const CANVAS: u32 = 256u;
const GRID: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
// DCT-II basis: frequency 1 at [0..8], frequency 2 at [8..16].
@group(0) @binding(1) var<storage, read> basis: array<f32, 16>;
@group(0) @binding(2) var<storage, read> bits: array<u32>;
@group(0) @binding(3) var<storage, read_write> pixels: array<u32>;
@group(0) @binding(4) var<storage, read_write> canvas: array<f32>;
@group(0) @binding(5) var<storage, read_write> deltas: array<f32>;

fn luma(p: u32) -> f32 {
    return 0.299 * f32(p & 255u) + 0.587 * f32((p >> 8u) & 255u) + 0.114 * f32((p >> 16u) & 255u);
}

// The pixels [x, y) of `len` that canvas cell `c` averages.
fn span(c: u32, len: u32) -> vec2<u32> {
    let a = c * len / CANVAS;
    let b = min(max((c + 1u) * len / CANVAS, a + 1u), len);
    return vec2<u32>(min(a, len - 1u), b);
}

@compute @workgroup_size(8, 8)
fn canvas_means(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= CANVAS || id.y >= CANVAS {
        return;
    }
    let sx = span(id.x, params.width);
    let sy = span(id.y, params.height);
    var sum = 0.0;
    for (var y = sy.x; y < sy.y; y++) {
        for (var x = sx.x; x < sx.y; x++) {
            sum += luma(pixels[y * params.width + x]);
        }
    }
    canvas[id.y * CANVAS + id.x] = sum / f32((sy.y - sy.x) * (sx.y - sx.x));
}

fn pattern(x: u32, y: u32) -> f32 {
    return basis[x] * basis[8u + y] - basis[8u + x] * basis[y];
}

@compute @workgroup_size(64)
fn block_deltas(@builtin(global_invocation_id) id: vec3<u32>) {
    let b = id.x;
    if b >= GRID * GRID {
        return;
    }
    let bx = b % GRID * 8u;
    let by = b / GRID * 8u;
    var d = 0.0;
    for (var y = 0u; y < 8u; y++) {
        for (var x = 0u; x < 8u; x++) {
            d += canvas[(by + y) * CANVAS + bx + x] * pattern(x, y);
        }
    }
    var sign = -1.0;
    if bits[b] == 1u {
        sign = 1.0;
    }
    let need = params.margin - sign * d;
    var k = 0.0;
    if need > 0.0 {
        k = sign * min(need, params.max_push) * params.gain * 0.5;
    }
    for (var y = 0u; y < 8u; y++) {
        for (var x = 0u; x < 8u; x++) {
            deltas[(by + y) * CANVAS + bx + x] = k * pattern(x, y);
        }
    }
}

fn sample(u_in: f32, v_in: f32) -> f32 {
    let last = f32(CANVAS - 1u);
    let u = clamp(u_in, 0.0, last);
    let v = clamp(v_in, 0.0, last);
    let x0 = u32(floor(u));
    let y0 = u32(floor(v));
    let x1 = min(x0 + 1u, CANVAS - 1u);
    let y1 = min(y0 + 1u, CANVAS - 1u);
    let fx = u - f32(x0);
    let fy = v - f32(y0);
    let top = deltas[y0 * CANVAS + x0] * (1.0 - fx) + deltas[y0 * CANVAS + x1] * fx;
    let bottom = deltas[y1 * CANVAS + x0] * (1.0 - fx) + deltas[y1 * CANVAS + x1] * fx;
    return top * (1.0 - fy) + bottom * fy;
}

fn shift(p: u32, s: u32, d: f32) -> u32 {
    return u32(clamp(floor(f32((p >> s) & 255u) + d + 0.5), 0.0, 255.0)) << s;
}

@compute @workgroup_size(8, 8)
fn apply_deltas(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= params.width || id.y >= params.height {
        return;
    }
    let sx = f32(CANVAS) / f32(params.width);
    let sy = f32(CANVAS) / f32(params.height);
    let d = sample((f32(id.x) + 0.5) * sx - 0.5, (f32(id.y) + 0.5) * sy - 0.5);
    let i = id.y * params.width + id.x;
    let p = pixels[i];
    pixels[i] = shift(p, 0u, d) | shift(p, 8u, d) | shift(p, 16u, d) | (p & 0xFF000000u);
}
