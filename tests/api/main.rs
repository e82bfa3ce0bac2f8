//! Black-box API tests over HTTP: one binary, one file per area.

mod helpers;

mod accounts;
mod contract;
mod errors;
mod operations;
mod sessions;
