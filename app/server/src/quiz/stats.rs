//! `/courses/<course>/stats`: how each question of a course's quizzes is
//! answered, so trainers can fix confusing questions. Trainers and admins only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::ui::{gates::Forbidden, i18n::t, not_found::NotFound};

/// One question's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionStats {
    pub id: String,
    pub prompt: String,
    pub attempts: i64,
    pub correct: i64,
    /// The wrong option chosen most often, and how often.
    pub top_wrong: Option<(String, i64)>,
}

/// One quiz's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizStats {
    pub title: String,
    pub attempts: i64,
    pub questions: Vec<QuestionStats>,
}

/// Why a stats page may not be shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatsPage {
    Shown {
        course_title: String,
        quizzes: Vec<QuizStats>,
    },
    Forbidden,
    NotFound,
}

/// Statistics of every quiz in a course (trainer or admin only).
#[server]
pub async fn course_stats(course: String) -> Result<StatsPage, ServerFnError> {
    Ok(ssr::course_stats(&course).await?)
}

#[component]
pub fn StatsPageView() -> impl IntoView {
    let params = use_params_map();
    let stats = Resource::new(
        move || params.read().get("course").unwrap_or_default(),
        course_stats,
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let tx = t();
                match stats.await {
                    Ok(StatsPage::Shown { course_title, quizzes }) => view! {
                        <Title text=format!("{} – {}", tx.stats_title, course_title)/>
                        <h1>{tx.stats_title}": "{course_title}</h1>
                        <p class="lead">{tx.stats_lead}</p>
                        {quizzes.into_iter().map(|q| view! { <QuizTable quiz=q/> }).collect_view()}
                    }.into_any(),
                    Ok(StatsPage::Forbidden) => {
                        view! { <Forbidden reason=tx.stats_forbidden/> }.into_any()
                    }
                    Ok(StatsPage::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(_) => view! { <p class="error">{tx.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn QuizTable(quiz: QuizStats) -> impl IntoView {
    let tx = t();
    view! {
        <section class="stats">
            <h2>{quiz.title.clone()}</h2>
            <p class="meta">{(tx.stats_attempts)(quiz.attempts)}</p>
            // Scrolls sideways on a phone: reachable by keyboard.
            <div class="table-scroll" tabindex="0" role="region" aria-label=quiz.title>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{tx.stats_question}</th>
                            <th scope="col">{tx.stats_answers}</th>
                            <th scope="col">{tx.stats_correct}</th>
                            <th scope="col">{tx.stats_top_wrong}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {quiz
                            .questions
                            .into_iter()
                            .map(|q| {
                                let percent = (q.correct * 100).checked_div(q.attempts);
                                view! {
                                    <tr class:confusing=percent.is_some_and(|p| p < 50)>
                                        <td>{q.prompt}</td>
                                        <td>{q.attempts}</td>
                                        <td>{percent.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into())}</td>
                                        <td>{q.top_wrong.map(|(text, n)| format!("{text} ({n})")).unwrap_or_else(|| "–".into())}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

mod ssr {
    use std::collections::HashMap;

    use super::{QuestionStats, QuizStats, StatsPage};
    use crate::{
        accounts::Role,
        content::ssr::current_catalog,
        quiz::{model::Quiz, FINAL_TEST},
        server::db::Db,
        web::{current_identity, AppError},
    };

    pub async fn course_stats(course: &str) -> Result<StatsPage, AppError> {
        // Deny by default: only trainers and admins.
        if !current_identity().has_role(Role::WRITERS) {
            return Ok(StatsPage::Forbidden);
        }
        let catalog = current_catalog()?;
        let Some(course) = catalog.course(course) else {
            return Ok(StatsPage::NotFound);
        };
        let db = crate::web::request_db()?;
        let mut quizzes = Vec::new();
        let chapter_quizzes = course
            .chapters
            .iter()
            .filter_map(|c| c.quiz.as_ref().map(|q| (c.id.as_str(), c.title.clone(), q)));
        let final_test = course
            .final_quiz
            .as_ref()
            .map(|q| (FINAL_TEST, course.title.clone(), q));
        for (key, title, quiz) in chapter_quizzes.chain(final_test) {
            quizzes.push(quiz_stats(&db, &course.slug, key, title, quiz).await?);
        }
        Ok(StatsPage::Shown {
            course_title: course.title.clone(),
            quizzes,
        })
    }

    async fn quiz_stats(
        db: &Db,
        course: &str,
        key: &str,
        title: String,
        quiz: &Quiz,
    ) -> anyhow::Result<QuizStats> {
        let attempts: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM quiz_attempts WHERE course = $1 AND quiz = $2",
        )
        .bind(course)
        .bind(key)
        .fetch_one(db.reads())
        .await?;
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT qa.question_id, qa.chosen, qa.correct FROM quiz_answers qa \
             JOIN quiz_attempts a ON a.id = qa.attempt_id WHERE a.course = $1 AND a.quiz = $2",
        )
        .bind(course)
        .bind(key)
        .fetch_all(db.reads())
        .await?;
        let mut by_question: HashMap<&str, (i64, i64, HashMap<String, i64>)> = HashMap::new();
        for (question, chosen, correct) in &rows {
            let entry = by_question.entry(question.as_str()).or_default();
            entry.0 += 1;
            entry.1 += correct;
            let chosen: Vec<String> = serde_json::from_str(chosen).unwrap_or_default();
            let options = quiz
                .questions
                .iter()
                .find(|q| &q.id == question)
                .map(|q| &q.options);
            for id in chosen {
                let wrong = options
                    .and_then(|o| o.iter().find(|c| c.id == id))
                    .filter(|c| !c.correct)
                    .map(|c| c.text_md.clone());
                if let Some(text) = wrong {
                    *entry.2.entry(text).or_default() += 1;
                }
            }
        }
        let questions = quiz
            .questions
            .iter()
            .map(|q| {
                let (answers, correct, wrong) =
                    by_question.remove(q.id.as_str()).unwrap_or_default();
                let top_wrong = wrong
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
                QuestionStats {
                    id: q.id.clone(),
                    prompt: q.prompt_md.clone(),
                    attempts: answers,
                    correct,
                    top_wrong,
                }
            })
            .collect();
        Ok(QuizStats {
            title,
            attempts,
            questions,
        })
    }
}
