//! Reading without a network: residents in highland communes lose the
//! signal in the middle of a chapter.
//!
//! A small service worker (plain JavaScript, `sw.js`) keeps every page a
//! person opened, and whole courses on request, and keeps "Đã đọc xong" and
//! quiz answers given offline until the network is back. The server parts
//! are here: the worker and its page script, the web app manifest, each
//! course's download list, the offline page, and the download box on the
//! course page. Everything works without JavaScript, online, as before.

pub mod pages;
mod texts;

pub mod ssr;
