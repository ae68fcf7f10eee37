//! The page shell, the site layout and the pages that belong to no feature.

pub mod home;
pub mod i18n;
pub mod islands;
pub mod layout;
pub mod not_found;
pub mod officials_texts;
pub mod read_aloud;
pub mod text_size;

mod shell;
pub use shell::{shell, AssetPaths, ReaderPrefs};

/// `YYYY-MM-DD` as people in Vietnam write it: `dd/mm/yyyy`. Anything else
/// is shown as it is.
pub fn day_month_year(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use self::{home::HomePage, i18n::t, layout::Layout, not_found::NotFound};
use crate::{
    accounts::pages::{AdminUsersPage, ResetPage, SignInPage, SignUpPage},
    assignments::pages::AssignmentsPage,
    certificates::pages::{CertificatePage, VerifyPage},
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

/// Convenience for pages: the strings of the current request.
pub fn texts() -> &'static i18n::Texts {
    t()
}
