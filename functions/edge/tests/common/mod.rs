//! The one way these tests run a reference implementation in Node: a
//! script in `tests/<dir>/` that reads JSON on stdin and answers JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Runs `tests/<dir>/reference.mjs` on `input`. `package` is the npm
/// package the script imports, checked first so a missing `npm ci` says so.
pub fn node_reference(dir: &str, package: Option<&str>, input: &Value) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let setup = format!(
        "run `npm ci` in {} (`bash infra/run test` does)",
        dir.display()
    );
    if let Some(package) = package {
        assert!(
            dir.join("node_modules")
                .join(package)
                .join("package.json")
                .is_file(),
            "{package} is not installed: {setup}"
        );
    }
    let mut child = Command::new("node")
        .arg("reference.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node ({e}): install Node.js 20 or later"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(&serde_json::to_vec(input).expect("the input serializes"))
        .expect("node reads the input");
    let out = child.wait_with_output().expect("node finishes");
    assert!(
        out.status.success(),
        "{}/reference.mjs failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reference.mjs answers JSON")
}
