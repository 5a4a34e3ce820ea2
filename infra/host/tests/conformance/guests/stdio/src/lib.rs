//! Writes one line to stdout and one to stderr, naming the request path.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    println!("out {}", req.path());
    eprintln!("err {}", req.path());
    Response::builder().status(200).body("printed\n").build()
}
