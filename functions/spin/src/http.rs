//! The request and response as the components see them, over
//! `wasi:http/handler@0.3.0` (spin-sdk 7): the request read whole, with
//! its header lines as sent, and an answer that can go out before the
//! handler is done ([`with_outparam`]).

use std::future::Future;

use bytes::Bytes;
use futures_channel::oneshot;
use http_body_util::Full;
use meridian_edge::http::response::{Refusal, Response};
use spin_sdk::http::body::IncomingBodyExt;

/// What a component's `#[http_service]` handler is given.
pub type IncomingRequest = spin_sdk::http::Request;

/// What a component's `#[http_service]` handler returns.
pub type SpinResponse = ::http::Response<Full<Bytes>>;

/// A request method, as the routes match on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other(String),
}

impl From<&::http::Method> for Method {
    fn from(method: &::http::Method) -> Method {
        match method.as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        }
    }
}

impl Method {
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other(other) => other,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header's value; text when it is visible ASCII.
#[derive(Clone, Debug)]
pub struct HeaderValue(Vec<u8>);

impl HeaderValue {
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A request read whole: method, target, headers and body.
#[derive(Debug)]
pub struct Request {
    method: Method,
    path_and_query: String,
    /// Lower-case names, in the order received.
    headers: Vec<(String, HeaderValue)>,
    body: Vec<u8>,
}

impl Request {
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(path, _)| path)
    }
    /// The query, without `?`; empty when there is none.
    pub fn query(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or("", |(_, query)| query)
    }
    pub fn path_and_query(&self) -> Option<&str> {
        Some(self.path_and_query.as_str())
    }
    /// The last value sent under `name` (any case): one value per name,
    /// as spin-sdk 5 kept them; [`crate::Incoming::header_lines`] has all.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Reads `incoming` whole: the request and its header lines as received.
pub(crate) async fn read(
    incoming: IncomingRequest,
) -> Result<(Request, Vec<(String, Vec<u8>)>), Refusal> {
    let (parts, body) = incoming.into_parts();
    let header_lines: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let body = body.bytes().await.map_err(|e| {
        Refusal::new(
            400,
            "body-unreadable",
            format!("reading the request body: {e:?}"),
        )
    })?;
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let request = Request {
        method: Method::from(&parts.method),
        path_and_query,
        headers: header_lines
            .iter()
            .map(|(n, v)| (n.clone(), HeaderValue(v.clone())))
            .collect(),
        body: body.to_vec(),
    };
    Ok((request, header_lines))
}

/// An edge response as the handler returns it. A header the HTTP types
/// refuse is dropped and said on stderr, never a failed answer.
pub(crate) fn to_spin(response: Response) -> SpinResponse {
    let mut out = ::http::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() = ::http::StatusCode::from_u16(response.status)
        .unwrap_or(::http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        match (
            ::http::HeaderName::from_bytes(name.as_bytes()),
            ::http::HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                out.headers_mut().append(name, value);
            }
            _ => eprintln!("meridian: response header {name:?} refused"),
        }
    }
    out
}

/// Where a handler that keeps working after its answer puts the answer.
pub struct ResponseOutparam(oneshot::Sender<SpinResponse>);

impl ResponseOutparam {
    pub(crate) fn set(self, response: SpinResponse) {
        // The receiver only goes when the request did; nothing to tell.
        let _ = self.0.send(response);
    }
}

/// Runs `handler` as the request's task, answering with what it passes to
/// [`crate::respond`]; whatever it does after that (a revalidation) runs
/// after the answer is out: `wit_bindgen::spawn`ed work outlives the
/// export's return, and the host gives it its post-response deadline.
pub async fn with_outparam<F, Fut>(request: IncomingRequest, handler: F) -> SpinResponse
where
    F: FnOnce(IncomingRequest, ResponseOutparam) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let (sender, receiver) = oneshot::channel();
    spin_sdk::wit_bindgen::spawn(handler(request, ResponseOutparam(sender)));
    receiver.await.unwrap_or_else(|_| {
        to_spin(
            Refusal::new(500, "no-answer", "the component ended without an answer").into_response(),
        )
    })
}

/// `spin_sdk::http::send`, with the body's length said and the task woken
/// once after the call starts.
///
/// - `Content-Length`: the body goes out as a stream of unknown length
///   otherwise, chunked even when empty, and an origin that answers a
///   `DELETE` without reading such a body and closes the connection races
///   the body's last chunk (hyper: `IncompleteMessage`, a 502 here).
/// - The wakeup: `send` spawns the task that writes the body, and
///   wit-bindgen's executor polls a task spawned in the middle of a turn
///   only at the next wakeup; without one, an origin that answers only after
///   the whole body (every POST to a backend) waits for a body never written.
pub(crate) async fn send(
    request: ::http::Request<Bytes>,
) -> Result<spin_sdk::http::Response, spin_sdk::wasip3::http::types::ErrorCode> {
    let (mut parts, body) = request.into_parts();
    parts.headers.insert(
        ::http::header::CONTENT_LENGTH,
        ::http::HeaderValue::from(body.len()),
    );
    let request = ::http::Request::from_parts(parts, Full::new(body));
    let mut sending = std::pin::pin!(spin_sdk::http::send(request));
    let mut started = false;
    std::future::poll_fn(move |cx| {
        let poll = sending.as_mut().poll(cx);
        if poll.is_pending() && !std::mem::replace(&mut started, true) {
            cx.waker().wake_by_ref();
        }
        poll
    })
    .await
}
