//! One test binary; each module is a feature seen from outside.

mod accessibility;
mod accounts;
mod assets;
mod backups;
mod browser;
mod certificates;
mod content;
mod fast_path;
mod hardening;
mod health;
mod keyboard;
mod officials_browser;
mod operations;
mod orgs;
mod pages;
mod progress;
mod publishing;
mod quiz;
mod read_aloud;
mod release;
mod reminders;
mod reports;
mod routes;
mod sanitize;
mod search;
mod skills;
