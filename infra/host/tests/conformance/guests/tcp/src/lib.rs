//! Opens a TCP connection (`wasi:sockets`) to the address in the query
//! (`?127.0.0.1:6379`), sends a line and answers what came back.

use std::io::{Read, Write};

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
    let addr = req.query().to_owned();
    let mut stream = match std::net::TcpStream::connect(&addr) {
        Ok(s) => s,
        Err(e) => return text(403, format!("connect {addr}: {:?}\n", e.kind())),
    };
    if let Err(e) = stream.write_all(b"PING\r\n") {
        return text(502, format!("write: {:?}\n", e.kind()));
    }
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(n) => text(
            200,
            format!("connected; read {}", String::from_utf8_lossy(&buf[..n])),
        ),
        Err(e) => text(502, format!("read: {:?}\n", e.kind())),
    }
}
