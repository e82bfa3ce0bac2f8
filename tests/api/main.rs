//! Black-box API tests over HTTP: one binary, one file per area.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test here

mod conformance;
mod helpers;

mod accounts;
mod clients;
mod competences;
mod contract;
mod errors;
mod matching;
mod operations;
mod outcomes;
mod portal;
mod profiles;
mod sessions;
mod vacancies;
