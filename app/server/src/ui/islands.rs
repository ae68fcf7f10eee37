//! The islands' JavaScript and WASM are loaded only by pages that hold an
//! island: a chapter list or the home page costs no script at all, which on
//! prepaid mobile data is most of a cold page's weight.

use leptos::prelude::*;

/// Put once next to a page's island: its hydration scripts.
#[component]
pub fn IslandScripts() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}

/// The inline scripts leptos itself writes into a page: the islands'
/// loader, and the hydration context's bookkeeping as it is on a page
/// that hands no data to the browser (every kept page). The page cache
/// allows exactly these (by hash) in the pages it keeps.
pub fn framework_scripts_html(options: &LeptosOptions) -> String {
    use futures_util::{FutureExt, StreamExt};
    use hydration_context::SharedContext;
    let options = options.clone();
    let mut html =
        Owner::new().with(|| view! { <HydrationScripts options islands=true/> }.to_html());
    let context = hydration_context::SsrSharedContext::new_islands();
    let chunks = context
        .pending_data()
        .and_then(|stream| stream.collect::<Vec<String>>().now_or_never())
        .unwrap_or_default();
    for chunk in chunks {
        html.push_str(&format!("<script>{chunk}</script>"));
    }
    html
}
