//! The home page: what Hocvu is, and the courses for residents and officials.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use super::i18n::t;
use crate::{
    classes::pages::CodeForm,
    content::{list_courses, pages::CourseList, Audience},
    progress::{load_my_learning, pages::ContinueLink},
};

#[component]
pub fn HomePage() -> impl IntoView {
    let tx = t();
    let courses = Resource::new(|| (), |_| list_courses(None));
    let learning = Resource::new(|| (), |_| load_my_learning());
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{tx.home_title}</h1>
            <p class="lead">{tx.home_lead}</p>
        </section>
        // In a commune hall: the code on the projector, typed here (the QR
        // code is never the only way in).
        <section class="join-class-box" aria-labelledby="join-heading">
            <h2 id="join-heading">{crate::classes::texts::ct().join_title}</h2>
            <CodeForm/>
        </section>
        <Suspense>
            {move || Suspend::new(async move {
                learning.await.ok().and_then(|me| me.continue_at).map(|(href, title)| view! { <ContinueLink href title/> })
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                match courses.await {
                    Ok(all) => {
                        let (residents, officials): (Vec<_>, Vec<_>) = all
                            .into_iter()
                            .partition(|c| c.audience.suits(Audience::Resident));
                        Either::Left(view! {
                            <section>
                                <h2>{tx.home_courses_residents}</h2>
                                <CourseList courses=residents/>
                            </section>
                            <section>
                                <h2>{tx.home_courses_officials}</h2>
                                <CourseList courses=officials/>
                            </section>
                            <p><a href="/courses">{tx.home_all_courses}</a></p>
                        })
                    }
                    Err(_) => Either::Right(view! { <p class="error">{tx.load_error}</p> }),
                }
            })}
        </Suspense>
        <section class="cards">
            <article class="card">
                <h2>{tx.home_residents_title}</h2>
                <p>{tx.home_residents_body}</p>
            </article>
            <article class="card">
                <h2>{tx.home_officials_title}</h2>
                <p>{tx.home_officials_body}</p>
            </article>
            <article class="card">
                <h2>{tx.home_light_title}</h2>
                <p>{tx.home_light_body}</p>
            </article>
        </section>
    }
}
