//! The browser page (Yew). It only renders engine state and turns gestures into engine
//! inputs: [`state`] holds the reducer, [`board_model`] and [`view_model`] compute shapes and
//! labels (tested natively), the rest are components.
pub mod api;
pub mod app;
pub mod board;
pub mod board_model;
pub mod crash;
pub mod embed;
pub mod examples;
pub mod gesture;
pub mod hooks;
pub mod inspector;
pub mod jetstream;
pub mod jetstream_code;
pub mod jetstream_gesture;
pub mod jetstream_inspector;
pub mod jetstream_lesson;
pub mod jetstream_live;
pub mod jetstream_model;
pub mod jetstream_timeline;
pub mod lab;
pub mod lessons;
pub mod panels;
pub mod state;
pub mod timeline;
pub mod timeline_model;
pub mod toolbar;
pub mod view_model;
