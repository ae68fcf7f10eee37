//! What the publishing pages show (bodies of the server functions). Every
//! function checks the caller is a trainer or an admin first.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use super::{
    drafts::{self, Draft},
    handlers::{chapter_file_of, editable},
    versions,
};
use crate::{
    accounts::Role,
    clock::when,
    content::ssr::{
        catalog::Catalog,
        diagnostics::{Diagnostic, Severity},
        tree::Tree,
        ContentStore,
    },
    publishing::{
        ChoicePreview, CourseFiles, DraftLine, DraftPage, EditPage, Finding, Home, PreviewLink,
        PreviewPage, QuestionPreview, Serving, VersionLine,
    },
    server::db::Db,
    web::{user_with_role, AppError},
};

/// The preview address of a course's final test (`test` is reserved: no
/// chapter may have that id).
const FINAL_TEST_PREVIEW: &str = "test";

fn store() -> Result<Arc<ContentStore>, AppError> {
    leptos::prelude::use_context::<Arc<ContentStore>>()
        .ok_or_else(|| anyhow::anyhow!("content store missing from context").into())
}

pub async fn home() -> Result<Home, AppError> {
    user_with_role(Role::WRITERS)?;
    let db = crate::web::request_db()?;
    let store = store()?;
    let served = store.current();
    let serving = match served.version {
        0 => Serving {
            version: 0,
            author: String::new(),
            at: String::new(),
            note: String::new(),
            publishing_off: !store.publishing_allowed(),
        },
        n => {
            let v = versions::get(&db, n).await?;
            Serving {
                version: n,
                author: v
                    .as_ref()
                    .map(|v| v.author_name.clone())
                    .unwrap_or_default(),
                at: v.as_ref().map(|v| when(v.created_at)).unwrap_or_default(),
                note: v.map(|v| v.note).unwrap_or_default(),
                publishing_off: false,
            }
        }
    };
    let courses = served
        .catalog
        .courses
        .iter()
        .map(|c| {
            let mut files: Vec<String> = served
                .tree
                .names_in(&c.slug)
                .into_iter()
                .filter(|n| n.ends_with(".md") || n == "course.toml")
                .collect();
            files.sort();
            CourseFiles {
                slug: c.slug.clone(),
                title: c.title.clone(),
                files,
            }
        })
        .collect();
    let drafts = drafts::open_drafts(&db)
        .await?
        .into_iter()
        .map(|(id, title, created_at)| DraftLine {
            id,
            title,
            created_at: when(created_at),
        })
        .collect();
    let errors = served
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    Ok(Home {
        serving,
        courses,
        drafts,
        errors,
        warnings: served.diagnostics.len() - errors,
    })
}

/// A draft applied to the current handbook, checked. Cached: a trainer
/// opens the draft page and several previews of the same draft in a row.
struct Checked {
    key: String,
    tree: Arc<Tree>,
    catalog: Arc<Catalog>,
    diagnostics: Arc<Vec<Diagnostic>>,
    conflicts: Vec<crate::publishing::Conflict>,
}

static CHECKED: Mutex<Vec<Arc<Checked>>> = Mutex::new(Vec::new());

async fn checked(db: &Db, store: &ContentStore, draft: &Draft) -> Result<Arc<Checked>, AppError> {
    let (_, base) = drafts::current_base(db, store).await?;
    // The draft's files are part of the key: a draft changes while it is open.
    let files: String = draft
        .files
        .iter()
        .map(|f| {
            format!(
                "{}={};",
                f.path,
                f.file.as_ref().map_or("-", |x| x.hash.as_str())
            )
        })
        .collect();
    let key = format!("{}:{}:{files}", draft.id, base.fingerprint());
    if let Some(hit) = CHECKED
        .lock()
        .expect("draft cache")
        .iter()
        .find(|c| c.key == key)
    {
        return Ok(hit.clone());
    }
    let started = Instant::now();
    let paths = draft
        .conflicting(&base)
        .into_iter()
        .map(|(p, _)| p.to_string())
        .collect();
    let conflicts = drafts::conflicts(db, &base, paths).await?;
    let (tree, outcome) = drafts::check(draft.apply(&base)).await?;
    tracing::info!(draft = %draft.id, ms = started.elapsed().as_millis() as u64, "draft checked");
    let checked = Arc::new(Checked {
        key,
        tree: Arc::new(tree),
        catalog: Arc::new(outcome.catalog),
        diagnostics: Arc::new(outcome.diagnostics),
        conflicts,
    });
    let mut cache = CHECKED.lock().expect("draft cache");
    cache.insert(0, checked.clone());
    cache.truncate(4);
    Ok(checked)
}

pub async fn draft(id: &str) -> Result<Option<DraftPage>, AppError> {
    user_with_role(Role::WRITERS)?;
    let db = crate::web::request_db()?;
    let store = store()?;
    let Some(draft) = drafts::load(&db, id).await? else {
        return Ok(None);
    };
    let checked = checked(&db, &store, &draft).await?;
    let base_for_edit = checked.tree.clone();
    let changed: Vec<&str> = draft.files.iter().map(|f| f.path.as_str()).collect();
    let findings = checked
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == Severity::Error || changed.contains(&d.file.to_string_lossy().as_ref())
        })
        .map(|d| finding(d, &checked.tree))
        .collect();
    let previews = previews(&checked.catalog, &draft);
    let conflicts = checked.conflicts.clone();
    let changes = draft
        .files
        .iter()
        .map(|f| crate::publishing::FileChange {
            path: f.path.clone(),
            change: match (&f.base_hash, &f.file) {
                (None, _) => crate::publishing::Change::Added,
                (Some(_), None) => crate::publishing::Change::Removed,
                (Some(_), Some(_)) => crate::publishing::Change::Changed,
            },
        })
        .collect();
    let editable = draft
        .files
        .iter()
        .filter(|f| f.file.is_some() && editable(&base_for_edit, &f.path))
        .map(|f| f.path.clone())
        .collect();
    Ok(Some(DraftPage {
        editable,
        id: draft.id.clone(),
        title: draft.title.clone(),
        author: draft.author_name.clone(),
        created_at: when(draft.created_at),
        changes,
        findings,
        previews,
        conflicts,
        published_as: draft.published_as,
        publishing_off: !store.publishing_allowed(),
    }))
}

/// A finding with the line it points at.
fn finding(d: &Diagnostic, tree: &Tree) -> Finding {
    let path = d.file.to_string_lossy();
    let line = tree
        .get(&path)
        .and_then(|f| std::str::from_utf8(&f.bytes).ok())
        .and_then(|text| text.lines().nth(d.line.saturating_sub(1)))
        .map(|l| l.chars().take(300).collect());
    Finding {
        error: d.severity == Severity::Error,
        place: format!("{path}:{}:{}", d.line, d.col),
        message: d.message_in(crate::ui::i18n::use_lang()).to_string(),
        line,
    }
}

/// A preview link for every chapter or quiz the draft changes.
fn previews(catalog: &Catalog, draft: &Draft) -> Vec<PreviewLink> {
    let mut links = Vec::new();
    for f in draft.files.iter().filter(|f| f.file.is_some()) {
        let Some((slug, name)) = f.path.split_once('/') else {
            continue;
        };
        let Some(course) = catalog.course(slug) else {
            continue;
        };
        let url = |chapter: &str| format!("/content/drafts/{}/preview/{slug}/{chapter}", draft.id);
        if name == "final.quiz.md" && course.final_quiz.is_some() {
            links.push(PreviewLink {
                path: f.path.clone(),
                title: course.title.clone(),
                url: url(FINAL_TEST_PREVIEW),
            });
            continue;
        }
        let chapter_file = chapter_file_of(&f.path);
        if let Some(chapter) = course.chapters.iter().find(|c| c.file == chapter_file) {
            links.push(PreviewLink {
                path: f.path.clone(),
                title: chapter.title.clone(),
                url: url(&chapter.id),
            });
        }
    }
    links
}

pub async fn preview(
    draft_id: &str,
    course: &str,
    chapter: &str,
) -> Result<Option<PreviewPage>, AppError> {
    user_with_role(Role::WRITERS)?;
    let db = crate::web::request_db()?;
    let store = store()?;
    let Some(draft) = drafts::load(&db, draft_id).await? else {
        return Ok(None);
    };
    let checked = checked(&db, &store, &draft).await?;
    let Some(course) = checked.catalog.course(course) else {
        return Ok(None);
    };
    let (title, html, quiz) = if chapter == FINAL_TEST_PREVIEW {
        (
            course.title.clone(),
            String::new(),
            course.final_quiz.as_ref(),
        )
    } else {
        let Some(ch) = course.chapters.iter().find(|c| c.id == chapter) else {
            return Ok(None);
        };
        (ch.title.clone(), ch.html.clone(), ch.quiz.as_ref())
    };
    let questions = quiz
        .map(|q| {
            q.questions
                .iter()
                .map(|q| {
                    let html = q.html();
                    QuestionPreview {
                        prompt_html: html.prompt.clone(),
                        choices: q
                            .options
                            .iter()
                            .zip(&html.choices)
                            .map(|(c, (text, explanation))| ChoicePreview {
                                html: text.clone(),
                                correct: c.correct,
                                explanation_html: explanation.clone(),
                            })
                            .collect(),
                        accepted: q.accepted.clone(),
                        explanation_html: html.explanation.clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(PreviewPage {
        draft_id: draft.id.clone(),
        course_title: course.title.clone(),
        title,
        html,
        pass_percent: quiz.map(|q| q.settings.pass_percent),
        questions,
    }))
}

pub async fn history() -> Result<Vec<VersionLine>, AppError> {
    user_with_role(Role::WRITERS)?;
    let db = crate::web::request_db()?;
    let serving = store()?.current().version;
    Ok(versions::list(&db, 200)
        .await?
        .into_iter()
        .map(|v| VersionLine {
            number: v.number,
            kind: v.kind.code().to_string(),
            author: v.author_name,
            at: when(v.created_at),
            note: v.note,
            changes: v.changes,
            current: v.number == serving,
        })
        .collect())
}

pub async fn edit(file: &str, draft_id: Option<&str>) -> Result<Option<EditPage>, AppError> {
    user_with_role(Role::WRITERS)?;
    let db = crate::web::request_db()?;
    let store = store()?;
    let (_, base) = drafts::current_base(&db, &store).await?;
    // In a draft: the draft's own text of the file, where it has one.
    let draft = match draft_id.filter(|d| !d.is_empty()) {
        Some(id) => match drafts::load(&db, id).await? {
            Some(d) if d.published_as.is_none() => Some(d),
            _ => return Ok(None),
        },
        None => None,
    };
    let seen = match &draft {
        Some(d) => Arc::new(d.apply(&base)),
        None => base,
    };
    if !editable(&seen, file) {
        return Ok(None);
    }
    let draft_line = draft.as_ref().map(|d| (d.id.clone(), d.title.clone()));
    Ok(Some(match seen.get(file) {
        Some(f) => EditPage {
            path: file.to_string(),
            text: String::from_utf8_lossy(&f.bytes).into_owned(),
            base_hash: f.hash.clone(),
            exists: true,
            draft: draft_line,
        },
        None => EditPage {
            path: file.to_string(),
            text: new_file_text(file),
            base_hash: String::new(),
            exists: false,
            draft: draft_line,
        },
    }))
}

/// What a new file starts with: a chapter gets the fields it needs.
fn new_file_text(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".md") && !name.ends_with(".quiz.md") {
        crate::content::ssr::course_toml::new_chapter_text(name)
    } else {
        String::new()
    }
}
