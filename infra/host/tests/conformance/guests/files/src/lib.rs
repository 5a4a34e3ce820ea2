//! Reads the file named by the query (`?/path`) from the component's file
//! mounts, or lists a directory (entries sorted, directories with a `/`).

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body)
        .build()
}

#[http_component]
fn handle(req: Request) -> Response {
    let path = req.query().to_owned();
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => return text(404, format!("{path}: {:?}\n", e.kind())),
    };
    if meta.is_dir() {
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) => return text(500, format!("{path}: {:?}\n", e.kind())),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                let name = e.file_name().to_string_lossy().into_owned();
                if dir { format!("{name}/") } else { name }
            })
            .collect();
        names.sort();
        return text(200, names.join("\n") + "\n");
    }
    // Writes are refused: mounts are read-only.
    if req.method() == &spin_sdk::http::Method::Put {
        return match std::fs::write(&path, b"overwritten") {
            Ok(()) => text(200, "written\n".to_owned()),
            Err(e) => text(403, format!("{path}: {:?}\n", e.kind())),
        };
    }
    match std::fs::read_to_string(&path) {
        Ok(content) => text(200, content),
        Err(e) => text(500, format!("{path}: {:?}\n", e.kind())),
    }
}
