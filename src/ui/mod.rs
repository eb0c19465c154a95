//! The browser page (Yew). For now: load a scenario, run it in wasm, show its trace.
pub mod app;
