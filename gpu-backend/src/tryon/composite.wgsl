// Try-on compositing: the same per-pixel function as `composite.rs`
// (`shade`), over the region of the frame the layers cover.

struct Params {
    region: vec4<u32>, // x, y, w, h in frame pixels
    counts: vec4<u32>, // layers, _, _, _
}

struct Layer {
    m0: vec4<f32>,
    m1: vec4<f32>,
    bounds: vec4<f32>,
    colour: vec4<f32>,
    light: vec4<f32>,
    ints: vec4<u32>,
    poly: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> atlas: array<u32>;
@group(0) @binding(2) var<storage, read> layers: array<Layer>;
@group(0) @binding(3) var<storage, read> points: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> pixels: array<u32>;

fn unpack(p: u32) -> vec4<f32> {
    return vec4<f32>(f32(p & 255u), f32((p >> 8u) & 255u), f32((p >> 16u) & 255u), f32(p >> 24u)) / 255.0;
}

fn pack(c: vec4<f32>) -> u32 {
    let q = vec4<u32>(floor(clamp(c, vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0 + 0.5));
    return q.x | (q.y << 8u) | (q.z << 16u) | (q.w << 24u);
}

fn luma(c: vec4<f32>) -> f32 {
    return 0.299 * c.x + 0.587 * c.y + 0.114 * c.z;
}

fn texel(l: Layer, x: i32, y: i32) -> vec4<f32> {
    let w = i32(l.ints.z);
    let h = i32(l.ints.w);
    if x < 0 || y < 0 || x >= w || y >= h {
        return vec4<f32>(0.0);
    }
    let c = unpack(atlas[u32(i32(l.ints.y) + y * w + x)]);
    return vec4<f32>(c.xyz * c.w, c.w);
}

fn polygon_distance(offset: u32, len: u32, p: vec2<f32>) -> f32 {
    let d0 = p - points[offset];
    var d = dot(d0, d0);
    var s = 1.0;
    var j = len - 1u;
    for (var i = 0u; i < len; i++) {
        let vi = points[offset + i];
        let vj = points[offset + j];
        let e = vj - vi;
        let w = p - vi;
        let t = clamp(dot(w, e) / max(dot(e, e), 1e-12), 0.0, 1.0);
        let b = w - e * t;
        d = min(d, dot(b, b));
        let c0 = p.y >= vi.y;
        let c1 = p.y < vj.y;
        let c2 = e.x * w.y > e.y * w.x;
        if (c0 && c1 && c2) || (!c0 && !c1 && !c2) {
            s = -s;
        }
        j = i;
    }
    return -s * sqrt(d);
}

fn shade(l: Layer, p: vec2<f32>, dst: vec4<f32>) -> vec4<f32> {
    let opacity = l.m1.z;
    let lighting = l.m1.w;
    if l.ints.x == 0u {
        let u = l.m0.x * p.x + l.m0.y * p.y + l.m0.z - 0.5;
        let v = l.m0.w * p.x + l.m1.x * p.y + l.m1.y - 0.5;
        let fu = floor(u);
        let fv = floor(v);
        let tu = u - fu;
        let tv = v - fv;
        let iu = i32(fu);
        let iv = i32(fv);
        let s = mix(mix(texel(l, iu, iv), texel(l, iu + 1, iv), tu),
                    mix(texel(l, iu, iv + 1), texel(l, iu + 1, iv + 1), tu), tv);
        let lit = l.light.x + l.light.y * p.x + l.light.z * p.y;
        let gain = mix(1.0, clamp(lit / l.light.w, 0.5, 1.5), lighting);
        let alpha = s.w * opacity;
        return vec4<f32>(s.xyz * gain * opacity + dst.xyz * (1.0 - alpha), dst.w);
    }
    let f = l.colour.w;
    var m = smoothstep(-f, f, polygon_distance(l.poly.x, l.poly.y, p));
    if l.poly.w > 0u {
        m *= 1.0 - smoothstep(-f, f, polygon_distance(l.poly.z, l.poly.w, p));
    }
    let gain = mix(1.0, clamp(luma(dst) / l.light.w, 0.3, 1.7), lighting);
    let t = m * opacity;
    return vec4<f32>(mix(dst.xyz, min(l.colour.xyz * gain, vec3<f32>(1.0)), t), dst.w);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let r = params.region;
    if id.x >= r.z || id.y >= r.w {
        return;
    }
    let x = r.x + id.x;
    let y = r.y + id.y;
    let p = vec2<f32>(f32(x) + 0.5, f32(y) + 0.5);
    let i = id.y * r.z + id.x;
    var c = unpack(pixels[i]);
    var touched = false;
    for (var k = 0u; k < params.counts.x; k++) {
        let l = layers[k];
        if p.x < l.bounds.x || p.y < l.bounds.y || p.x >= l.bounds.z || p.y >= l.bounds.w {
            continue;
        }
        c = shade(l, p, c);
        touched = true;
    }
    if touched {
        pixels[i] = pack(vec4<f32>(c.xyz, 1.0));
    }
}
