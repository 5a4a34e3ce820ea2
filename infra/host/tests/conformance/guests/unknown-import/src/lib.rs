//! Imports `fermyon:spin/llm@2.0.0`, which meridian-host does not provide: the
//! host must refuse it at start, naming the interface.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> Response {
    let answer = spin_sdk::llm::infer(spin_sdk::llm::InferencingModel::Llama2Chat, "hi");
    Response::builder()
        .status(200)
        .body(format!("{:?}", answer.map(|r| r.text)))
        .build()
}
