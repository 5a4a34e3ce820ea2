//! Temporal smoothing of landmarks within one live-preview session: a One
//! Euro filter (Casiez, Roussel, Vogel, CHI 2012) per coordinate, which
//! smooths hard when the face is still (no jitter) and little when it moves
//! (no lag). Sessions are keyed by an opaque token, bounded in number and
//! forgotten after a while; they hold landmarks only, never pixels.

use std::collections::HashMap;
use std::sync::Mutex;

use super::config::Smoothing;
use super::models::Landmarks;

#[derive(Debug, Clone, Copy)]
struct LowPass {
    value: f32,
}

impl LowPass {
    fn step(&mut self, x: f32, alpha: f32) -> f32 {
        self.value += alpha * (x - self.value);
        self.value
    }
}

fn alpha(cutoff_hz: f32, dt_s: f32) -> f32 {
    let tau = 1.0 / (2.0 * std::f32::consts::PI * cutoff_hz);
    1.0 / (1.0 + tau / dt_s)
}

/// One coordinate's filter.
#[derive(Debug, Clone, Copy)]
struct OneEuro {
    x: LowPass,
    dx: LowPass,
}

impl OneEuro {
    fn new(x: f32) -> OneEuro {
        OneEuro {
            x: LowPass { value: x },
            dx: LowPass { value: 0.0 },
        }
    }

    fn step(&mut self, x: f32, dt_s: f32, s: &Smoothing) -> f32 {
        let speed = (x - self.x.value) / dt_s;
        let speed = self.dx.step(speed, alpha(s.derivative_cutoff_hz, dt_s));
        let cutoff = s.min_cutoff_hz + s.beta * speed.abs();
        self.x.step(x, alpha(cutoff, dt_s))
    }
}

struct Track {
    filters: Vec<OneEuro>,
    last_ms: u64,
    seen: u64,
}

/// The smoothing state of every live session.
pub struct Sessions {
    settings: Smoothing,
    tracks: Mutex<(HashMap<String, Track>, u64)>,
}

/// Inter-ocular distance (outer eye corners), the scale of a face.
pub fn inter_ocular(points: &Landmarks) -> f32 {
    let (a, b) = (points[36], points[45]);
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

impl Sessions {
    pub fn new(settings: Smoothing) -> Sessions {
        Sessions {
            settings,
            tracks: Mutex::new((HashMap::new(), 0)),
        }
    }

    pub fn len(&self) -> usize {
        self.tracks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Smooths `points` (the session's primary face) seen at `now_ms`.
    /// Returns whether earlier frames contributed.
    pub fn smooth(&self, session: &str, now_ms: u64, points: &mut Landmarks) -> bool {
        let s = &self.settings;
        let mut guard = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        let (tracks, clock) = &mut *guard;
        *clock += 1;
        let seen = *clock;
        tracks.retain(|_, t| now_ms.saturating_sub(t.last_ms) <= s.session_ttl_ms);
        let fresh = |points: &Landmarks| Track {
            filters: points.iter().flatten().map(|&v| OneEuro::new(v)).collect(),
            last_ms: now_ms,
            seen,
        };
        let Some(track) = tracks.get_mut(session) else {
            if tracks.len() >= s.max_sessions.max(1) {
                // Drop the least recently seen session to make room.
                if let Some(oldest) = tracks
                    .iter()
                    .min_by_key(|(_, t)| t.seen)
                    .map(|(k, _)| k.clone())
                {
                    tracks.remove(&oldest);
                }
            }
            tracks.insert(session.to_owned(), fresh(points));
            return false;
        };
        // Frames out of order or repeated give no time step to filter over.
        let dt_ms = now_ms.saturating_sub(track.last_ms);
        let previous: Vec<f32> = track.filters.iter().map(|f| f.x.value).collect();
        let jump = centre_distance(&previous, points);
        if dt_ms == 0 || jump > s.reset_distance * inter_ocular(points) {
            *track = fresh(points);
            return false;
        }
        let dt_s = dt_ms as f32 / 1000.0;
        for (f, v) in track.filters.iter_mut().zip(points.iter_mut().flatten()) {
            *v = f.step(*v, dt_s, s);
        }
        track.last_ms = now_ms;
        track.seen = seen;
        true
    }
}

/// Distance between the centroids of the previous and the new points.
fn centre_distance(previous: &[f32], points: &Landmarks) -> f32 {
    let n = points.len() as f32;
    let (mut px, mut py, mut cx, mut cy) = (0.0, 0.0, 0.0, 0.0);
    for (p, q) in previous.chunks_exact(2).zip(points) {
        px += p[0];
        py += p[1];
        cx += q[0];
        cy += q[1];
    }
    (((px - cx) / n).powi(2) + ((py - cy) / n).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face-like set of points: eyes 60 px apart, centred at (x, y).
    fn face(x: f32, y: f32) -> Landmarks {
        let mut p = [[0.0f32; 2]; 68];
        for (i, q) in p.iter_mut().enumerate() {
            *q = [
                x + (i % 9) as f32 * 8.0 - 32.0,
                y + (i / 9) as f32 * 8.0 - 28.0,
            ];
        }
        p[36] = [x - 30.0, y];
        p[45] = [x + 30.0, y];
        p
    }

    fn sessions() -> Sessions {
        Sessions::new(Smoothing::default())
    }

    #[test]
    fn jitter_at_rest_is_damped() {
        let s = sessions();
        let mut raw_spread = 0.0f32;
        let mut smooth_spread = 0.0f32;
        for frame in 0..60u64 {
            // Alternating ±2 px noise around a still face at 30 fps.
            let noise = if frame % 2 == 0 { 2.0 } else { -2.0 };
            let mut p = face(200.0 + noise, 150.0);
            s.smooth("a", frame * 33, &mut p);
            if frame > 30 {
                raw_spread = raw_spread.max(noise.abs());
                smooth_spread = smooth_spread.max((p[36][0] - 170.0).abs());
            }
        }
        assert!(
            smooth_spread < raw_spread / 4.0,
            "{smooth_spread} vs {raw_spread}"
        );
    }

    #[test]
    fn steady_motion_is_followed() {
        let s = sessions();
        let mut p = face(0.0, 0.0);
        for frame in 0..90u64 {
            // 300 px/s to the right.
            p = face(100.0 + frame as f32 * 10.0, 150.0);
            s.smooth("a", frame * 33, &mut p);
        }
        let truth = 100.0 + 89.0 * 10.0 - 30.0;
        assert!(
            (p[36][0] - truth).abs() < 25.0,
            "lags by {}",
            truth - p[36][0]
        );
    }

    #[test]
    fn sessions_are_separate_bounded_and_expire() {
        let s = Sessions::new(Smoothing {
            max_sessions: 2,
            session_ttl_ms: 1000,
            ..Smoothing::default()
        });
        let mut p = face(100.0, 100.0);
        assert!(!s.smooth("a", 0, &mut p), "first frame has no history");
        assert!(s.smooth("a", 33, &mut p));
        assert!(!s.smooth("b", 40, &mut p), "another session starts afresh");
        assert!(!s.smooth("c", 50, &mut p));
        assert_eq!(s.len(), 2, "the least recently seen went");
        assert!(!s.smooth("a", 60, &mut p), "a was the one dropped");
        // Long after, everything expired but the caller.
        assert!(!s.smooth("d", 5000, &mut p));
        assert_eq!(s.len(), 1);
        // A jump of more than an inter-ocular distance is a new face.
        let mut far = face(400.0, 100.0);
        assert!(!s.smooth("d", 5033, &mut far));
        assert_eq!(far, face(400.0, 100.0));
    }
}
