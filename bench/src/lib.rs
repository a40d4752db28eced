//! The pieces of `serve-bench`, the end-to-end benchmark of what users run (`<app> serve` with
//! its default configuration) against an Express peer and a bare axum handler. See
//! `BENCHMARKS.md` at the repository root for what is measured and why.
//!
//! - [`load`]: keep-alive HTTP/1.1 clients on loopback that send Shoporama-like callbacks,
//!   for a time or a count, optionally at a fixed rate, and time each answer.
//! - [`target`]: the servers under test as child processes (pixel, the Express peer, bare
//!   axum), their logs and their resident memory.
//! - [`queue`]: how many recorded webhooks a target still has to handle, and how many it did.
//! - [`report`]: per-round figures, medians, ratios, the table and the JSON.
//!
//! A benchmark tool: it panics with a clear message when its environment is broken.
#![allow(clippy::missing_panics_doc)]

pub mod load;
pub mod queue;
pub mod report;
pub mod target;

/// The app token every target is started with.
pub const TOKEN: &str = "bench-app-token-5d1c";
/// The shop the webhooks are for (installed on the pixel before each round).
pub const WEBSHOP_ID: u64 = 7;
