//! The offline page and the course page's download box.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::texts::ot;

/// `/offline`: what the service worker shows for a page it never kept, and
/// (`?saved=read|quiz`) after keeping an action to send later. The list of
/// what can be read is filled in by the page script, from the phone.
#[component]
pub fn OfflinePage() -> impl IntoView {
    let tx = ot();
    let saved = use_query_map().read_untracked().get("saved");
    let (heading, lead) = match saved.as_deref() {
        Some("read") => (tx.saved_read, tx.saved_lead),
        Some("quiz") => (tx.saved_quiz, tx.saved_lead),
        _ => (tx.offline, tx.offline_lead),
    };
    view! {
        <Title text=tx.page_title/>
        <h1>{heading}</h1>
        <p class="lead">{lead}</p>
        <h2>{tx.available}</h2>
        <div id="offline-list">
            <p>{tx.nothing_yet}</p>
        </div>
        <p><a class="button" href="/">{tx.home}</a></p>
    }
}

/// "Tải về để đọc khi không có mạng" with the size first. Hidden until the
/// page script finds a service worker to do it (without one it cannot).
#[component]
pub fn DownloadForOffline(course: String, bytes: u64) -> impl IntoView {
    let tx = ot();
    view! {
        <section class="offline-download" data-offline-course=course hidden aria-labelledby="offline-heading">
            <h2 id="offline-heading">{tx.download_heading}</h2>
            <p>{(tx.download_size)(bytes)}</p>
            <button type="button" class="button">{tx.download}</button>
            <button type="button" class="button secondary" hidden>{tx.remove}</button>
            <p role="status" class="offline-status"></p>
        </section>
    }
}
