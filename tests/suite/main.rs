//! One test binary; each module is a feature seen from outside.

mod accounts;
mod assets;
mod browser;
mod content;
mod health;
mod pages;
mod progress;
mod quiz;
mod routes;
mod sanitize;
mod search;
