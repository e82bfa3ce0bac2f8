//! werkmatch: the backend of a swipe app that matches young jobseekers with vacancies through
//! their strengths, with a portal for the coaches who support them. See `DESIGN.md`.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod caseloads;
pub mod clients;
pub mod clock;
pub mod competences;
pub mod conditional;
pub mod config;
pub mod cooldown;
pub mod db;
pub mod demo;
pub mod deprecation;
pub mod edge;
pub mod employers;
pub mod error;
pub mod health;
pub mod json;
pub mod matching;
pub mod notifications;
pub mod openapi;
pub mod outcomes;
pub mod paging;
pub mod ratelimit;
pub mod retention;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod work;
pub mod youth;
