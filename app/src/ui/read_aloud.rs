//! "Nghe bài": the chapter read aloud by the browser's own speech synthesis
//! with a Vietnamese voice, for residents who read slowly or not at all.
//!
//! An island, and hidden until it knows a `vi` voice exists: without
//! JavaScript or without a Vietnamese voice there is nothing to press. It
//! reads one sentence per utterance (reliable on every engine, unlike word
//! boundary events), highlights that sentence and keeps it on screen, starts
//! from the top, from the paragraph on screen or from a tapped paragraph,
//! pauses and resumes, reads slower or faster, and stops when the page goes.

use leptos::prelude::*;

use super::i18n::t;

/// "Nghe bài" and its controls: plain server-rendered buttons (no view code
/// in the WASM bundle), woken up by the island around them. `data-when`
/// says in which state (`idle`, `active`, `playing`, `paused`) a part shows;
/// the stylesheet hides the rest.
#[component]
pub fn ReadAloudControls() -> impl IntoView {
    let tx = t();
    view! {
        <ReadAloud>
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
        </ReadAloud>
    }
}

/// Hidden until the browser has a Vietnamese voice; then it reads.
#[island]
fn ReadAloud(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            engine::start(root.into());
        }
    });
    view! { <div node_ref=root class="read-aloud" data-state="idle" hidden>{children()}</div> }
}

#[cfg(feature = "hydrate")]
mod engine {
    use std::cell::RefCell;

    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{
        js_sys::{Array, Function, Reflect},
        Element, Event, Node, Range, SpeechSynthesis, SpeechSynthesisUtterance,
        SpeechSynthesisVoice,
    };

    /// What a button asks of the reader.
    #[derive(Clone, Copy, Debug)]
    enum Action {
        FromTop,
        FromScreen,
        PauseOrResume,
        Slower,
        Faster,
        Stop,
    }

    /// What is read, one block at a time (leaves only: a list item made of
    /// paragraphs is read as its paragraphs).
    const BLOCKS: &str =
        ".chapter h1, .chapter .prose :is(p, h2, h3, h4, li, th, td, dt, dd, figcaption)";
    const INNER: &str = ":is(p, h2, h3, h4, li, th, td, dt, dd, figcaption)";
    const HIGHLIGHT: &str = "read-aloud";
    const RATES: [f32; 5] = [0.6, 0.8, 1.0, 1.25, 1.5];

    struct Sentence {
        block: usize,
        text: String,
        /// UTF-16 offsets in the block's text (what a DOM Range counts).
        start: u32,
        end: u32,
    }

    struct Engine {
        synth: SpeechSynthesis,
        voice: SpeechSynthesisVoice,
        blocks: Vec<Element>,
        sentences: Vec<Sentence>,
        current: usize,
        /// Playing or paused (a tap on a paragraph reads from there).
        active: bool,
        rate: usize,
        /// The utterance being spoken; `end` events of any other are stale.
        speaking: Option<SpeechSynthesisUtterance>,
        on_end: Closure<dyn FnMut(Event)>,
        /// The control: its `data-state` drives what shows.
        root: Element,
    }

    thread_local! {
        static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    }

    fn window() -> web_sys::Window {
        web_sys::window().expect("a window")
    }

    /// Shows the control once a Vietnamese voice is known (voices arrive
    /// asynchronously in some browsers), and stops speech when the page goes.
    pub fn start(root: Element) {
        let Ok(synth) = window().speech_synthesis() else {
            return;
        };
        let found = {
            let synth = synth.clone();
            let root = root.clone();
            move || {
                let voice = vietnamese_voice(&synth)?;
                let on_end = Closure::<dyn FnMut(Event)>::new(|event: Event| ended(event));
                ENGINE.with_borrow_mut(|engine| {
                    *engine = Some(Engine {
                        synth: synth.clone(),
                        voice,
                        blocks: Vec::new(),
                        sentences: Vec::new(),
                        current: 0,
                        active: false,
                        rate: 2,
                        speaking: None,
                        on_end,
                        root: root.clone(),
                    })
                });
                let _ = root.remove_attribute("hidden");
                Some(())
            }
        };
        if found().is_none() {
            let once = RefCell::new(Some(found));
            let changed = Closure::<dyn FnMut()>::new(move || {
                let ready = once.borrow().as_ref().and_then(|f| f());
                if ready.is_some() {
                    once.borrow_mut().take();
                }
            });
            synth.set_onvoiceschanged(Some(changed.as_ref().unchecked_ref()));
            changed.forget();
        }
        let stop = Closure::<dyn FnMut()>::new(|| act(Action::Stop));
        let _ =
            window().add_event_listener_with_callback("pagehide", stop.as_ref().unchecked_ref());
        stop.forget();
        let press = Closure::<dyn FnMut(Event)>::new(pressed);
        let _ = root.add_event_listener_with_callback("click", press.as_ref().unchecked_ref());
        press.forget();
        // A tap on a paragraph while listening reads from there.
        if let Ok(Some(article)) = window()
            .document()
            .expect("document")
            .query_selector(".chapter")
        {
            let tap = Closure::<dyn FnMut(Event)>::new(tapped);
            let _ = article.add_event_listener_with_callback("click", tap.as_ref().unchecked_ref());
            tap.forget();
        }
    }

    fn vietnamese_voice(synth: &SpeechSynthesis) -> Option<SpeechSynthesisVoice> {
        let voices: Vec<SpeechSynthesisVoice> = synth
            .get_voices()
            .iter()
            .map(|v| v.unchecked_into())
            .collect();
        let lang = |v: &SpeechSynthesisVoice| v.lang().replace('_', "-").to_ascii_lowercase();
        voices
            .iter()
            .find(|v| lang(v) == "vi-vn")
            .or_else(|| voices.iter().find(|v| lang(v).starts_with("vi")))
            .cloned()
    }

    /// A click in the control: the button's `data-action`.
    fn pressed(event: Event) {
        let action = event
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("[data-action]").ok().flatten())
            .and_then(|b| b.get_attribute("data-action"));
        let action = match action.as_deref() {
            Some("top") => Action::FromTop,
            Some("here") => Action::FromScreen,
            Some("pause") => Action::PauseOrResume,
            Some("slower") => Action::Slower,
            Some("faster") => Action::Faster,
            Some("stop") => Action::Stop,
            _ => return,
        };
        act(action);
    }

    fn act(action: Action) {
        ENGINE.with_borrow_mut(|engine| {
            let Some(e) = engine.as_mut() else {
                return;
            };
            match action {
                Action::FromTop => {
                    e.load();
                    e.current = 0;
                    e.speak();
                }
                Action::FromScreen => {
                    e.load();
                    let top = e
                        .blocks
                        .iter()
                        .position(|b| b.get_bounding_client_rect().bottom() > 60.0);
                    e.current = top.map_or(0, |b| e.first_of(b));
                    e.speak();
                }
                Action::PauseOrResume => {
                    if e.speaking.is_some() {
                        e.silence();
                        e.state("paused");
                    } else if e.active {
                        e.speak();
                    }
                }
                Action::Slower | Action::Faster => {
                    e.rate = match action {
                        Action::Slower => e.rate.saturating_sub(1),
                        _ => (e.rate + 1).min(RATES.len() - 1),
                    };
                    // The new pace from the current sentence on.
                    if e.speaking.is_some() {
                        e.speak();
                    }
                }
                Action::Stop => e.stop(),
            }
        });
    }

    fn tapped(event: Event) {
        let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        if target
            .closest("a, button, input, summary")
            .ok()
            .flatten()
            .is_some()
        {
            return;
        }
        ENGINE.with_borrow_mut(|engine| {
            let Some(e) = engine.as_mut().filter(|e| e.active) else {
                return;
            };
            let Some(block) = e
                .blocks
                .iter()
                .position(|b| b.contains(Some(target.as_ref())))
            else {
                return;
            };
            e.current = e.first_of(block);
            e.speak();
        });
    }

    fn ended(event: Event) {
        ENGINE.with_borrow_mut(|engine| {
            let Some(e) = engine.as_mut() else {
                return;
            };
            let current: Option<JsValue> = e.speaking.clone().map(Into::into);
            if event.target().map(JsValue::from) != current {
                return;
            }
            e.current += 1;
            e.speak();
        });
    }

    impl Engine {
        /// Reads the chapter's blocks and sentences (once).
        fn load(&mut self) {
            if !self.sentences.is_empty() {
                return;
            }
            let document = window().document().expect("document");
            let Ok(all) = document.query_selector_all(BLOCKS) else {
                return;
            };
            for i in 0..all.length() {
                let Some(block) = all.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                    continue;
                };
                if block.query_selector(INNER).ok().flatten().is_some() {
                    continue;
                }
                let index = self.blocks.len();
                let text = block.text_content().unwrap_or_default();
                self.sentences
                    .extend(split(&text).into_iter().map(|(start, end, text)| Sentence {
                        block: index,
                        text,
                        start,
                        end,
                    }));
                self.blocks.push(block);
            }
        }

        fn first_of(&self, block: usize) -> usize {
            self.sentences
                .iter()
                .position(|s| s.block >= block)
                .unwrap_or(0)
        }

        fn speak(&mut self) {
            self.silence();
            let Some(sentence) = self.sentences.get(self.current) else {
                self.stop();
                return;
            };
            let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(&sentence.text) else {
                return;
            };
            utterance.set_lang("vi-VN");
            utterance.set_voice(Some(&self.voice));
            utterance.set_rate(RATES[self.rate]);
            utterance.set_onend(Some(self.on_end.as_ref().unchecked_ref()));
            self.show(sentence);
            self.speaking = Some(utterance.clone());
            self.active = true;
            self.synth.speak(&utterance);
            self.state("playing");
        }

        /// `idle`, `playing` or `paused`, for the stylesheet and the pause
        /// button's pressed state.
        fn state(&self, state: &str) {
            let _ = self.root.set_attribute("data-state", state);
            if let Ok(Some(pause)) = self.root.query_selector(".read-pause") {
                let _ = pause.set_attribute(
                    "aria-pressed",
                    if state == "paused" { "true" } else { "false" },
                );
            }
        }

        /// Stops the voice without moving on (`end` of it is then stale).
        fn silence(&mut self) {
            self.speaking = None;
            self.synth.cancel();
        }

        fn stop(&mut self) {
            self.silence();
            self.current = 0;
            self.active = false;
            for block in &self.blocks {
                let _ = block.remove_attribute("data-reading");
            }
            highlight(None);
            self.state("idle");
        }

        /// Marks the sentence (and its block) and scrolls it into view when
        /// it is hidden behind the control bar or off the screen.
        fn show(&self, sentence: &Sentence) {
            for (i, block) in self.blocks.iter().enumerate() {
                if i == sentence.block {
                    let _ = block.set_attribute("data-reading", "");
                } else {
                    let _ = block.remove_attribute("data-reading");
                }
            }
            let block = &self.blocks[sentence.block];
            let range = range_of(block, sentence.start, sentence.end);
            highlight(range.as_ref());
            let rect = match &range {
                Some(range) => range.get_bounding_client_rect(),
                None => block.get_bounding_client_rect(),
            };
            let height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(740.0);
            let bar = window()
                .document()
                .and_then(|d| d.query_selector(".read-aloud").ok().flatten())
                .map_or(0.0, |b| b.get_bounding_client_rect().height());
            if rect.top() < 0.0 || rect.bottom() > height - bar {
                window().scroll_by_with_x_and_y(0.0, rect.top() - height / 3.0);
            }
        }
    }

    /// Sentences of `text`: (start, end) in UTF-16 units, and the words.
    fn split(text: &str) -> Vec<(u32, u32, String)> {
        let mut out = Vec::new();
        let mut start = 0u32;
        let mut pos = 0u32;
        let mut current = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            pos += c.len_utf16() as u32;
            current.push(c);
            let ends = matches!(c, '.' | '!' | '?' | '…' | '\n')
                && chars.peek().is_none_or(|n| n.is_whitespace());
            if ends || chars.peek().is_none() {
                let trimmed = current.trim();
                // Skip what has nothing to say (a lone dash or bullet).
                if trimmed.chars().any(|c| !c.is_ascii_punctuation()) {
                    let lead: u32 = current
                        .chars()
                        .take_while(|c| c.is_whitespace())
                        .map(|c| c.len_utf16() as u32)
                        .sum();
                    out.push((start + lead, pos, trimmed.to_string()));
                }
                current.clear();
                start = pos;
            }
        }
        out
    }

    /// A DOM Range over UTF-16 offsets `start..end` of `block`'s text.
    fn range_of(block: &Element, start: u32, end: u32) -> Option<Range> {
        let mut texts = Vec::new();
        collect_texts(block.as_ref(), &mut texts);
        let range = window().document()?.create_range().ok()?;
        let mut offset = 0u32;
        let (mut started, mut ended) = (false, false);
        for node in texts {
            let len = node
                .text_content()
                .unwrap_or_default()
                .encode_utf16()
                .count() as u32;
            if !started && start < offset + len {
                range.set_start(&node, start - offset).ok()?;
                started = true;
            }
            if started && end <= offset + len {
                range.set_end(&node, end - offset).ok()?;
                ended = true;
                break;
            }
            offset += len;
        }
        (started && ended).then_some(range)
    }

    fn collect_texts(node: &Node, out: &mut Vec<Node>) {
        let mut child = node.first_child();
        while let Some(n) = child {
            if n.node_type() == Node::TEXT_NODE {
                out.push(n.clone());
            } else {
                collect_texts(&n, out);
            }
            child = n.next_sibling();
        }
    }

    /// The CSS Custom Highlight API (`::highlight(read-aloud)`), reached
    /// through `Reflect` (web-sys has it only behind an unstable flag);
    /// without it the block's `data-reading` mark is the highlight.
    fn highlight(range: Option<&Range>) -> Option<()> {
        let global = web_sys::js_sys::global();
        let css = Reflect::get(&global, &"CSS".into()).ok()?;
        let registry = Reflect::get(&css, &"highlights".into()).ok()?;
        if registry.is_undefined() {
            return None;
        }
        let method = |name: &str| -> Option<Function> {
            Reflect::get(&registry, &name.into()).ok()?.dyn_into().ok()
        };
        match range {
            Some(range) => {
                let class: Function = Reflect::get(&global, &"Highlight".into())
                    .ok()?
                    .dyn_into()
                    .ok()?;
                let marked = Reflect::construct(&class, &Array::of1(range.as_ref())).ok()?;
                method("set")?
                    .call2(&registry, &HIGHLIGHT.into(), &marked)
                    .ok()?;
            }
            None => {
                method("delete")?.call1(&registry, &HIGHLIGHT.into()).ok()?;
            }
        }
        Some(())
    }
}
