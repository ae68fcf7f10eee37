//! The data of the class pages, each checked against who is asking.

use std::{collections::HashMap, net::SocketAddr};

use anyhow::Context;
use axum::extract::ConnectInfo;
use leptos::prelude::use_context;

use super::{
    record::may_see,
    rules::{choice_keys, class_questions, controls, pushable},
    steps, store,
    store::ClassRow,
};
use crate::{
    accounts::{
        ssr::{
            client_ip::{client_ip, ClientIp, TrustedProxies},
            guest_pass::PassKey,
        },
        Role,
    },
    classes::{
        ClassCard, ClassRoom, ClassesHome, CourseChoice, Person, Phone, PhoneQuestion,
        QuestionOnScreen, QuestionTally, Share, StartChoices, StepView,
    },
    clock::when,
    content::ssr::{catalog::Course, current_catalog},
    orgs::ssr::tree::{Scope, Tree},
    quiz::model::{Question, QuestionKind},
    server::db::Db,
    web::{current_identity, links, request_db, AppError},
};

fn step_view(course: &Course, steps: &[steps::Step<'_>], at: i64) -> Option<StepView> {
    let index = usize::try_from(at).ok()?;
    let step = steps.get(index)?;
    Some(StepView {
        chapter_title: step.chapter.title.clone(),
        chapter_href: links::chapter(&course.slug, &step.chapter.id),
        part: step.part,
        parts: step.parts,
        position: index + 1,
        total: steps.len(),
        html: step.html.to_string(),
    })
}

fn card(row: store::ListedRow, titles: &HashMap<String, String>) -> ClassCard {
    ClassCard {
        course_title: titles.get(&row.course).cloned().unwrap_or(row.course),
        id: row.id,
        code: row.code,
        place: row.unit_name.unwrap_or_default(),
        leader: row.leader_name,
        started: when(row.started_at),
        open: row.ended_at.is_none(),
        people: row.people,
    }
}

fn titles() -> Result<HashMap<String, String>, AppError> {
    let catalog = current_catalog()?;
    Ok(catalog
        .courses
        .iter()
        .map(|c| (c.slug.clone(), c.title.clone()))
        .collect())
}

/// `/classes` for a leader or supervisor; nothing for anyone else.
pub async fn home() -> Result<ClassesHome, AppError> {
    let user = crate::web::user_with_role(Role::CLASS_VIEWERS)?;
    let db = request_db()?;
    let tree = Tree::load(db.reads()).await?;
    let scope = Scope::of_classes(&db, &user, &tree).await?;
    let start = Role::LEADERS.contains(&user.role).then(|| {
        let catalog = current_catalog().ok();
        let courses = catalog
            .map(|c| {
                c.courses
                    .iter()
                    .map(|course| CourseChoice {
                        slug: course.slug.clone(),
                        title: course.title.clone(),
                        chapters: course
                            .chapters
                            .iter()
                            .map(|ch| (ch.id.clone(), ch.title.clone()))
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let units = tree
            .walk(scope.roots(&tree))
            .into_iter()
            .map(|(depth, u)| (u.id.clone(), format!("{}{}", "— ".repeat(depth), u.name)))
            .collect();
        StartChoices {
            courses,
            units,
            own_unit: match &scope {
                Scope::Subtree(unit) => Some(unit.id.clone()),
                _ => None,
            },
            unplaced: matches!(scope, Scope::Nothing),
        }
    });
    let path = match &scope {
        Scope::All => None,
        Scope::Subtree(unit) => Some(unit.path.clone()),
        // Not placed: only their own classes (the path matches nothing).
        Scope::Nothing => Some("/nowhere/".to_string()),
    };
    let titles = titles()?;
    let classes = store::listed(&db, &user.id, path.as_deref(), 100)
        .await?
        .into_iter()
        .map(|row| card(row, &titles))
        .collect();
    Ok(ClassesHome { start, classes })
}

/// Who answered what to each question pushed in the class.
struct Tallies {
    by_question: HashMap<String, Vec<store::AnswerRow>>,
}

impl Tallies {
    async fn of(db: &Db, class_id: &str) -> anyhow::Result<Tallies> {
        let mut by_question: HashMap<String, Vec<store::AnswerRow>> = HashMap::new();
        for a in store::answers(db, class_id).await? {
            by_question.entry(a.question.clone()).or_default().push(a);
        }
        Ok(Tallies { by_question })
    }

    fn shares(&self, keys: &[(String, String)], q: &Question) -> Vec<Share> {
        let answers = self
            .by_question
            .get(&q.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let total = answers.len().max(1) as i64;
        keys.iter()
            .filter_map(|(_, id)| {
                let choice = q.choice(id)?;
                let count = answers
                    .iter()
                    .filter(|a| {
                        serde_json::from_str::<Vec<String>>(&a.chosen).is_ok_and(|c| c.contains(id))
                    })
                    .count() as i64;
                Some(Share {
                    html: q
                        .choice_html(id)
                        .map(|(h, _)| h.clone())
                        .unwrap_or_default(),
                    count,
                    // Rounded, as people read a share: 2 of 3 is 67 %.
                    percent: (count * 200 + total) / (2 * total),
                    correct: choice.correct,
                })
            })
            .collect()
    }
}

/// The question `id` of `course`'s quizzes pushed in a class.
fn find_question<'c>(course: &'c Course, id: &str) -> Option<&'c Question> {
    course
        .chapters
        .iter()
        .filter_map(|c| c.quiz.as_deref())
        .find_map(|quiz| quiz.question(id))
}

pub async fn room(id: &str) -> Result<Option<ClassRoom>, AppError> {
    let identity = current_identity();
    let Some(user) = identity.user.clone() else {
        return Ok(None);
    };
    let db = request_db()?;
    let Some(class) = store::by_id(&db, id).await? else {
        return Ok(None);
    };
    if !may_see(&db, &identity, &class).await? {
        return Ok(None);
    }
    let catalog = current_catalog()?;
    let course = catalog.course(&class.course);
    let key = use_context::<PassKey>().context("pass key missing")?;
    let steps = course
        .map(|c| steps::steps(c, &class.chapter_ids()))
        .unwrap_or_default();
    let step = course.and_then(|c| step_view(c, &steps, class.step));
    let tallies = Tallies::of(&db, &class.id).await?;
    let people_rows = store::attendees(&db, &class.id).await?;
    let answers_of = |attendee: &str| -> (usize, usize) {
        let mine: Vec<_> = tallies
            .by_question
            .values()
            .flatten()
            .filter(|a| a.attendee_id == attendee)
            .collect();
        (mine.len(), mine.iter().filter(|a| a.correct != 0).count())
    };
    let people = people_rows
        .iter()
        .map(|p| {
            let (answered, correct) = answers_of(&p.id);
            Person {
                name: p.name.clone(),
                on_phone: p.learner_id.is_some(),
                birth_year: p.birth_year,
                hamlet: p.hamlet.clone(),
                answered,
                correct,
            }
        })
        .collect();
    let questions = match (course, steps.get(usize::try_from(class.step).unwrap_or(0))) {
        (Some(course), Some(s)) => class_questions(course, &s.chapter.id)
            .iter()
            .flat_map(|quiz| quiz.questions.iter())
            .filter(|q| pushable(q))
            .map(|q| (q.id.clone(), q.html().prompt.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let question = match (course, class.question.as_deref()) {
        (Some(course), Some(qid)) => find_question(course, qid).map(|q| {
            let revealed = class.revealed != 0;
            let keys = choice_keys(&key, &class, q);
            QuestionOnScreen {
                id: q.id.clone(),
                prompt_html: q.html().prompt.clone(),
                answered: tallies.by_question.get(qid).map_or(0, |a| a.len() as i64),
                revealed,
                shares: if revealed {
                    tallies.shares(&keys, q)
                } else {
                    Vec::new()
                },
                explanation_html: if revealed {
                    q.html().explanation.clone()
                } else {
                    None
                },
            }
        }),
        _ => None,
    };
    let shown = store::shown(&db, &class.id).await?;
    let mut covered: Vec<String> = Vec::new();
    for (at, _) in shown.iter().filter(|(_, q)| q.is_none()) {
        if let Some(s) = usize::try_from(*at).ok().and_then(|i| steps.get(i)) {
            let label = if s.parts > 1 {
                format!("{} ({}/{})", s.chapter.title, s.part, s.parts)
            } else {
                s.chapter.title.clone()
            };
            if !covered.contains(&label) {
                covered.push(label);
            }
        }
    }
    let mut results = Vec::new();
    let mut seen_questions: Vec<&str> = Vec::new();
    for (_, q) in &shown {
        let Some(qid) = q.as_deref() else { continue };
        if seen_questions.contains(&qid) {
            continue;
        }
        seen_questions.push(qid);
        if let Some(q) = course.and_then(|c| find_question(c, qid)) {
            let answers = tallies
                .by_question
                .get(qid)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            results.push(QuestionTally {
                prompt_html: q.html().prompt.clone(),
                answered: answers.len(),
                correct: answers.iter().filter(|a| a.correct != 0).count(),
            });
        }
    }
    let join_url =
        crate::server::state::public_address(&links::join(&class.code)).unwrap_or_default();
    let qr_svg = if join_url.is_empty() || class.ended_at.is_some() {
        String::new()
    } else {
        crate::certificates::ssr::qr_svg(&join_url)?
    };
    let (place, leader) = store::place_and_leader(&db, &class).await?;
    Ok(Some(ClassRoom {
        id: class.id.clone(),
        code: class.code.clone(),
        join_url,
        qr_svg,
        course_title: course
            .map(|c| c.title.clone())
            .unwrap_or_else(|| class.course.clone()),
        place,
        leader,
        started: when(class.started_at),
        ended: class.ended_at.map(when),
        seq: class.seq,
        step,
        questions,
        question,
        joined: people_rows.len() as i64,
        people,
        covered,
        results,
        can_control: controls(&user, &class) && class.ended_at.is_none(),
    }))
}

/// This request's client address (for the guessing limit).
fn request_ip() -> Option<ClientIp> {
    let parts = use_context::<http::request::Parts>()?;
    let ConnectInfo(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>()?;
    let trusted = use_context::<TrustedProxies>().unwrap_or_default();
    Some(client_ip(peer.ip(), &parts.headers, &trusted))
}

pub async fn phone(code: &str) -> Result<Phone, AppError> {
    let code = super::code::canonical(code);
    let ip = request_ip();
    if let Some(wait) = ip.as_ref().and_then(super::code::guessing) {
        return Ok(Phone::Throttled { wait });
    }
    let db = request_db()?;
    let Some(class) = store::by_code(&db, &code).await? else {
        if let Some(ip) = &ip {
            super::code::missed(ip);
        }
        return Ok(Phone::Unknown);
    };
    let catalog = current_catalog()?;
    let course = catalog.course(&class.course);
    let course_title = course
        .map(|c| c.title.clone())
        .unwrap_or_else(|| class.course.clone());
    if class.ended_at.is_some() {
        return Ok(Phone::Ended { course_title });
    }
    let identity = current_identity();
    let attendee = match &identity.learner_id {
        Some(learner) => store::attendee_of(&db, &class.id, learner).await?,
        None => None,
    };
    let Some(attendee) = attendee else {
        let (place, leader) = store::place_and_leader(&db, &class).await?;
        return Ok(Phone::Join {
            code: class.code.clone(),
            course_title,
            place,
            leader,
            signed_in_as: identity.user.map(|u| u.display_name),
        });
    };
    let steps = course
        .map(|c| steps::steps(c, &class.chapter_ids()))
        .unwrap_or_default();
    let step = course.and_then(|c| step_view(c, &steps, class.step));
    let question = match (course, class.question.as_deref()) {
        (Some(course), Some(qid)) => match find_question(course, qid) {
            Some(q) => Some(phone_question(&db, &class, q, &attendee.id).await?),
            None => None,
        },
        _ => None,
    };
    Ok(Phone::InClass {
        code: class.code.clone(),
        seq: class.seq,
        name: attendee.name,
        course_title,
        step,
        question,
    })
}

/// The pushed question for one phone: choices without answers; its own
/// result, the shares and the explanation only after the reveal.
async fn phone_question(
    db: &Db,
    class: &ClassRow,
    q: &Question,
    attendee_id: &str,
) -> Result<PhoneQuestion, AppError> {
    let key = use_context::<PassKey>().context("pass key missing")?;
    let keys = choice_keys(&key, class, q);
    let mine: Option<i64> = sqlx::query_scalar(
        "SELECT correct FROM class_answers WHERE class_id = $1 AND question = $2 AND attendee_id = $3",
    )
    .bind(&class.id)
    .bind(&q.id)
    .bind(attendee_id)
    .fetch_optional(db.reads())
    .await
    .context("reading a phone's answer")?;
    let revealed = class.revealed != 0;
    let shares = if revealed {
        Tallies::of(db, &class.id).await?.shares(&keys, q)
    } else {
        Vec::new()
    };
    Ok(PhoneQuestion {
        id: q.id.clone(),
        prompt_html: q.html().prompt.clone(),
        multiple: q.kind == QuestionKind::Multiple,
        choices: keys
            .iter()
            .filter_map(|(k, id)| q.choice_html(id).map(|(h, _)| (k.clone(), h.clone())))
            .collect(),
        answered: mine.is_some(),
        revealed,
        correct: if revealed { mine.map(|c| c != 0) } else { None },
        shares,
        explanation_html: if revealed {
            q.html().explanation.clone()
        } else {
            None
        },
    })
}

/// `/me`: classes this learner joined.
pub async fn mine() -> Result<Vec<ClassCard>, AppError> {
    let Some(learner) = current_identity().learner_id else {
        return Ok(Vec::new());
    };
    let db = request_db()?;
    let titles = titles()?;
    Ok(store::joined_by(&db, &learner)
        .await?
        .into_iter()
        .map(|row| card(row, &titles))
        .collect())
}
