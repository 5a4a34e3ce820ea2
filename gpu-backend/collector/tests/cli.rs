//! The command line: help, refusals, and the serve line scripts wait for.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn collector() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_meridian-collector"));
    c.env_remove("MERIDIAN_DEV")
        .env_remove("MERIDIAN_COLLECTOR_BANDIT_EDGE_URL")
        .env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = collector().args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_names_the_commands_options_and_environment() {
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for wanted in [
        "bandit-once",
        "--config <FILE>",
        "--listen <ADDR>",
        "--dev",
        "MERIDIAN_COLLECTOR_SIGNING_KEY",
        "MERIDIAN_COLLECTOR_BANDIT_EDGE_URL",
        "MERIDIAN_DEV",
    ] {
        assert!(help.contains(wanted), "{wanted} missing from:\n{help}");
    }
    let (code, help, _) = run(&["bandit-once", "--help"]);
    assert_eq!(code, Some(0));
    assert!(
        help.contains("--config <FILE>") && help.contains("--dev"),
        "{help}"
    );
    assert!(!help.contains("--listen"), "{help}");
}

#[test]
fn bad_arguments_are_refused() {
    for args in [
        &["--bogus"][..],
        &["--listen", "nowhere"],
        &["bandit-once", "--listen", "127.0.0.1:1"],
        &["--dev", "bandit-once"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
    }
    let (code, _, err) = run(&["bandit-once", "--dev"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("edge_url"), "{err}");
}

#[test]
fn serving_prints_the_listening_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = collector()
        .args(["--listen", "127.0.0.1:0", "--dev"])
        .env("MERIDIAN_COLLECTOR_DATA_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    let read = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    child.kill().expect("stops");
    child.wait().expect("waits");
    read.expect("a line");
    let addr = line
        .trim_end()
        .strip_prefix("meridian-collector listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{line:?}"));
    assert!(addr.parse::<u16>().is_ok_and(|p| p > 0), "{line:?}");
    assert!(dir.path().join("events.sqlite").exists());
}
