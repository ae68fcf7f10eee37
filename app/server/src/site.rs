//! The site as a whole: the HTML document around every page and the routes
//! from addresses to pages. The one place that names every feature's pages
//! (start-up hands [`shell`] to whatever renders a page).

use http::request::Parts;
use leptos::prelude::*;
use leptos_meta::MetaTags;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    accounts::pages::{AdminUsersPage, ResetPage, SignInPage, SignUpPage},
    assignments::pages::AssignmentsPage,
    certificates::pages::{CertificatePage, VerifyPage},
    classes::pages::{ClassPage, ClassScreenPage, ClassesPage, JoinPage},
    content::{
        pages::{ChapterPage, CoursePage, CoursesPage},
        status::ContentStatusPage,
    },
    offline::pages::OfflinePage,
    orgs::pages::{OfficialsPage, UnitsPage},
    progress::pages::MePage,
    publishing::pages::{
        ContentDraftPage, ContentEditPage, ContentHistoryPage, ContentHomePage, ContentPreviewPage,
    },
    quiz::{
        pages::{ChapterQuizPage, FinalTestPage, QuizResultPage},
        stats::StatsPageView,
    },
    reports::pages::{OverduePage, ReportsPage},
    search::SearchPage,
    ui::{
        home::HomePage, layout::Layout, not_found::NotFound, text_size::CurrentTextLevel,
        AssetPaths, ReaderPrefs,
    },
};

/// leptos_meta writes the title into `<title>` as it is, unescaped: a
/// trainer's chapter title (or an upload's file name) must never become
/// markup. (Pages are rendered on the server only, never in the browser.)
fn title_text(page: &str) -> String {
    page.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The whole site: layout around the routed page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Hocvu".to_string() } else { format!("{} · Hocvu", title_text(&page)) }
        }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound/> }>
                    // Async: the whole page is rendered before it is sent, so it
                    // needs no JavaScript and 404s get their status code.
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/courses") view=CoursesPage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course") view=CoursePage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/test") view=FinalTestPage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/stats") view=StatsPageView ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/test/result/:attempt") view=QuizResultPage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/:chapter") view=ChapterPage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/:chapter/quiz") view=ChapterQuizPage ssr=SsrMode::Async/>
                    <Route path=path!("/courses/:course/:chapter/quiz/result/:attempt") view=QuizResultPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/offline") view=OfflinePage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=ResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/units") view=UnitsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/officials") view=OfficialsPage ssr=SsrMode::Async/>
                    <Route path=path!("/assignments") view=AssignmentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view=ReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports/overdue") view=OverduePage ssr=SsrMode::Async/>
                    <Route path=path!("/certificates/:code") view=CertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/verify/:code") view=VerifyPage ssr=SsrMode::Async/>
                    <Route path=path!("/me") view=MePage ssr=SsrMode::Async/>
                    <Route path=path!("/classes") view=ClassesPage ssr=SsrMode::Async/>
                    <Route path=path!("/classes/:id") view=ClassPage ssr=SsrMode::Async/>
                    <Route path=path!("/classes/:id/screen") view=ClassScreenPage ssr=SsrMode::Async/>
                    <Route path=path!("/join/:code") view=JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/content/status") view=ContentStatusPage ssr=SsrMode::Async/>
                    <Route path=path!("/content") view=ContentHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/content/edit") view=ContentEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/content/history") view=ContentHistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/content/drafts/:id") view=ContentDraftPage ssr=SsrMode::Async/>
                    <Route path=path!("/content/drafts/:id/preview/:course/:chapter") view=ContentPreviewPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// The document shell: `<html lang>` follows the reader's language.
pub fn shell(options: LeptosOptions) -> AnyView {
    let prefs = use_context::<Parts>()
        .map(|parts| ReaderPrefs::of(&parts))
        .unwrap_or_default();
    provide_context(prefs.lang);
    provide_context(prefs);
    provide_context(CurrentTextLevel(prefs.text_size));
    // Islands load their scripts themselves (`IslandScripts`); the rest of
    // the page carries no hydration markers.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    provide_context(options);
    let css = use_context::<AssetPaths>()
        .map(|a| a.css)
        .unwrap_or_else(|| "/pkg/hocvu.css".to_string());
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.code() data-text-size=prefs.text_size.to_string()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b5cad"/>
                <link rel="stylesheet" href=css/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // Offline reading (service worker); never needed to read.
                <script src=crate::offline::ssr::PAGE_SCRIPT.url() defer></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
    .into_any()
}
