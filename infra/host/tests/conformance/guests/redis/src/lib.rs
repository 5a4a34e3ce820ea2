//! Outbound Redis (`fermyon:spin/redis@2.0.0`) against the address in the
//! `redis_address` variable: `/roundtrip` sets, gets, increments, uses a set,
//! runs a command and deletes; `/get?<key>` reads a key; `/open?<address>`
//! only opens a connection; `/connections` reports how many clients Redis
//! has (the host shares one connection across requests); `/select` switches
//! its connection to database 1 and writes there.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use spin_sdk::redis::{Connection, RedisParameter, RedisResult};

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body)
        .build()
}

fn roundtrip(address: &str) -> Result<String, spin_sdk::redis::Error> {
    let c = Connection::open(address)?;
    let mut out = Vec::new();
    c.del(&[
        "conf:k".to_owned(),
        "conf:n".to_owned(),
        "conf:s".to_owned(),
    ])?;
    c.set("conf:k", &b"v1".to_vec())?;
    out.push(format!(
        "get: {:?}",
        c.get("conf:k")?
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    ));
    out.push(format!("get missing: {:?}", c.get("conf:missing")?));
    out.push(format!("incr: {}", c.incr("conf:n")?));
    out.push(format!("incr: {}", c.incr("conf:n")?));
    let kind = match c.incr("conf:k") {
        Ok(n) => format!("ok {n}"),
        Err(spin_sdk::redis::Error::TypeError) => "type-error".to_owned(),
        Err(spin_sdk::redis::Error::Other(_)) => "other".to_owned(),
        Err(e) => format!("{e:?}"),
    };
    out.push(format!("incr wrong type: {kind}"));
    out.push(format!(
        "sadd: {}",
        c.sadd("conf:s", &["a".to_owned(), "b".to_owned()])?
    ));
    let mut members = c.smembers("conf:s")?;
    members.sort();
    out.push(format!("smembers: {members:?}"));
    out.push(format!("srem: {}", c.srem("conf:s", &["a".to_owned()])?));
    out.push(format!(
        "publish: {:?}",
        c.publish("conf:channel", &b"hi".to_vec())
    ));
    let results = c.execute(
        "APPEND",
        &[
            RedisParameter::Binary(b"conf:k".to_vec()),
            RedisParameter::Binary(b"+".to_vec()),
        ],
    )?;
    out.push(format!(
        "execute: {:?}",
        results
            .iter()
            .map(|r| match r {
                RedisResult::Nil => "nil".to_owned(),
                RedisResult::Status(s) => format!("status {s}"),
                RedisResult::Int64(i) => format!("int {i}"),
                RedisResult::Binary(b) => format!("binary {}", String::from_utf8_lossy(b)),
            })
            .collect::<Vec<_>>()
    ));
    out.push(format!(
        "del: {}",
        c.del(&[
            "conf:k".to_owned(),
            "conf:n".to_owned(),
            "conf:s".to_owned(),
            "conf:none".to_owned()
        ])?
    ));
    Ok(out.join("\n") + "\n")
}

fn connected_clients(address: &str) -> Result<String, spin_sdk::redis::Error> {
    let c = Connection::open(address)?;
    let info = c.execute("INFO", &[RedisParameter::Binary(b"clients".to_vec())])?;
    let stats = info
        .iter()
        .find_map(|r| match r {
            RedisResult::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .unwrap_or_default();
    let line = stats
        .lines()
        .find(|l| l.starts_with("connected_clients:"))
        .unwrap_or("connected_clients: missing");
    Ok(format!("{}\n", line.trim()))
}

fn select(address: &str) -> Result<String, spin_sdk::redis::Error> {
    let c = Connection::open(address)?;
    let selected = c.execute("SELECT", &[RedisParameter::Int64(1)])?;
    c.set("conf:db1", &b"x".to_vec())?;
    let read = c.get("conf:db1")?;
    Ok(format!(
        "select: {selected:?}\nget: {:?}\n",
        read.map(|v| String::from_utf8_lossy(&v).into_owned())
    ))
}

#[http_component]
fn handle(req: Request) -> Response {
    let address = match spin_sdk::variables::get("redis_address") {
        Ok(a) => a,
        Err(e) => return text(500, format!("variable: {e:?}\n")),
    };
    match req.path() {
        "/roundtrip" => match roundtrip(&address) {
            Ok(body) => text(200, body),
            Err(e) => text(500, format!("{e:?}\n")),
        },
        "/get" => match Connection::open(&address).and_then(|c| c.get(req.query())) {
            Ok(v) => text(
                200,
                format!(
                    "{:?}\n",
                    v.map(|v| String::from_utf8_lossy(&v).into_owned())
                ),
            ),
            Err(e) => text(500, format!("{e:?}\n")),
        },
        "/connections" => match connected_clients(&address) {
            Ok(body) => text(200, body),
            Err(e) => text(500, format!("{e:?}\n")),
        },
        "/select" => match select(&address) {
            Ok(body) => text(200, body),
            Err(e) => text(500, format!("{e:?}\n")),
        },
        "/open" => match Connection::open(req.query()) {
            Ok(_) => text(200, "opened\n".to_owned()),
            Err(e) => text(403, format!("{e:?}\n")),
        },
        other => text(404, format!("no such route {other}\n")),
    }
}
