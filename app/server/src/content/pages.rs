//! Handbook pages: catalog, course and chapter. All server-rendered and
//! complete without JavaScript.

use crate::web::links;
use leptos::{either::Either, prelude::*};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    get_chapter, get_course, list_courses, Audience, ChapterLink, ChapterView, CourseCard,
    CourseOutline,
};
use crate::{
    offline::pages::DownloadForOffline,
    progress::{course_marks, my_chapter_marks, pages::ProgressBar, ChapterMarks},
    ui::{
        i18n::{t, use_lang},
        not_found::NotFound,
        read_aloud::ReadAloudControls,
    },
};

/// `/courses`: every course, with an audience filter that is a plain link.
#[component]
pub fn CoursesPage() -> impl IntoView {
    let query = use_query_map();
    let audience = move || query.read().get("for").and_then(|v| Audience::parse(&v));
    let courses = Resource::new(audience, list_courses);
    let tx = t();
    view! {
        <Title text=tx.courses_title/>
        <h1>{tx.courses_title}</h1>
        <p class="lead">{tx.courses_lead}</p>
        <nav class="filter" aria-label=tx.filter_label>
            {move || {
                let current = audience();
                [None, Some(Audience::Resident), Some(Audience::Official)]
                    .into_iter()
                    .map(|choice| {
                        let href = match choice {
                            Some(a) => format!("/courses?for={}", a.code()),
                            None => "/courses".to_string(),
                        };
                        let label = choice.map_or(tx.filter_all, |a| tx.audience(a));
                        let current = (choice == current).then_some("page");
                        view! { <a href=href aria-current=current>{label}</a> }
                    })
                    .collect_view()
            }}
        </nav>
        <Suspense>
            {move || Suspend::new(async move {
                match courses.await {
                    Ok(list) => Either::Left(view! { <CourseList courses=list/> }),
                    Err(_) => Either::Right(view! { <p class="error">{tx.load_error}</p> }),
                }
            })}
        </Suspense>
    }
}

/// Cards linking to courses (also used on the home page).
#[component]
pub fn CourseList(courses: Vec<CourseCard>) -> impl IntoView {
    let tx = t();
    if courses.is_empty() {
        return Either::Left(view! { <p>{tx.no_courses}</p> });
    }
    Either::Right(view! {
        <ul class="course-list">
            {courses
                .into_iter()
                .map(|c| {
                    view! {
                        <li class="course-card">
                            <a href=links::course(&c.slug)>
                                <h2>{c.title}</h2>
                                <p>{c.summary}</p>
                                <p class="meta">
                                    <span>{tx.audience(c.audience)}</span>
                                    <span>{(tx.chapter_count)(c.chapter_count)}</span>
                                    <span>{(tx.minutes)(c.minutes)}</span>
                                    {c.certificate.then(|| view! { <span class="badge">{tx.certificate_badge}</span> })}
                                </p>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    })
}

/// `/courses/<course>`: summary and the chapter list.
#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let course = Resource::new(
        move || params.read().get("course").unwrap_or_default(),
        get_course,
    );
    let marks = Resource::new(
        move || params.read().get("course").unwrap_or_default(),
        course_marks,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let marks = marks.await.unwrap_or_default();
                match course.await {
                    Ok(Some(outline)) => view! { <CourseView outline marks/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CourseView(outline: CourseOutline, marks: Vec<(String, ChapterMarks)>) -> impl IntoView {
    let tx = t();
    let CourseOutline {
        card,
        chapters,
        has_final_test,
        offline_bytes,
    } = outline;
    let test_href = has_final_test.then(|| links::quiz(&card.slug, links::FINAL_TEST));
    // Sent here from a chapter address the course no longer has.
    let gone = use_query_map().get_untracked().get("gone").as_deref() == Some("1");
    // Where the big button goes: the first step not yet done, labelled
    // "start" for a new learner and "continue" for one who has begun.
    let started = marks.iter().any(|(_, m)| m.read || m.quiz_passed);
    let pending = chapters.iter().find(|c| {
        let mark = marks.iter().find(|(id, _)| *id == c.id).map(|(_, m)| m);
        !mark.is_some_and(|m| m.read && (m.quiz_passed || !c.has_quiz))
    });
    let first = pending.map(|c| {
        let label = if started {
            tx.continue_where
        } else {
            tx.course_start
        };
        (links::chapter(&card.slug, &c.id), label)
    });
    let slug = card.slug.clone();
    view! {
        <Title text=card.title.clone()/>
        <Meta name="description" content=card.summary.clone()/>
        <nav class="breadcrumb" aria-label=tx.breadcrumb_label>
            <a href="/courses">{tx.nav_courses}</a>
        </nav>
        {gone.then(|| view! { <p class="notice" role="status">{tx.chapter_gone}</p> })}
        <h1>{card.title}</h1>
        <p class="lead">{card.summary}</p>
        <p class="meta">
            <span>{tx.audience(card.audience)}</span>
            <span>{(tx.chapter_count)(card.chapter_count)}</span>
            <span>{(tx.minutes)(card.minutes)}</span>
            {card.certificate.then(|| view! { <span class="badge">{tx.certificate_badge}</span> })}
        </p>
        {(!marks.is_empty()).then(|| {
            let read = marks.iter().filter(|(_, m)| m.read).count();
            let quizzes = chapters.iter().filter(|c| c.has_quiz).count();
            let passed = marks.iter().filter(|(_, m)| m.quiz_passed).count();
            let steps = (chapters.len() + quizzes).max(1);
            view! { <ProgressBar percent=(read + passed) * 100 / steps label=(tx.progress_label)(read, chapters.len(), passed, quizzes)/> }
        })}
        {first.map(|(href, label)| view! { <p><a class="button" href=href>{label}</a></p> })}
        <h2>{tx.course_chapters}</h2>
        <ol class="chapter-list">
            {chapters
                .into_iter()
                .map(|c| {
                    let mark = marks.iter().find(|(id, _)| *id == c.id).map(|(_, m)| m.clone()).unwrap_or_default();
                    view! { <ChapterItem course=slug.clone() chapter=c mark/> }
                })
                .collect_view()}
        </ol>
        {test_href.map(|href| view! { <p><a class="button secondary" href=href>{tx.course_take_test}</a></p> })}
        <DownloadForOffline course=slug bytes=offline_bytes/>
    }
}

#[component]
fn ChapterItem(course: String, chapter: ChapterLink, mark: ChapterMarks) -> impl IntoView {
    let tx = t();
    view! {
        <li>
            <a href=links::chapter(&course, &chapter.id)>{chapter.title}</a>
            <span class="meta">
                <span>{(tx.minutes)(chapter.minutes)}</span>
                {chapter.has_quiz.then(|| view! { <span>{tx.quiz_badge}</span> })}
                {mark.read.then(|| view! { <span class="badge">{tx.read_mark}</span> })}
                {mark.quiz_passed.then(|| view! { <span class="badge">{tx.quiz_passed_mark}</span> })}
            </span>
            <p>{chapter.summary}</p>
        </li>
    }
}

/// `/courses/<course>/<chapter>`: the chapter itself.
#[component]
pub fn ChapterPage() -> impl IntoView {
    let params = use_params_map();
    let which = move || {
        let p = params.read();
        (
            p.get("course").unwrap_or_default(),
            p.get("chapter").unwrap_or_default(),
        )
    };
    let which_untracked = move || {
        let p = params.read_untracked();
        (
            p.get("course").unwrap_or_default(),
            p.get("chapter").unwrap_or_default(),
        )
    };
    let chapter = Resource::new(which, |(course, chapter)| get_chapter(course, chapter));
    let mark = Resource::new(which, |(course, chapter)| my_chapter_marks(course, chapter));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let mark = mark.await.unwrap_or_default();
                match chapter.await {
                    Ok(Some(view)) => {
                        view! { <ChapterBody chapter=view mark/> }.into_any()
                    }
                    Ok(None) => gone_or_missing(&which_untracked().0).into_any(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A chapter address that leads nowhere: when its course is still there
/// (the chapter was removed or renamed), readers go to the course, which
/// says so; otherwise the 404 page.
fn gone_or_missing(course: &str) -> impl IntoView {
    let course_there = super::ssr::current_catalog()
        .ok()
        .is_some_and(|c| c.course(course).is_some());
    if !course_there {
        return Either::Left(view! { <NotFound/> });
    }
    let to = format!("{}?gone=1", links::course(course));
    crate::ui::gates::respond(302, Some(&to));
    Either::Right(view! { <p><a href=to>{t().chapter_gone}</a></p> })
}

/// Table of contents only where it helps: chapters with several sections.
const TOC_MIN_ENTRIES: usize = 4;

#[component]
fn ChapterBody(chapter: ChapterView, mark: ChapterMarks) -> impl IntoView {
    let tx = t();
    // Back from "Đã đọc xong": confirm it and offer the next step there.
    let just_read = use_query_map().get_untracked().get("read").as_deref() == Some("1");
    let course_href = links::course(&chapter.course_slug);
    let link = |c: &ChapterLink| links::chapter(&chapter.course_slug, &c.id);
    let prev = chapter.prev.as_ref().map(|c| (link(c), c.title.clone()));
    let next = chapter.next.as_ref().map(|c| (link(c), c.title.clone()));
    let toc = (chapter.toc.len() >= TOC_MIN_ENTRIES).then(|| {
        view! {
            <nav class="toc" aria-labelledby="toc-title">
                <h2 id="toc-title">{tx.toc_title}</h2>
                <ul>
                    {chapter
                        .toc
                        .iter()
                        .map(|e| {
                            let class = if e.level == 3 { "sub" } else { "" };
                            view! { <li class=class><a href=format!("#{}", e.id)>{e.text.clone()}</a></li> }
                        })
                        .collect_view()}
                </ul>
            </nav>
        }
    });
    view! {
        <Title text=chapter.title.clone()/>
        <nav class="breadcrumb" aria-label=tx.breadcrumb_label>
            <a href="/courses">{tx.nav_courses}</a>
            " › "
            <a href=course_href.clone()>{chapter.course_title.clone()}</a>
        </nav>
        // Handbook text is Vietnamese whatever the interface language, so a
        // screen reader in English mode reads it with a Vietnamese voice.
        <article class="chapter" lang="vi">
            <header>
                <p class="meta">
                    <span>{(tx.chapter_position)(chapter.position, chapter.total)}</span>
                    <span>{(tx.minutes)(chapter.minutes)}</span>
                </p>
                <h1>{chapter.title.clone()}</h1>
            </header>
            // A trainer's recording first: a plain <audio> works without
            // JavaScript, and loads nothing until pressed (prepaid data).
            {chapter.audio.clone().map(|src| {
                let download = src.clone();
                view! {
                <figure class="recording" lang=use_lang().code()>
                    <figcaption>{tx.recording_label}</figcaption>
                    <audio controls preload="none" src=src>
                        <a href=download>{tx.recording_download}</a>
                    </audio>
                </figure>
                }
            })}
            <ReadAloudControls/>
            {toc}
            <div class="prose" inner_html=chapter.html/>
        </article>
        <div class="chapter-end" id="read-done">
            {if mark.read && just_read {
                Either::Left(view! {
                    <div class="notice read-recorded" role="status">
                        <p class="done">{tx.read_recorded}</p>
                        <p>{tx.read_next_step}</p>
                    </div>
                }.into_any())
            } else if mark.read {
                Either::Left(view! { <p class="done">{tx.already_read}</p> }.into_any())
            } else {
                Either::Right(view! {
                    <form method="post" action=links::mark_read(&chapter.course_slug, &chapter.id)>
                        <input type="hidden" name="event" value=chapter.read_event.clone()/>
                        <button type="submit" class="read-done">{tx.mark_read}</button>
                    </form>
                })
            }}
            {mark.quiz_passed.then(|| view! { <p class="done">{tx.quiz_passed_mark}</p> })}
            {chapter.has_quiz.then(|| {
                // Just read and not yet passed: the quiz is the next step.
                let class = if just_read && !mark.quiz_passed { "button" } else { "button secondary" };
                view! {
                    <p class="chapter-quiz">
                        <a class=class href=links::quiz(&chapter.course_slug, &chapter.id)>{tx.chapter_take_quiz}</a>
                    </p>
                }
            })}
            {(just_read && (!chapter.has_quiz || mark.quiz_passed)).then(|| {
                let (href, label) = match &next {
                    Some((href, title)) => (href.clone(), (tx.quiz_next_chapter)(title)),
                    None => (course_href.clone(), tx.quiz_back_to_course.to_string()),
                };
                view! { <p><a class="button" href=href>{label}</a></p> }
            })}
        </div>
        <nav class="pager">
            {prev.map(|(href, title)| view! {
                <a class="prev" href=href rel="prev"><small>{tx.prev_chapter}</small><span>{title}</span></a>
            })}
            {match next {
                Some((href, title)) => Either::Left(view! {
                    <a class="next" href=href rel="next"><small>{tx.next_chapter}</small><span>{title}</span></a>
                }),
                None => Either::Right(view! {
                    <a class="next" href=course_href><small>{tx.back_to_course}</small><span>{chapter.course_title}</span></a>
                }),
            }}
        </nav>
    }
}
