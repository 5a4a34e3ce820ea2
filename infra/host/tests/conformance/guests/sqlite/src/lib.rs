//! Runs the request body as one SQL statement on the database named by the
//! path: `/v3/<label>` through `spin:sqlite/sqlite@3.0.0`, `/v2/<label>`
//! through `fermyon:spin/sqlite@2.0.0`. Answers the columns and rows as text.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body)
        .build()
}

fn v3(label: &str, sql: &str) -> Result<String, String> {
    use spin_sdk::sqlite3::{Connection, Value};
    let db = Connection::open(label).map_err(|e| format!("open: {e:?}"))?;
    let result = db
        .execute(sql, &[])
        .map_err(|e| format!("execute: {e:?}"))?;
    let mut out = vec![result.columns.join("|")];
    for row in &result.rows {
        let cells: Vec<String> = row
            .values
            .iter()
            .map(|v| match v {
                Value::Integer(i) => i.to_string(),
                Value::Real(r) => r.to_string(),
                Value::Text(t) => t.clone(),
                Value::Blob(b) => format!("blob:{}", b.len()),
                Value::Null => "null".to_owned(),
            })
            .collect();
        out.push(cells.join("|"));
    }
    out.push(format!(
        "changes={} last-insert-rowid={}",
        db.changes(),
        db.last_insert_rowid()
    ));
    Ok(out.join("\n") + "\n")
}

fn v2(label: &str, sql: &str) -> Result<String, String> {
    use spin_sdk::sqlite::{Connection, Value};
    let db = Connection::open(label).map_err(|e| format!("open: {e:?}"))?;
    let result = db
        .execute(sql, &[])
        .map_err(|e| format!("execute: {e:?}"))?;
    let mut out = vec![result.columns.join("|")];
    for row in &result.rows {
        let cells: Vec<String> = row
            .values
            .iter()
            .map(|v| match v {
                Value::Integer(i) => i.to_string(),
                Value::Real(r) => r.to_string(),
                Value::Text(t) => t.clone(),
                Value::Blob(b) => format!("blob:{}", b.len()),
                Value::Null => "null".to_owned(),
            })
            .collect();
        out.push(cells.join("|"));
    }
    Ok(out.join("\n") + "\n")
}

#[http_component]
fn handle(req: Request) -> Response {
    let sql = String::from_utf8_lossy(req.body()).into_owned();
    let path = req.path().to_owned();
    let result = match path
        .split_once('/')
        .map(|(_, p)| p)
        .and_then(|p| p.split_once('/'))
    {
        Some(("v3", label)) => v3(label, &sql),
        Some(("v2", label)) => v2(label, &sql),
        _ => return text(404, format!("no such route {path}\n")),
    };
    match result {
        Ok(body) => text(200, body),
        Err(e) => text(500, e + "\n"),
    }
}
