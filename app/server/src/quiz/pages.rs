//! Quiz pages: the form, and the result of an attempt. Both complete
//! without JavaScript.

use crate::web::links::{self, with_query};
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    field, load_quiz_form, load_quiz_result, AnswerKind, CertificateLink, QuestionForm, QuizForm,
    QuizPageData, QuizResult, FINAL_TEST,
};
use hocvu_island::QuizSubmit;

use crate::ui::{i18n::t, islands::IslandScripts, not_found::NotFound};

/// `/courses/<course>/<chapter>/quiz`
#[component]
pub fn ChapterQuizPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("chapter").unwrap_or_default();
    view! { <QuizPage key=Signal::derive(key)/> }
}

/// `/courses/<course>/test`: the course's final test.
#[component]
pub fn FinalTestPage() -> impl IntoView {
    view! { <QuizPage key=Signal::derive(|| FINAL_TEST.to_string())/> }
}

#[component]
fn QuizPage(key: Signal<String>) -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || (params.read().get("course").unwrap_or_default(), key.get()),
        |(course, quiz)| load_quiz_form(course, quiz),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(QuizPageData::Form(form))) => view! { <QuizFormView form/> }.into_any(),
                    Ok(Some(QuizPageData::NoAttemptsLeft { title, course_slug, result_href })) => {
                        let tx = t();
                        view! {
                            <Title text=title.clone()/>
                            <h1>{title}</h1>
                            <p role="status">{tx.quiz_no_attempts}</p>
                            <p><a href=result_href>{tx.quiz_last_result}</a></p>
                            <p><a href=links::course(&course_slug)>{tx.back_to_course}</a></p>
                        }
                            .into_any()
                    }
                    Ok(Some(QuizPageData::Wait { title, course_slug, result_href, until })) => {
                        let tx = t();
                        view! {
                            <Title text=title.clone()/>
                            <h1>{title}</h1>
                            <p role="status" class="notice">{(tx.quiz_wait_until)(&until)}</p>
                            <p><a href=result_href>{tx.quiz_last_result}</a></p>
                            <p><a href=links::course(&course_slug)>{tx.back_to_course}</a></p>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Answers sent back after an incomplete submission: `(question, value)`.
fn prefilled() -> (Vec<(String, String)>, Vec<String>, bool) {
    let query = use_query_map();
    let query = query.read_untracked();
    let answers = query
        .get_all("a")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| {
            a.split_once(':')
                .map(|(q, v)| (q.to_string(), v.to_string()))
        })
        .collect();
    let missing = query
        .get("missing")
        .map(|m| m.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    (answers, missing, query.get("updated").is_some())
}

#[component]
fn QuizFormView(form: QuizForm) -> impl IntoView {
    let tx = t();
    let (answers, missing, updated) = prefilled();
    let missing_numbers: Vec<String> = form
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| missing.contains(&q.id))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    let breadcrumb = links::course(&form.course_slug);
    view! {
        <Title text=format!("{} – {}", tx.quiz_title, form.title)/>
        <nav class="breadcrumb" aria-label=tx.breadcrumb_label>
            <a href=breadcrumb>{form.course_title.clone()}</a>
        </nav>
        <h1>{tx.quiz_title}": "{form.title.clone()}</h1>
        <p class="meta">
            <span>{(tx.quiz_pass_mark)(form.pass_percent)}</span>
            <span>{(tx.quiz_attempt)(form.attempt_no)}</span>
            {form.attempts_left.map(|n| view! { <span>{(tx.quiz_attempts_left)(n)}</span> })}
            {form.wait_minutes.map(|n| view! { <span>{(tx.quiz_wait_rule)(n)}</span> })}
        </p>
        {updated.then(|| view! { <p class="notice" role="status">{tx.quiz_updated}</p> })}
        {(!missing_numbers.is_empty()).then(|| view! {
            <div class="form-error" role="alert">{(tx.quiz_missing)(missing_numbers.join(", "))}</div>
        })}
        <QuizSubmit>
            <form method="post" action=form.action.clone() class="quiz">
                <input type="hidden" name=field::ATTEMPT value=form.attempt_no.to_string()/>
                <input type="hidden" name=field::VERSION value=form.version.clone()/>
                {form.guest_pass.clone().map(|pass| view! { <input type="hidden" name=field::GUEST_PASS value=pass/> })}
                {form
                    .questions
                    .into_iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let is_missing = missing.contains(&q.id);
                        view! { <QuestionFieldset number=i + 1 question=q answers=answers.clone() missing=is_missing/> }
                    })
                    .collect_view()}
                <button type="submit" class="submit">{tx.quiz_submit}</button>
            </form>
        </QuizSubmit>
        <IslandScripts/>
    }
}

#[component]
fn QuestionFieldset(
    number: usize,
    question: QuestionForm,
    answers: Vec<(String, String)>,
    missing: bool,
) -> impl IntoView {
    let tx = t();
    let name = format!("{}{}", field::ANSWER, question.id);
    let prompt_id = format!("p-{}", question.id);
    let error_id = format!("e-{}", question.id);
    let chosen = |value: &str| answers.iter().any(|(q, v)| *q == question.id && v == value);
    let described = if missing {
        format!("{prompt_id} {error_id}")
    } else {
        prompt_id.clone()
    };
    let body = match question.kind {
        AnswerKind::Text => {
            let input_id = format!("t-{}", question.id);
            let value = answers
                .iter()
                .find(|(q, _)| *q == question.id)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            EitherOf3::A(view! {
                <label for=input_id.clone() class="text-answer">{tx.quiz_your_answer}</label>
                <input type="text" id=input_id name=name.clone() value=value maxlength="200" autocomplete="off" required/>
            })
        }
        // Spot the scam: the message itself, part by part, on a phone
        // screen; each part is a checkbox (no JavaScript needed).
        AnswerKind::Parts => EitherOf3::B(view! {
            <p class="hint">{tx.quiz_spot_hint}</p>
            <div class="phone-screen" role="group" aria-label=tx.quiz_spot_screen>
                {question
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        view! {
                            <label class="choice part">
                                <input type="checkbox" name=name.clone() value=c.id.clone() checked=chosen(&c.id)/>
                                <b class="part-no">{i + 1}</b>
                                <span inner_html=c.text_html.clone()></span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        }),
        kind => {
            let input_type = if kind == AnswerKind::Many {
                "checkbox"
            } else {
                "radio"
            };
            let required = kind == AnswerKind::One;
            EitherOf3::C(view! {
                {(kind == AnswerKind::Many).then(|| view! { <p class="hint">{tx.quiz_select_all}</p> })}
                {question
                    .choices
                    .iter()
                    .map(|c| {
                        view! {
                            <label class="choice">
                                <input type=input_type name=name.clone() value=c.id.clone() checked=chosen(&c.id) required=required/>
                                <span inner_html=c.text_html.clone()></span>
                            </label>
                        }
                    })
                    .collect_view()}
            })
        }
    };
    view! {
        <fieldset class="question" class:missing=missing id=format!("q-{}", question.id) aria-describedby=described>
            <legend>{(tx.quiz_question)(number)}</legend>
            <div class="prompt" id=prompt_id inner_html=question.prompt_html.clone()></div>
            {missing.then(|| view! { <p class="q-error" id=error_id>{tx.quiz_answer_this}</p> })}
            {body}
        </fieldset>
    }
}

/// `/courses/<course>/<chapter>/quiz/result/<n>` and `/courses/<course>/test/result/<n>`
#[component]
pub fn QuizResultPage() -> impl IntoView {
    let params = use_params_map();
    let result = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("course").unwrap_or_default(),
                p.get("chapter").unwrap_or_else(|| FINAL_TEST.to_string()),
                p.get("attempt")
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or(0),
            )
        },
        |(course, quiz, n)| load_quiz_result(course, quiz, n),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match result.await {
                    Ok(Some(result)) => view! { <ResultView result/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResultView(result: QuizResult) -> impl IntoView {
    let tx = t();
    let verdict = if result.passed {
        tx.quiz_passed
    } else {
        tx.quiz_not_passed
    };
    view! {
        <Title text=format!("{} – {}", tx.quiz_result_title, result.title)/>
        <nav class="breadcrumb" aria-label=tx.breadcrumb_label>
            <a href=links::course(&result.course_slug)>{result.course_title.clone()}</a>
        </nav>
        <h1>{tx.quiz_result_title}": "{result.title.clone()}</h1>
        <div class="score" class:passed=result.passed class:failed=!result.passed role="status">
            <p class="verdict">{verdict}</p>
            <p>{(tx.quiz_score)(result.correct, result.total, result.percent)}</p>
            {(!result.passed).then(|| view! { <p>{(tx.quiz_pass_mark)(result.pass_percent)}</p> })}
        </div>
        // The way on sits in the first screen; the feedback follows.
        <p class="actions next-step">
            {match result.certificate {
                Some(CertificateLink::Issued(href)) => Some(view! { <a class="button" href=href>{tx.quiz_see_certificate}</a> }.into_any()),
                Some(CertificateLink::SignUp) => Some(view! {
                    <a class="button" href=with_query("/signup", &[("next", &links::course(&result.course_slug))])>{tx.quiz_sign_up_for_certificate}</a>
                }.into_any()),
                None => None,
            }}
            {result.retry_href.map(|href| view! { <a class="button" href=href>{tx.quiz_retry}</a> })}
            <a class=if result.passed { "button" } else { "button secondary" } href=result.continue_href>
                {match &result.next_title {
                    Some(title) => (tx.quiz_next_chapter)(title),
                    None if result.next_is_final_test => tx.course_take_test.to_string(),
                    None => tx.quiz_back_to_course.to_string(),
                }}
            </a>
        </p>
        <h2 class="review-title">{tx.quiz_review}</h2>
        {result.answers_hidden.then(|| view! { <p class="notice">{tx.quiz_answers_hidden}</p> })}
        <ol class="outcomes" lang="vi">
            {result
                .questions
                .into_iter()
                .map(|q| {
                    let mark = if q.correct { tx.quiz_right } else if q.answered { tx.quiz_wrong } else { tx.quiz_unanswered };
                    view! {
                        <li class="outcome" class:right=q.correct class:wrong=!q.correct>
                            <p class="mark">{mark}</p>
                            <div class="prompt" inner_html=q.prompt_html></div>
                            {(!q.given.is_empty()).then(|| view! {
                                <p><strong>{tx.quiz_you_answered}</strong>" "<span inner_html=q.given.join("; ")></span></p>
                            })}
                            {(!q.correct && !q.expected_html.is_empty()).then(|| view! {
                                <div class="expected">
                                    <strong>{tx.quiz_correct_answer}</strong>
                                    {q.expected_html.into_iter().map(|h| view! { <div inner_html=h></div> }).collect_view()}
                                </div>
                            })}
                            {q.notes_html.into_iter().map(|h| view! { <div class="note" inner_html=h></div> }).collect_view()}
                            {q.explanation_html.map(|h| view! { <div class="explanation" inner_html=h></div> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>

    }
}
