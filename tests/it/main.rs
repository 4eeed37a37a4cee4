//! The integration tests, as one test binary: each file below is a module. (Nine binaries each
//! linked the whole app, ~75 MB apiece: one binary builds faster and takes a ninth of the disk.)
//! Run a part with a filter, e.g. `cargo test --test it -- real_photos:: tracking::`.

mod common;

mod architecture;
mod cli;
mod decoding;
mod print;
mod real_photos;
mod rules;
mod specs;
mod tracking;
#[cfg(feature = "gui")]
mod ui;
