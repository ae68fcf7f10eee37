//! The islands' JavaScript and WASM are loaded only by pages that hold an
//! island: a chapter list or the home page costs no script at all, which on
//! prepaid mobile data is most of a cold page's weight.

use leptos::prelude::*;

/// Put once next to a page's island: its hydration scripts.
#[component]
pub fn IslandScripts() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}
