//! From landmarks and a product's rules to composite layers: named face
//! points, the similarity transform that takes an overlay's anchors onto
//! them, lip contours, and the light falling on the face.

use super::composite::{Layer, LayerKind};
use super::frame::Frame;
use super::models::Landmarks;
use super::products::{FacePoint, Look, Overlay, Placement, Product};

type P = [f32; 2];

fn mean(points: &Landmarks, range: std::ops::RangeInclusive<usize>) -> P {
    let n = range.clone().count() as f32;
    let (sx, sy) = range.fold((0.0, 0.0), |(x, y), i| (x + points[i][0], y + points[i][1]));
    [sx / n, sy / n]
}

fn lerp(a: P, b: P, t: f32) -> P {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

fn dist(a: P, b: P) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The face's frame: eye-line direction (unit), "up" (unit, perpendicular,
/// towards the forehead) and the inter-ocular distance.
pub struct FaceAxes {
    pub across: P,
    pub up: P,
    pub iod: f32,
}

pub fn axes(points: &Landmarks) -> FaceAxes {
    let l = mean(points, 36..=41);
    let r = mean(points, 42..=47);
    let d = dist(l, r).max(1e-3);
    let across = [(r[0] - l[0]) / d, (r[1] - l[1]) / d];
    // Image y points down: rotating `across` by -90° points up the face.
    let up = [across[1], -across[0]];
    FaceAxes {
        across,
        up,
        iod: dist(points[36], points[45]).max(1e-3),
    }
}

pub fn face_point(points: &Landmarks, which: FacePoint) -> P {
    let a = axes(points);
    // Lobes sit just behind the face outline.
    let out = |p: P, sign: f32| {
        [
            p[0] + sign * a.across[0] * 0.1 * a.iod,
            p[1] + sign * a.across[1] * 0.1 * a.iod,
        ]
    };
    match which {
        FacePoint::EyeLeft => mean(points, 36..=41),
        FacePoint::EyeRight => mean(points, 42..=47),
        FacePoint::BrowLeft => mean(points, 17..=21),
        FacePoint::BrowRight => mean(points, 22..=26),
        FacePoint::TempleLeft => points[0],
        FacePoint::TempleRight => points[16],
        FacePoint::EarLeft => out(lerp(points[1], points[2], 0.5), -1.0),
        FacePoint::EarRight => out(lerp(points[15], points[14], 0.5), 1.0),
        FacePoint::MouthLeft => points[48],
        FacePoint::MouthRight => points[54],
    }
}

/// The similarity taking `from` (overlay pixels) onto `to` (frame pixels),
/// inverted: frame -> overlay, as the compositor samples.
fn inverse_similarity(from: [P; 2], to: [P; 2]) -> [f32; 6] {
    let (fx, fy) = (from[1][0] - from[0][0], from[1][1] - from[0][1]);
    let (tx, ty) = (to[1][0] - to[0][0], to[1][1] - to[0][1]);
    // As complex numbers: to = k * from + t, with k = (tx + i ty) / (fx + i fy).
    // Its inverse: from = (to - t) / k = k' * to + t', k' = 1 / k.
    let n = tx * tx + ty * ty;
    let (kr, ki) = ((fx * tx + fy * ty) / n, (fy * tx - fx * ty) / n);
    // from0 = k' * to0 + t'  =>  t' = from0 - k' * to0
    let t = [
        from[0][0] - (kr * to[0][0] - ki * to[0][1]),
        from[0][1] - (ki * to[0][0] + kr * to[0][1]),
    ];
    // u = kr x - ki y + t0; v = ki x + kr y + t1
    [kr, -ki, t[0], ki, kr, t[1]]
}

/// Bounds in the frame of an overlay placed by `inv`, padded by a pixel.
fn overlay_bounds(inv: &[f32; 6], o: &Overlay) -> [f32; 4] {
    // Forward map: invert the 2x2 part.
    let (a, b, c, d) = (inv[0], inv[1], inv[3], inv[4]);
    let det = a * d - b * c;
    let fwd = |u: f32, v: f32| {
        let (u, v) = (u - inv[2], v - inv[5]);
        [(d * u - b * v) / det, (-c * u + a * v) / det]
    };
    let (w, h) = (o.width as f32, o.height as f32);
    let corners = [fwd(0.0, 0.0), fwd(w, 0.0), fwd(0.0, h), fwd(w, h)];
    let xs = corners.map(|p| p[0]);
    let ys = corners.map(|p| p[1]);
    [
        xs.iter().copied().fold(f32::MAX, f32::min) - 1.0,
        ys.iter().copied().fold(f32::MAX, f32::min) - 1.0,
        xs.iter().copied().fold(f32::MIN, f32::max) + 1.0,
        ys.iter().copied().fold(f32::MIN, f32::max) + 1.0,
    ]
}

/// Luminance (0..1) of an sRGB8 pixel.
pub fn luminance(p: &[u8]) -> f32 {
    (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0
}

/// The light on the face as a plane L(x, y) = a + b x + c y fitted (least
/// squares) to the luminance inside the face outline's box, and its mean:
/// a plane follows side light without copying the face's own texture.
pub fn light(frame: &Frame, points: &Landmarks) -> [f32; 4] {
    let xs = points.iter().map(|p| p[0]);
    let ys = points.iter().map(|p| p[1]);
    let clampx = |v: f32| v.clamp(0.0, frame.width as f32 - 1.0) as usize;
    let clampy = |v: f32| v.clamp(0.0, frame.height as f32 - 1.0) as usize;
    let (x0, x1) = (
        clampx(xs.clone().fold(f32::MAX, f32::min)),
        clampx(xs.fold(f32::MIN, f32::max)),
    );
    let (y0, y1) = (
        clampy(ys.clone().fold(f32::MAX, f32::min)),
        clampy(ys.fold(f32::MIN, f32::max)),
    );
    let step = ((x1 - x0).max(y1 - y0) / 48).max(1);
    // Normal equations over centred coordinates, for conditioning.
    let (cx, cy) = ((x0 + x1) as f64 / 2.0, (y0 + y1) as f64 / 2.0);
    let (mut n, mut sl, mut sx, mut sy, mut sxx, mut syy, mut sxy, mut sxl, mut syl) =
        (0.0f64, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for y in (y0..=y1).step_by(step) {
        for x in (x0..=x1).step_by(step) {
            let i = (y * frame.width as usize + x) * 4;
            let l = f64::from(luminance(&frame.rgba[i..i + 3]));
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            n += 1.0;
            sl += l;
            sx += dx;
            sy += dy;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
            sxl += dx * l;
            syl += dy * l;
        }
    }
    let mean = sl / n;
    // Solve the 2x2 system for the slopes (the intercept follows).
    let (vxx, vyy, vxy) = (sxx - sx * sx / n, syy - sy * sy / n, sxy - sx * sy / n);
    let (vxl, vyl) = (sxl - sx * sl / n, syl - sy * sl / n);
    let det = vxx * vyy - vxy * vxy;
    let (b, c) = if det.abs() < 1e-9 {
        (0.0, 0.0)
    } else {
        ((vxl * vyy - vyl * vxy) / det, (vyl * vxx - vxl * vxy) / det)
    };
    let a = mean - b * (cx + sx / n) - c * (cy + sy / n);
    [a as f32, b as f32, c as f32, mean.max(0.02) as f32]
}

/// Lip contours from the landmarks: outer (48-59) and inner (60-67).
pub fn lips(points: &Landmarks) -> (Vec<P>, Vec<P>) {
    (points[48..60].to_vec(), points[60..68].to_vec())
}

/// The layers that dress one face with `product`. `points_out` collects lip
/// polygon vertices (the layer refers to them by offset).
pub fn layers(
    product: &Product,
    overlays: &[Overlay],
    frame: &Frame,
    points: &Landmarks,
    polygons: &mut Vec<P>,
) -> Vec<Layer> {
    let ax = axes(points);
    let light = light(frame, points);
    let mut out = Vec::new();
    match &product.look {
        Look::Overlay {
            overlay,
            anchors,
            placement,
        } => {
            let o = &overlays[*overlay];
            let mut place = |to: [P; 2]| {
                let inv = inverse_similarity(*anchors, to);
                let mut l = Layer::new(LayerKind::Overlay);
                l.set_transform(inv, product.opacity, product.lighting);
                l.bounds = overlay_bounds(&inv, o);
                l.light = light;
                l.overlay(*overlay as u32, o.width, o.height);
                out.push(l);
            };
            match placement {
                Placement::Across {
                    at,
                    width,
                    spread,
                    lift,
                } => {
                    let centre = lerp(face_point(points, at[0]), face_point(points, at[1]), 0.5);
                    let half = spread
                        * dist(face_point(points, width[0]), face_point(points, width[1]))
                        / 2.0;
                    let c = [
                        centre[0] + ax.up[0] * lift * ax.iod,
                        centre[1] + ax.up[1] * lift * ax.iod,
                    ];
                    place([
                        [c[0] - ax.across[0] * half, c[1] - ax.across[1] * half],
                        [c[0] + ax.across[0] * half, c[1] + ax.across[1] * half],
                    ]);
                }
                Placement::Hang { at, spread } => {
                    for which in at {
                        let top = face_point(points, *which);
                        let len = spread * ax.iod;
                        place([top, [top[0] - ax.up[0] * len, top[1] - ax.up[1] * len]]);
                    }
                }
            }
        }
        Look::Lips { colour, feather } => {
            let (outer, inner) = lips(points);
            let width = dist(points[48], points[54]);
            let mut l = Layer::new(LayerKind::Lips);
            let xs = outer.iter().map(|p| p[0]);
            let ys = outer.iter().map(|p| p[1]);
            let f = (feather * width).max(0.5);
            l.bounds = [
                xs.clone().fold(f32::MAX, f32::min) - f - 1.0,
                ys.clone().fold(f32::MAX, f32::min) - f - 1.0,
                xs.fold(f32::MIN, f32::max) + f + 1.0,
                ys.fold(f32::MIN, f32::max) + f + 1.0,
            ];
            l.set_transform([0.0; 6], product.opacity, product.lighting);
            l.colour = [
                f32::from(colour[0]) / 255.0,
                f32::from(colour[1]) / 255.0,
                f32::from(colour[2]) / 255.0,
                f,
            ];
            // Lips are darker than the face: their own mean is the reference,
            // so highlights and creases keep their contrast under the colour.
            l.light = [0.0, 0.0, 0.0, lip_luminance(frame, &outer)];
            let start = polygons.len() as u32;
            polygons.extend(&outer);
            // An open mouth leaves the inner contour uncoloured; a closed one
            // collapses it to (nearly) zero area.
            let inner_area = area(&inner).abs();
            polygons.extend(&inner);
            let inner_len = if inner_area > 4.0 {
                inner.len() as u32
            } else {
                0
            };
            l.polygons(
                start,
                outer.len() as u32,
                start + outer.len() as u32,
                inner_len,
            );
            out.push(l);
        }
    }
    out
}

fn area(poly: &[P]) -> f32 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f32>()
        / 2.0
}

/// Mean luminance at the outer lip contour's vertices and its centre.
fn lip_luminance(frame: &Frame, outer: &[P]) -> f32 {
    let at = |p: P| {
        let x = p[0].clamp(0.0, frame.width as f32 - 1.0) as usize;
        let y = p[1].clamp(0.0, frame.height as f32 - 1.0) as usize;
        let i = (y * frame.width as usize + x) * 4;
        luminance(&frame.rgba[i..i + 3])
    };
    let n = outer.len() as f32;
    let centre = outer
        .iter()
        .fold([0.0, 0.0], |c, p| [c[0] + p[0] / n, c[1] + p[1] / n]);
    // Vertices sit on the lip edge; pull them halfway to the centre.
    let sum: f32 = outer.iter().map(|&p| at(lerp(p, centre, 0.5))).sum();
    ((sum + at(centre)) / (n + 1.0)).max(0.02)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_similarity_maps_anchors_onto_targets() {
        let from = [[10.0, 20.0], [110.0, 20.0]];
        let to = [[300.0, 200.0], [300.0, 250.0]]; // rotated 90°, halved
        let inv = inverse_similarity(from, to);
        let map = |p: P| {
            [
                inv[0] * p[0] + inv[1] * p[1] + inv[2],
                inv[3] * p[0] + inv[4] * p[1] + inv[5],
            ]
        };
        for (f, t) in from.iter().zip(&to) {
            let back = map(*t);
            assert!(
                (back[0] - f[0]).abs() < 1e-3 && (back[1] - f[1]).abs() < 1e-3,
                "{back:?} vs {f:?}"
            );
        }
    }

    #[test]
    fn light_plane_follows_a_gradient() {
        // Brightness rising left to right.
        let (w, h) = (64u32, 64u32);
        let mut rgba = Vec::new();
        for _y in 0..h {
            for x in 0..w {
                let v = (x * 4) as u8;
                rgba.extend([v, v, v, 255]);
            }
        }
        let frame = Frame {
            width: w,
            height: h,
            rgba,
        };
        let mut points = [[0.0f32; 2]; 68];
        for (i, p) in points.iter_mut().enumerate() {
            *p = [(i % 8) as f32 * 9.0, (i / 8) as f32 * 7.0];
        }
        let [a, b, c, mean] = light(&frame, &points);
        assert!((b - 4.0 / 255.0).abs() < 1e-4, "slope {b}");
        assert!(c.abs() < 1e-4);
        assert!((a + b * 31.5 - mean).abs() < 0.02);
    }
}
