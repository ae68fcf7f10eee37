//! "Nghe bài": the chapter read aloud by the browser's own speech synthesis
//! with a Vietnamese voice, for residents who read slowly or not at all.
//!
//! Hidden until a small script (`read_aloud.js`) knows a `vi` voice exists:
//! without JavaScript or without a Vietnamese voice there is nothing to
//! press. It reads one sentence per utterance, highlights that sentence and
//! keeps it on screen, starts from the top, from the paragraph on screen or
//! from a tapped paragraph, pauses and resumes, reads slower or faster, and
//! stops when the page goes. Plain JavaScript rather than an island: the
//! islands' runtime and WASM (about 70 KB) would double a cold chapter.

use leptos::prelude::*;
use leptos_meta::Script;

use super::i18n::t;

/// "Nghe bài" and its controls: plain server-rendered buttons, woken up by
/// the script. `data-when` says in which state (`idle`, `active`, `playing`,
/// `paused`) a part shows; the stylesheet hides the rest.
#[component]
pub fn ReadAloudControls() -> impl IntoView {
    let tx = t();
    view! {
        <div class="read-aloud" data-state="idle" hidden>
            <div class="read-aloud-controls" role="group" aria-label=tx.read_aloud_label>
                <button type="button" class="read-start" data-action="top" data-when="idle">
                    <span aria-hidden="true">"🔊 "</span>{tx.read_aloud_start}
                </button>
                <button type="button" class="secondary read-here" data-action="here" data-when="idle">{tx.read_aloud_here}</button>
                <button type="button" class="read-pause" data-action="pause" data-when="active" aria-pressed="false">
                    <span data-when="playing">{tx.read_aloud_pause}</span>
                    <span data-when="paused">{tx.read_aloud_resume}</span>
                </button>
                <button type="button" class="secondary read-slower" data-action="slower" data-when="active">{tx.read_aloud_slower}</button>
                <button type="button" class="secondary read-faster" data-action="faster" data-when="active">{tx.read_aloud_faster}</button>
                <button type="button" class="secondary read-stop" data-action="stop" data-when="active">{tx.read_aloud_stop}</button>
                <p class="hint" data-when="active">{tx.read_aloud_hint}</p>
            </div>
        </div>
        // No Vietnamese voice on this phone: say how to add one instead of
        // showing nothing (the script shows it once the voices are known).
        <p class="read-aloud-missing notice" hidden>
            {tx.read_aloud_missing}" "<a href="/nghe-bai">{tx.read_aloud_missing_link}</a>
        </p>
        // In the head, like every script: the body holds only content.
        <Script src=script_url() defer="defer"/>
    }
}

/// `/nghe-bai`: how to add a Vietnamese voice, per kind of Android phone.
#[component]
pub fn VoiceHelpPage() -> impl IntoView {
    let tx = t();
    let steps = |text: &'static str| {
        view! { <ol>{text.split('|').map(|s| view! { <li>{s.trim().to_string()}</li> }).collect_view()}</ol> }
    };
    view! {
        <leptos_meta::Title text=tx.voice_help_title/>
        <h1>{tx.voice_help_title}</h1>
        <p class="lead">{tx.voice_help_lead}</p>
        <section class="panel">
            <h2>{tx.voice_help_new_title}</h2>
            {steps(tx.voice_help_new_steps)}
        </section>
        <section class="panel">
            <h2>{tx.voice_help_old_title}</h2>
            {steps(tx.voice_help_old_steps)}
        </section>
        <section class="panel">
            <h2>{tx.voice_help_samsung_title}</h2>
            {steps(tx.voice_help_samsung_steps)}
        </section>
        <p>{tx.voice_help_after}</p>
    }
}

/// The script's address (content-hashed); it lives in the server binary.
fn script_url() -> &'static str {
    SCRIPT.url()
}

/// `read_aloud.js`, served at `/read-aloud.js`.
pub static SCRIPT: crate::web::scripts::Script =
    crate::web::scripts::Script::new("/read-aloud.js", include_str!("read_aloud.js"));
