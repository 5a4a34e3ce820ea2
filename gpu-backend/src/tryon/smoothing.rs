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
    /// The server's monotonic time of the last frame: lifetimes run on it
    /// alone, so no client can keep a session alive or expire others.
    last_server_ms: u64,
    /// The client's capture time of the last frame, when it sent one: the
    /// filter's time step, within a range the server's clock allows.
    last_client_ms: Option<u64>,
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

    /// Smooths `points` (the session's primary face) that arrived at
    /// `server_ms` (the server's monotonic clock) and, when the client said,
    /// were captured at `client_ms` (its own clock). Returns whether earlier
    /// frames contributed.
    pub fn smooth(
        &self,
        session: &str,
        server_ms: u64,
        client_ms: Option<u64>,
        points: &mut Landmarks,
    ) -> bool {
        let s = &self.settings;
        let mut guard = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        let (tracks, clock) = &mut *guard;
        *clock += 1;
        let seen = *clock;
        tracks.retain(|_, t| server_ms.saturating_sub(t.last_server_ms) <= s.session_ttl_ms);
        let fresh = |points: &Landmarks| Track {
            filters: points.iter().flatten().map(|&v| OneEuro::new(v)).collect(),
            last_server_ms: server_ms,
            last_client_ms: client_ms,
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
        let dt_ms = frame_step_ms(track, server_ms, client_ms);
        let previous: Vec<f32> = track.filters.iter().map(|f| f.x.value).collect();
        let jump = centre_distance(&previous, points);
        // Frames out of order or repeated give no time step to filter over.
        if dt_ms == 0 || jump > s.reset_distance * inter_ocular(points) {
            *track = fresh(points);
            return false;
        }
        let dt_s = dt_ms as f32 / 1000.0;
        for (f, v) in track.filters.iter_mut().zip(points.iter_mut().flatten()) {
            *v = f.step(*v, dt_s, s);
        }
        track.last_server_ms = server_ms;
        track.last_client_ms = client_ms;
        track.seen = seen;
        true
    }
}

/// Slack allowed between the client's and the server's step: network
/// jitter can deliver frames bunched or spread by this much.
const CLIENT_SLACK_MS: u64 = 1000;

/// The time step since the track's last frame: the client's own (capture
/// times are steadier than arrival times) when it lies between nothing and
/// the server's step plus [`CLIENT_SLACK_MS`], else the server's. 0 means
/// out of order or repeated.
fn frame_step_ms(track: &Track, server_ms: u64, client_ms: Option<u64>) -> u64 {
    let server_dt = server_ms.saturating_sub(track.last_server_ms);
    match (client_ms, track.last_client_ms) {
        (Some(now), Some(last)) if now <= last => 0,
        (Some(now), Some(last)) => {
            let client_dt = now - last;
            if client_dt <= server_dt.saturating_add(CLIENT_SLACK_MS) {
                client_dt
            } else {
                server_dt
            }
        }
        _ => server_dt,
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
            s.smooth("a", frame * 33, Some(frame * 33), &mut p);
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
            s.smooth("a", frame * 33, Some(frame * 33), &mut p);
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
        assert!(
            !s.smooth("a", 0, None, &mut p),
            "first frame has no history"
        );
        assert!(s.smooth("a", 33, None, &mut p));
        assert!(
            !s.smooth("b", 40, None, &mut p),
            "another session starts afresh"
        );
        assert!(!s.smooth("c", 50, None, &mut p));
        assert_eq!(s.len(), 2, "the least recently seen went");
        assert!(!s.smooth("a", 60, None, &mut p), "a was the one dropped");
        // Long after, everything expired but the caller.
        assert!(!s.smooth("d", 5000, None, &mut p));
        assert_eq!(s.len(), 1);
        // A jump of more than an inter-ocular distance is a new face.
        let mut far = face(400.0, 100.0);
        assert!(!s.smooth("d", 5033, None, &mut far));
        assert_eq!(far, face(400.0, 100.0));
    }

    #[test]
    fn lifetimes_run_on_the_server_clock_whatever_the_client_says() {
        let s = Sessions::new(Smoothing {
            max_sessions: 10,
            session_ttl_ms: 1000,
            ..Smoothing::default()
        });
        let mut p = face(100.0, 100.0);
        assert!(!s.smooth("a", 0, Some(0), &mut p));
        // A client claiming the end of time evicts nobody ...
        assert!(!s.smooth("b", 10, Some(u64::MAX), &mut p));
        assert_eq!(s.len(), 2, "a huge client time expired another session");
        assert!(s.smooth("a", 40, Some(33), &mut p), "a lives on");
        // ... and is not kept alive by its own clock: on the server's, it
        // went idle past the lifetime.
        assert!(!s.smooth("c", 5000, Some(0), &mut p));
        assert_eq!(s.len(), 1, "b outlived its lifetime");
        assert!(
            !s.smooth("b", 5010, Some(u64::MAX), &mut p),
            "b starts afresh"
        );
    }

    #[test]
    fn client_steps_are_clamped_to_the_server_clock() {
        let track = Track {
            filters: Vec::new(),
            last_server_ms: 1000,
            last_client_ms: Some(50),
            seen: 0,
        };
        // A plausible client step is used as it is.
        assert_eq!(frame_step_ms(&track, 1033, Some(83)), 33);
        // One far beyond what the server saw pass falls back to the server's.
        assert_eq!(frame_step_ms(&track, 1033, Some(50 + 3_600_000)), 33);
        assert_eq!(frame_step_ms(&track, 1033, Some(u64::MAX)), 33);
        // Backwards or repeated: no step.
        assert_eq!(frame_step_ms(&track, 1033, Some(50)), 0);
        assert_eq!(frame_step_ms(&track, 1033, Some(10)), 0);
        // Without client times, the server's step.
        assert_eq!(frame_step_ms(&track, 1033, None), 33);
    }
}
