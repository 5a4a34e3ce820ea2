//! The shipped ONNX models through `ort`, against face-api's own results
//! (`tests/faces/face-api-reference.json`) and hand-set points.

use meridian_gpu_backend::tryon::config::TryonConfig;
use meridian_gpu_backend::tryon::frame::{self, Frame};
use meridian_gpu_backend::tryon::models::{Detection, FaceModels};

const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faces");

fn models(input: u32) -> FaceModels {
    let mut config = TryonConfig {
        detector_input: input,
        ..TryonConfig::default()
    };
    config.resolve(|k| std::env::var(k).ok());
    FaceModels::load(&config).expect("models load (ORT_DYLIB_PATH: see gpu-backend/README.md)")
}

fn photo(name: &str) -> Frame {
    let bytes = std::fs::read(format!("{FACES}/{name}")).expect("photo");
    frame::decode(&bytes, &Default::default()).expect("decodes")
}

fn reference() -> serde_json::Value {
    let text =
        std::fs::read_to_string(format!("{FACES}/face-api-reference.json")).expect("fixture");
    serde_json::from_str(&text).expect("json")
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[test]
fn agrees_with_face_api_on_the_same_photographs() {
    // face-api's own pipeline ran at input 416 (check_models.py).
    let m = models(416);
    let reference = reference();
    for (name, file) in [
        ("astronaut", "astronaut.png"),
        ("grace-hopper", "grace-hopper.jpg"),
    ] {
        let frame = photo(file);
        let faces = m.detect(&frame).expect("detects");
        let theirs = reference["photos"][name].as_array().expect("faces");
        assert_eq!(faces.len(), theirs.len(), "{name}: one face each");
        let t = &theirs[0];
        let b: Vec<f32> = t["box"]
            .as_array()
            .expect("box")
            .iter()
            .map(|v| v.as_f64().expect("n") as f32)
            .collect();
        let d: &Detection = &faces[0];
        for (ours, theirs) in [d.x, d.y, d.width, d.height].iter().zip(&b) {
            assert!((ours - theirs).abs() < 1.0, "{name}: box {d:?} vs {b:?}");
        }
        assert!((d.score - t["score"].as_f64().expect("score") as f32).abs() < 0.01);
        let ours = m.landmarks(&frame, d).expect("landmarks");
        let worst = ours
            .iter()
            .zip(t["landmarks"].as_array().expect("points"))
            .map(|(p, q)| {
                let q = [
                    q[0].as_f64().expect("x") as f32,
                    q[1].as_f64().expect("y") as f32,
                ];
                dist(*p, q)
            })
            .fold(0.0f32, f32::max);
        println!("{name}: landmarks within {worst:.2} px of face-api's");
        // Same network; the crop is resampled by different code.
        assert!(
            worst < 1.5,
            "{name}: landmarks differ from face-api by up to {worst} px"
        );
    }
}

#[test]
fn landmark_accuracy_on_hand_set_points() {
    let m = models(320);
    let text = std::fs::read_to_string(format!("{FACES}/points.json")).expect("points");
    let points: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut errors = Vec::new();
    for (file, truth) in points["faces"].as_object().expect("faces") {
        let frame = photo(file);
        let faces = m.detect(&frame).expect("detects");
        let face = faces.first().expect("a face");
        let ours = m.landmarks(&frame, face).expect("landmarks");
        let at = |i: &str| {
            let p = &truth[i];
            [
                p[0].as_f64().expect("x") as f32,
                p[1].as_f64().expect("y") as f32,
            ]
        };
        let iod = dist(at("36"), at("45"));
        for (index, _) in truth.as_object().expect("points") {
            let i: usize = index.parse().expect("index");
            errors.push(dist(ours[i], at(index)) / iod);
        }
    }
    let mean = errors.iter().sum::<f32>() / errors.len() as f32;
    let max = errors.iter().copied().fold(0.0f32, f32::max);
    println!(
        "landmark error over {} hand-set points: mean {mean:.4}, max {max:.4} (inter-ocular)",
        errors.len()
    );
    assert!(mean < 0.06, "mean normalised error {mean}");
}
