//! Responses and refusals, independent of any HTTP library.

/// A response the component hands to its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    /// The value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A refusal: HTTP status, machine code, human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// `Retry-After` (seconds) for refusals that pass: an unavailable
    /// region, a full queue.
    pub retry_after_s: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code: code.into(),
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> Refusal {
        self.retry_after_s = Some(seconds);
        self
    }

    /// The JSON refusal every part of Meridian answers with.
    pub fn into_response(self) -> Response {
        let mut response = Response::new(self.status);
        if let Some(seconds) = self.retry_after_s {
            response = response.header("retry-after", seconds.to_string());
        }
        response
            .header("content-type", meridian_wit::rpc::PROBLEM_JSON)
            .header("cache-control", "no-store")
            .body(meridian_wit::rpc::error_body(
                self.status,
                &self.code,
                &self.message,
            ))
    }
}

impl From<Refusal> for Response {
    fn from(r: Refusal) -> Response {
        r.into_response()
    }
}
