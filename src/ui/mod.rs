//! The browser page (Yew). It only renders engine state and turns gestures into engine
//! inputs; all geometry and labels come from [`view_model`], which is tested natively.
//!
//! This first page proves the engine runs in wasm: choose or paste a scenario, run it, read
//! the trace and the monitoring endpoints. The visual board comes next.
pub mod app;
pub mod view_model;
