//! NATS Streaming Playground: a faithful NATS Streaming Server (STAN) simulator.
//!
//! [`engine`] is the deterministic simulation (native and wasm); [`output`] renders a run as
//! the contract's JSON; `ui` (feature `ui`) is the browser page.

pub mod codegen;
pub mod codegen_js;
pub mod embed;
pub mod engine;
pub mod fixed;
pub mod json;
pub mod lesson;
pub mod output;
pub mod share;
pub mod text;
#[cfg(feature = "ui")]
pub mod ui;
