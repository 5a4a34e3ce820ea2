// Two-pass separable resampling in linear light. The weights come from the
// CPU (kernel.rs), so both paths filter identically.

struct Params {
    src_w: u32,
    src_h: u32,
    dst_w: u32,
    dst_h: u32,
    taps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> lut: array<f32, 256>;
@group(0) @binding(4) var<storage, read> src: array<u32>;
@group(0) @binding(5) var<storage, read_write> mid: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dst: array<u32>;

fn to_linear_premultiplied(p: u32) -> vec4<f32> {
    let a = f32(p >> 24u) / 255.0;
    return vec4<f32>(lut[p & 255u] * a, lut[(p >> 8u) & 255u] * a, lut[(p >> 16u) & 255u] * a, a);
}

fn encode(l: f32) -> u32 {
    let c = clamp(l, 0.0, 1.0);
    var s: f32;
    if c <= 0.0031308 {
        s = 12.92 * c;
    } else {
        s = 1.055 * pow(c, 1.0 / 2.4) - 0.055;
    }
    return u32(round(s * 255.0));
}

// params: src = source image, dst_w = output width, dst_h unused.
@compute @workgroup_size(8, 8)
fn horizontal(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x;
    let y = id.y;
    if x >= params.dst_w || y >= params.src_h {
        return;
    }
    let start = starts[x];
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < params.taps; k++) {
        let sx = min(start + k, params.src_w - 1u);
        acc += weights[x * params.taps + k] * to_linear_premultiplied(src[y * params.src_w + sx]);
    }
    mid[y * params.dst_w + x] = acc;
}

// params: mid is dst_w x src_h; output dst_w x dst_h.
@compute @workgroup_size(8, 8)
fn vertical(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x;
    let y = id.y;
    if x >= params.dst_w || y >= params.dst_h {
        return;
    }
    let start = starts[y];
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < params.taps; k++) {
        let sy = min(start + k, params.src_h - 1u);
        acc += weights[y * params.taps + k] * mid[sy * params.dst_w + x];
    }
    let a = clamp(acc.a, 0.0, 1.0);
    var rgb = vec3<f32>(0.0);
    if acc.a > 0.0 {
        rgb = acc.rgb / acc.a;
    }
    dst[y * params.dst_w + x] = encode(rgb.r) | (encode(rgb.g) << 8u) | (encode(rgb.b) << 16u)
        | (u32(round(a * 255.0)) << 24u);
}
