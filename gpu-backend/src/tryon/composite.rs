//! Compositing layers onto a frame. The CPU path here and `composite.wgsl`
//! compute the same per-pixel function (kept line for line alike), so the
//! GPU path can be checked against this one.

use bytemuck::{Pod, Zeroable};

use super::frame::Frame;
use super::products::Overlay;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    Overlay = 0,
    Lips = 1,
}

/// One thing drawn on a frame, laid out as the shader's `Layer`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Layer {
    /// Frame -> overlay pixels: u = m0.x x + m0.y y + m0.z, v = m0.w x + m1.x y + m1.y;
    /// m1.z opacity, m1.w lighting strength.
    pub m0: [f32; 4],
    pub m1: [f32; 4],
    /// x0, y0, x1, y1 in frame pixels: nothing changes outside.
    pub bounds: [f32; 4],
    /// Lips: sRGB colour (0..1) and the feather width in pixels.
    pub colour: [f32; 4],
    /// Light on the face, L = a + b x + c y, and the reference luminance.
    pub light: [f32; 4],
    /// kind, overlay offset (texels), overlay width, height.
    pub ints: [u32; 4],
    /// Outer polygon offset, length; inner polygon offset, length.
    pub poly: [u32; 4],
}

impl Layer {
    pub fn new(kind: LayerKind) -> Layer {
        let mut l = Layer::zeroed();
        l.ints[0] = kind as u32;
        l
    }

    pub fn set_transform(&mut self, inv: [f32; 6], opacity: f32, lighting: f32) {
        self.m0 = [inv[0], inv[1], inv[2], inv[3]];
        self.m1 = [inv[4], inv[5], opacity, lighting];
    }

    /// Refers to catalog overlay `index`; [`Atlas`] turns it into an offset.
    pub fn overlay(&mut self, index: u32, width: u32, height: u32) {
        self.ints[1] = index;
        self.ints[2] = width;
        self.ints[3] = height;
    }

    pub fn polygons(&mut self, outer: u32, outer_len: u32, inner: u32, inner_len: u32) {
        self.poly = [outer, outer_len, inner, inner_len];
    }
}

/// Every catalog overlay in one texel array (packed RGBA8), as the GPU holds them.
pub struct Atlas {
    pub texels: Vec<u32>,
    pub offsets: Vec<u32>,
}

impl Atlas {
    pub fn new(overlays: &[Overlay]) -> Atlas {
        let mut texels = Vec::new();
        let mut offsets = Vec::new();
        for o in overlays {
            offsets.push(texels.len() as u32);
            texels.extend(
                o.rgba
                    .chunks_exact(4)
                    .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]])),
            );
        }
        Atlas { texels, offsets }
    }
}

/// What to draw on one frame: layers in order, polygon vertices, and the
/// region (x, y, w, h) that covers every layer, clipped to the frame.
pub struct Plan {
    pub layers: Vec<Layer>,
    pub points: Vec<[f32; 2]>,
    pub region: [u32; 4],
}

impl Plan {
    /// Resolves overlay indices to atlas offsets and bounds the region.
    pub fn new(
        mut layers: Vec<Layer>,
        points: Vec<[f32; 2]>,
        atlas: &Atlas,
        frame: &Frame,
    ) -> Plan {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for l in &mut layers {
            if l.ints[0] == LayerKind::Overlay as u32 {
                l.ints[1] = atlas.offsets[l.ints[1] as usize];
            }
            x0 = x0.min(l.bounds[0]);
            y0 = y0.min(l.bounds[1]);
            x1 = x1.max(l.bounds[2]);
            y1 = y1.max(l.bounds[3]);
        }
        let clip = |v: f32, max: u32| v.clamp(0.0, max as f32) as u32;
        let (rx0, ry0) = (
            clip(x0.floor(), frame.width),
            clip(y0.floor(), frame.height),
        );
        let (rx1, ry1) = (clip(x1.ceil(), frame.width), clip(y1.ceil(), frame.height));
        let region = if layers.is_empty() || rx1 <= rx0 || ry1 <= ry0 {
            [0, 0, 0, 0]
        } else {
            [rx0, ry0, rx1 - rx0, ry1 - ry0]
        };
        Plan {
            layers,
            points,
            region,
        }
    }
}

fn unpack(p: u32) -> [f32; 4] {
    let b = p.to_le_bytes();
    [b[0], b[1], b[2], b[3]].map(|v| f32::from(v) / 255.0)
}

fn pack(c: [f32; 4]) -> u32 {
    let q = c.map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5).floor() as u8);
    u32::from_le_bytes(q)
}

fn luma(c: [f32; 4]) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mix(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// Premultiplied texel, transparent outside the overlay (soft 1-px edges).
fn texel(atlas: &[u32], l: &Layer, x: i32, y: i32) -> [f32; 4] {
    let (w, h) = (l.ints[2] as i32, l.ints[3] as i32);
    if x < 0 || y < 0 || x >= w || y >= h {
        return [0.0; 4];
    }
    let c = unpack(atlas[(l.ints[1] as i32 + y * w + x) as usize]);
    [c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]]
}

/// Signed distance to a polygon, positive inside (after Inigo Quilez).
fn polygon_distance(points: &[[f32; 2]], offset: u32, len: u32, p: [f32; 2]) -> f32 {
    let v = |i: u32| points[(offset + i) as usize];
    let d0 = [p[0] - v(0)[0], p[1] - v(0)[1]];
    let mut d = d0[0] * d0[0] + d0[1] * d0[1];
    let mut s = 1.0f32;
    let mut j = len - 1;
    for i in 0..len {
        let (vi, vj) = (v(i), v(j));
        let e = [vj[0] - vi[0], vj[1] - vi[1]];
        let w = [p[0] - vi[0], p[1] - vi[1]];
        let t =
            ((w[0] * e[0] + w[1] * e[1]) / (e[0] * e[0] + e[1] * e[1]).max(1e-12)).clamp(0.0, 1.0);
        let b = [w[0] - e[0] * t, w[1] - e[1] * t];
        d = d.min(b[0] * b[0] + b[1] * b[1]);
        let c0 = p[1] >= vi[1];
        let c1 = p[1] < vj[1];
        let c2 = e[0] * w[1] > e[1] * w[0];
        if (c0 && c1 && c2) || (!c0 && !c1 && !c2) {
            s = -s;
        }
        j = i;
    }
    -s * d.sqrt()
}

/// One layer at one pixel: the per-pixel function both paths share.
pub fn shade(
    atlas: &[u32],
    points: &[[f32; 2]],
    l: &Layer,
    x: u32,
    y: u32,
    dst: [f32; 4],
) -> [f32; 4] {
    let p = [x as f32 + 0.5, y as f32 + 0.5];
    if p[0] < l.bounds[0] || p[1] < l.bounds[1] || p[0] >= l.bounds[2] || p[1] >= l.bounds[3] {
        return dst;
    }
    let opacity = l.m1[2];
    let lighting = l.m1[3];
    if l.ints[0] == LayerKind::Overlay as u32 {
        let u = l.m0[0] * p[0] + l.m0[1] * p[1] + l.m0[2] - 0.5;
        let v = l.m0[3] * p[0] + l.m1[0] * p[1] + l.m1[1] - 0.5;
        let (fu, fv) = (u.floor(), v.floor());
        let (tu, tv) = (u - fu, v - fv);
        let (iu, iv) = (fu as i32, fv as i32);
        let a = texel(atlas, l, iu, iv);
        let b = texel(atlas, l, iu + 1, iv);
        let c = texel(atlas, l, iu, iv + 1);
        let d = texel(atlas, l, iu + 1, iv + 1);
        let mut s = [0.0f32; 4];
        for k in 0..4 {
            s[k] = mix(mix(a[k], b[k], tu), mix(c[k], d[k], tu), tv);
        }
        // Lighting: the overlay takes the light falling on the face here.
        let lit = l.light[0] + l.light[1] * p[0] + l.light[2] * p[1];
        let gain = mix(1.0, (lit / l.light[3]).clamp(0.5, 1.5), lighting);
        let alpha = s[3] * opacity;
        let mut out = dst;
        for k in 0..3 {
            out[k] = s[k] * gain * opacity + dst[k] * (1.0 - alpha);
        }
        out
    } else {
        let f = l.colour[3];
        let mut m = smoothstep(-f, f, polygon_distance(points, l.poly[0], l.poly[1], p));
        if l.poly[3] > 0 {
            m *= 1.0 - smoothstep(-f, f, polygon_distance(points, l.poly[2], l.poly[3], p));
        }
        // The colour keeps the lips' own shading (creases, highlights).
        let gain = mix(1.0, (luma(dst) / l.light[3]).clamp(0.3, 1.7), lighting);
        let t = m * opacity;
        let mut out = dst;
        for k in 0..3 {
            out[k] = mix(dst[k], (l.colour[k] * gain).min(1.0), t);
        }
        out
    }
}

/// The CPU path: every layer over its own bounds, in order.
pub fn composite_cpu(frame: &mut Frame, plan: &Plan, atlas: &Atlas) {
    let [rx, ry, rw, rh] = plan.region;
    let width = frame.width as usize;
    // Bytes, not a cast to u32: a Vec<u8> need not be 4-byte aligned.
    let pixels = &mut frame.rgba;
    for y in ry..ry + rh {
        for x in rx..rx + rw {
            let i = (y as usize * width + x as usize) * 4;
            let original =
                u32::from_le_bytes([pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]);
            let mut c = unpack(original);
            let mut touched = false;
            for l in &plan.layers {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                if p[0] < l.bounds[0]
                    || p[1] < l.bounds[1]
                    || p[0] >= l.bounds[2]
                    || p[1] >= l.bounds[3]
                {
                    continue;
                }
                c = shade(&atlas.texels, &plan.points, l, x, y, c);
                touched = true;
            }
            let out = if touched {
                pack([c[0], c[1], c[2], 1.0])
            } else {
                original
            };
            pixels[i..i + 4].copy_from_slice(&out.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_distance_is_signed() {
        let square = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!((polygon_distance(&square, 0, 4, [5.0, 5.0]) - 5.0).abs() < 1e-5);
        assert!((polygon_distance(&square, 0, 4, [12.0, 5.0]) + 2.0).abs() < 1e-5);
    }

    #[test]
    fn an_opaque_texel_replaces_and_edges_are_soft() {
        let overlay = Overlay {
            width: 4,
            height: 4,
            rgba: [200u8, 10, 10, 255].repeat(16),
        };
        let atlas = Atlas::new(&[overlay]);
        let mut l = Layer::new(LayerKind::Overlay);
        // Identity placement at the origin, full opacity, no lighting.
        l.set_transform([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], 1.0, 0.0);
        l.bounds = [-1.0, -1.0, 5.0, 5.0];
        l.light = [0.5, 0.0, 0.0, 0.5];
        l.overlay(0, 4, 4);
        let dst = [0.0, 0.0, 1.0, 1.0];
        let inside = shade(&atlas.texels, &[], &l, 1, 1, dst);
        assert!(
            (inside[0] - 200.0 / 255.0).abs() < 1e-5 && (inside[2] - 10.0 / 255.0).abs() < 1e-5,
            "{inside:?}"
        );
        // Half a texel past the edge: half covered.
        let mut m = l;
        m.m0[2] = -0.5; // shift the overlay right by half a pixel
        let edge = shade(&atlas.texels, &[], &m, 0, 1, dst);
        assert!(
            (edge[2] - (0.5 + 0.5 * 10.0 / 255.0)).abs() < 1e-5,
            "{edge:?}"
        );
    }
}
