//! One test binary; each module is a feature seen from outside.

mod assets;
mod browser;
mod content;
mod health;
mod pages;
mod sanitize;
mod search;
