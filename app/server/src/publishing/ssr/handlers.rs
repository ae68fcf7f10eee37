//! The publishing forms: upload, edit, publish, discard, roll back, and
//! the download of a version as `.zip`.

use std::collections::BTreeSet;

use axum::{
    extract::{FromRequest, Multipart, Path, Query, Request, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    archive,
    drafts::{self, Refused},
    versions::{self, Author, Kind},
    Trainers, TrainersDownload, CONTENT_PAGE,
};
use crate::{
    clock::now,
    content::ssr::{
        loader::is_slug,
        markdown::is_valid_media,
        tree::{self, File, Tree},
    },
    publishing::{EditConflict, UploadProblem},
    server::AppState,
    web::{page, see_other, with_query, AppError, Form, RequireRole},
};

fn draft_page(id: &str) -> String {
    format!("/content/drafts/{id}")
}

/// Shows the content page again with what was wrong with an upload.
async fn refuse_upload(state: &AppState, parts: Parts, problems: Vec<UploadProblem>) -> Response {
    page(
        state,
        parts,
        CONTENT_PAGE,
        StatusCode::BAD_REQUEST,
        move || leptos::prelude::provide_context(problems.clone()),
    )
    .await
}

/// `POST /content/upload` (multipart): `.zip` files of course folders,
/// and loose chapter, quiz and media files for the course named in `course`.
pub async fn upload(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Trainers>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    if !state.content.publishing_allowed() {
        return Ok(refuse_upload(&state, parts, vec![UploadProblem::PublishingOff]).await);
    }
    let request = Request::from_parts(parts.clone(), body);
    let mut form = match Multipart::from_request(request, &()).await {
        Ok(form) => form,
        Err(_) => return Ok(refuse_upload(&state, parts, vec![UploadProblem::NoFile]).await),
    };
    let mut uploads: Vec<(String, Vec<u8>)> = Vec::new();
    let mut course = String::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // Over the size limit or cut off: say so, keep nothing.
            Err(_) => {
                let limit = UploadProblem::TooLargeInAll(archive::MAX_UNPACKED / (1024 * 1024));
                return Ok(refuse_upload(&state, parts, vec![limit]).await);
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            let limit = UploadProblem::TooLargeInAll(archive::MAX_UNPACKED / (1024 * 1024));
            return Ok(refuse_upload(&state, parts, vec![limit]).await);
        };
        match (name.as_str(), file_name) {
            ("files", Some(file_name)) if !file_name.is_empty() && !bytes.is_empty() => {
                // Loose files count against the same cap as a zip's.
                if uploads.len() == archive::MAX_FILES {
                    let problem = UploadProblem::TooManyFiles(archive::MAX_FILES);
                    return Ok(refuse_upload(&state, parts, vec![problem]).await);
                }
                uploads.push((file_name, bytes.to_vec()))
            }
            ("course", _) => course = String::from_utf8_lossy(&bytes).trim().to_string(),
            _ => {}
        }
    }
    if uploads.is_empty() {
        return Ok(refuse_upload(&state, parts, vec![UploadProblem::NoFile]).await);
    }
    let (_, base) = drafts::current_base(&state.db, &state.content).await?;
    let changes = match changes_of_upload(&base, &uploads, &course) {
        Ok(changes) => changes,
        Err(problems) => return Ok(refuse_upload(&state, parts, problems).await),
    };
    let title = uploads
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match drafts::create(&state.db, &user.id, &title, changes, &base, now()).await? {
        Ok(id) => Ok(see_other(&draft_page(&id))),
        Err(problem) => Ok(refuse_upload(&state, parts, vec![problem]).await),
    }
}

/// What an upload changes: each course folder in a zip replaces that
/// course (files it lacks are removed); loose files go into `course`.
fn changes_of_upload(
    base: &Tree,
    uploads: &[(String, Vec<u8>)],
    course: &str,
) -> Result<Vec<(String, Option<File>)>, Vec<UploadProblem>> {
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for (name, bytes) in uploads {
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
        if tree::extension(&name).as_deref() == Some("zip") {
            match courses_in_zip(&name, bytes) {
                Ok((zipped, courses)) => {
                    for (path, _) in base.files() {
                        let removed = path
                            .split_once('/')
                            .is_some_and(|(c, _)| courses.contains(c))
                            && zipped.get(path).is_none();
                        if removed {
                            changes.push((path.to_string(), None));
                        }
                    }
                    for (path, file) in zipped.files() {
                        if base.get(path) != Some(file) {
                            changes.push((path.to_string(), Some(file.clone())));
                        }
                    }
                }
                Err(mut found) => problems.append(&mut found),
            }
            continue;
        }
        if course.is_empty() {
            problems.push(UploadProblem::NoCourseChosen);
            continue;
        }
        if base.get(&format!("{course}/course.toml")).is_none() {
            problems.push(UploadProblem::UnknownCourse(course.to_string()));
            continue;
        }
        if !tree::is_content_file(&name) || name.starts_with('.') {
            problems.push(UploadProblem::WrongKind(name));
            continue;
        }
        if bytes.len() > tree::size_limit(&name) {
            problems.push(UploadProblem::TooLarge(
                name.clone(),
                tree::size_limit(&name) / 1024,
            ));
            continue;
        }
        let path = if tree::is_text(&name) {
            format!("{course}/{name}")
        } else {
            if !is_valid_media(&name, bytes) {
                problems.push(UploadProblem::BadMedia(name));
                continue;
            }
            format!("{course}/images/{name}")
        };
        changes.push((path, Some(File::new(bytes.clone()))));
    }
    // Several zips, or zips and loose files, in one upload: the same caps
    // as for one zip apply to all of them together.
    let new_files = changes.iter().filter_map(|(_, f)| f.as_ref());
    if new_files.clone().count() > archive::MAX_FILES {
        problems.push(UploadProblem::TooManyFiles(archive::MAX_FILES));
    }
    if new_files.map(|f| f.bytes.len()).sum::<usize>() > archive::MAX_UNPACKED {
        problems.push(UploadProblem::TooLargeInAll(
            archive::MAX_UNPACKED / (1024 * 1024),
        ));
    }
    if problems.is_empty() {
        // Same path twice (two uploads): the last one wins.
        let mut seen = BTreeSet::new();
        let mut unique: Vec<_> = changes
            .into_iter()
            .rev()
            .filter(|(p, _)| seen.insert(p.clone()))
            .collect();
        unique.reverse();
        Ok(unique)
    } else {
        Err(problems)
    }
}

/// The course folders of an uploaded zip. Accepts a zip of one course
/// folder, of several, of the whole handbook (with `catalog.toml`), or of a
/// folder's contents (`course.toml` at the top: the zip's name is the course).
fn courses_in_zip(
    zip_name: &str,
    bytes: &[u8],
) -> Result<(Tree, BTreeSet<String>), Vec<UploadProblem>> {
    let (mut zipped, _ignored) = archive::read_zip(bytes)?;
    // A zip of the `content/` folder itself: one folder around everything.
    let tops = zipped.top_folders();
    let loose_at_top = zipped.files().any(|(p, _)| !p.contains('/'));
    if tops.len() == 1 && !loose_at_top && zipped.get(&format!("{}/course.toml", tops[0])).is_none()
    {
        zipped = strip_folder(&zipped, &tops[0]);
    }
    if zipped.get("course.toml").is_some() {
        let stem = zip_name
            .strip_suffix(".zip")
            .unwrap_or(zip_name)
            .to_ascii_lowercase();
        if !is_slug(&stem) {
            return Err(vec![UploadProblem::BadCourseName(stem)]);
        }
        let mut moved = Tree::new("");
        for (path, file) in zipped.files() {
            moved.insert(format!("{stem}/{path}"), file.clone());
        }
        zipped = moved;
    }
    let courses: BTreeSet<String> = zipped
        .top_folders()
        .into_iter()
        .filter(|c| zipped.get(&format!("{c}/course.toml")).is_some())
        .collect();
    if courses.is_empty() {
        return Err(vec![UploadProblem::NoCourse]);
    }
    let mut problems = Vec::new();
    let mut kept = Tree::new("");
    for (path, file) in zipped.files() {
        let in_course = path
            .split_once('/')
            .is_some_and(|(c, _)| courses.contains(c));
        let top_file = matches!(path, "catalog.toml" | "skills.toml");
        if !(in_course || top_file) {
            continue;
        }
        if !tree::is_text(path) && !is_valid_media(path, &file.bytes) {
            problems.push(UploadProblem::BadMedia(path.to_string()));
        }
        kept.insert(path.to_string(), file.clone());
    }
    for course in &courses {
        if !is_slug(course) {
            problems.push(UploadProblem::BadCourseName(course.clone()));
        }
    }
    if problems.is_empty() {
        Ok((kept, courses))
    } else {
        Err(problems)
    }
}

fn strip_folder(tree: &Tree, folder: &str) -> Tree {
    let prefix = format!("{folder}/");
    let mut out = Tree::new("");
    for (path, file) in tree.files() {
        if let Some(rest) = path.strip_prefix(&prefix) {
            out.insert(rest.to_string(), file.clone());
        }
    }
    out
}

/// Whether `path` may be edited in the browser: a Markdown file directly in
/// an existing course, that course's `course.toml`, or a top-level TOML file.
pub fn editable(base: &Tree, path: &str) -> bool {
    let Some(clean) = archive::safe_path(path) else {
        return false;
    };
    if clean != path || !tree::is_text(path) {
        return false;
    }
    match path.split_once('/') {
        None => matches!(path, "catalog.toml" | "skills.toml"),
        Some((course, name)) => {
            !name.contains('/')
                && base.get(&format!("{course}/course.toml")).is_some()
                && (name.ends_with(".md") || name == "course.toml")
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    file: String,
    text: String,
    #[serde(default)]
    base_hash: String,
    /// An open draft to put the file into; empty: a new draft.
    #[serde(default)]
    draft: String,
}

/// `POST /content/edit`: saves one file into a draft (a new one, or the
/// open draft named in the form), unless someone changed it since the
/// trainer opened it (then both texts are shown, nothing lost). A new
/// chapter joins its course's list of chapters in the same draft.
pub async fn save_edit(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Trainers>,
    parts: Parts,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    if !state.content.publishing_allowed() {
        return Err(AppError::Conflict(
            "publishing is off: content_source = \"folder\"",
        ));
    }
    let (_, base) = drafts::current_base(&state.db, &state.content).await?;
    let draft = match form.draft.as_str() {
        "" => None,
        id => match drafts::load(&state.db, id).await? {
            Some(d) if d.published_as.is_none() => Some(d),
            // Published or thrown away meanwhile: keep the text in a new draft.
            _ => None,
        },
    };
    // What the trainer was looking at: the handbook, with the draft's changes.
    let seen = match &draft {
        Some(d) => d.apply(&base),
        None => (*base).clone(),
    };
    if !editable(&seen, &form.file) {
        return Err(AppError::NotFound);
    }
    // Browsers send text boxes with CRLF line ends; files keep LF.
    let text = form.text.replace("\r\n", "\n");
    if text.len() > tree::MAX_TEXT_BYTES {
        return Err(AppError::BadRequest("file too large"));
    }
    let current = seen.get(&form.file);
    let current_hash = current.map(|f| f.hash.clone()).unwrap_or_default();
    if current_hash != form.base_hash {
        let by = match current {
            Some(f) => versions::changed_by(&state.db, &form.file, &f.hash).await?,
            None => None,
        };
        let conflict = EditConflict {
            path: form.file.clone(),
            draft: draft.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            mine: text,
            theirs: current
                .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
                .unwrap_or_default(),
            theirs_hash: current_hash,
            by: by
                .as_ref()
                .map(|v| v.author_name.clone())
                .unwrap_or_default(),
            at: by
                .map(|v| crate::clock::when(v.created_at))
                .unwrap_or_default(),
        };
        let uri = with_query("/content/edit", &[("file", &form.file)]);
        return Ok(page(&state, parts, &uri, StatusCode::CONFLICT, move || {
            leptos::prelude::provide_context(conflict.clone())
        })
        .await);
    }
    let mut changes = vec![(form.file.clone(), Some(File::new(text.into_bytes())))];
    if current.is_none() {
        if let Some(listed) = course_listing(&seen, &form.file) {
            changes.push(listed);
        }
    }
    let saved = match &draft {
        Some(d) => drafts::put_files(&state.db, &d.id, &user.id, changes, &base, now())
            .await?
            .map(|_| d.id.clone()),
        None => drafts::create(&state.db, &user.id, &form.file, changes, &base, now()).await?,
    };
    match saved {
        Ok(id) => Ok(see_other(&draft_page(&id))),
        Err(problem) => Ok(refuse_upload(&state, parts, vec![problem]).await),
    }
}

/// For a new chapter file: its course's `course.toml` with the chapter
/// added at the end of `chapters` (nothing when the course lists no
/// chapters, or lists this one already).
fn course_listing(seen: &Tree, path: &str) -> Option<(String, Option<File>)> {
    let (course, name) = path.split_once('/')?;
    if !name.ends_with(".md") || name.ends_with(".quiz.md") {
        return None;
    }
    let toml_path = format!("{course}/course.toml");
    let text = std::str::from_utf8(&seen.get(&toml_path)?.bytes).ok()?;
    let listed = crate::content::ssr::course_toml::with_chapter_listed(text, name)?;
    Some((toml_path, Some(File::new(listed.into_bytes()))))
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    note: String,
}

/// `POST /content/drafts/:id/publish`.
pub async fn publish(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Trainers>,
    Path(id): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    let draft = drafts::load(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(number) = draft.published_as {
        return Ok(see_other(&with_query(
            "/content/history",
            &[("published", &number.to_string())],
        )));
    }
    if !state.content.publishing_allowed() {
        return Err(AppError::Conflict(
            "publishing is off: content_source = \"folder\"",
        ));
    }
    let note = form.note.trim();
    let note = if note.is_empty() {
        draft.title.as_str()
    } else {
        note
    };
    let author = Author {
        user_id: Some(&user.id),
        name: &user.display_name,
        note: &note.chars().take(500).collect::<String>(),
    };
    match drafts::publish(&state.db, &state.content, &draft, &author, now()).await? {
        Ok(number) => Ok(see_other(&with_query(
            "/content/history",
            &[("published", &number.to_string())],
        ))),
        Err(Refused::Conflicts(_)) => Err(AppError::form(&draft_page(&id), "conflict", &[])),
        Err(Refused::Errors) => Err(AppError::form(&draft_page(&id), "errors", &[])),
        Err(Refused::Busy) => Err(AppError::Conflict(drafts::KEPT_CHANGING)),
    }
}

/// `POST /content/drafts/:id/discard`.
pub async fn discard(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Trainers>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    drafts::discard(&state.db, &id, &user.id, now()).await?;
    Ok(see_other(CONTENT_PAGE))
}

#[derive(Deserialize)]
pub struct RollbackForm {
    version: i64,
    /// `yes` from the confirmation; anything else only asks.
    #[serde(default)]
    confirm: String,
}

/// `POST /content/rollback`: version N becomes the newest version again.
pub async fn rollback(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Trainers>,
    Form(form): Form<RollbackForm>,
) -> Result<Response, AppError> {
    if !state.content.publishing_allowed() {
        return Err(AppError::Conflict(
            "publishing is off: content_source = \"folder\"",
        ));
    }
    if versions::get(&state.db, form.version).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if form.confirm != "yes" {
        return Ok(see_other(&format!(
            "/content/history?rollback={}#confirm",
            form.version
        )));
    }
    let target = versions::load_tree(&state.db, form.version).await?;
    let note = format!("rollback to version {}", form.version);
    let author = Author {
        user_id: Some(&user.id),
        name: &user.display_name,
        note: &note,
    };
    let result = drafts::publish_with(
        &state.db,
        &state.content,
        Kind::Rollback,
        &author,
        now(),
        |_| Ok(target.clone()),
    )
    .await?;
    match result {
        Ok(number) => Ok(see_other(&with_query(
            "/content/history",
            &[("published", &number.to_string())],
        ))),
        Err(Refused::Busy) => Err(AppError::Conflict(drafts::KEPT_CHANGING)),
        Err(_) => Err(AppError::form("/content/history", "rollback", &[])),
    }
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    version: Option<i64>,
}

/// `GET /content/download[?version=N]`: the handbook as a `.zip`.
pub async fn download(
    State(state): State<AppState>,
    RequireRole { .. }: RequireRole<TrainersDownload>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (label, tree) = match query.version {
        Some(n) => {
            if versions::get(&state.db, n).await?.is_none() {
                return Err(AppError::NotFound);
            }
            (format!("v{n}"), versions::load_tree(&state.db, n).await?)
        }
        None => {
            let served = state.content.current();
            let label = match served.version {
                0 => "content".to_string(),
                n => format!("v{n}"),
            };
            (label, (*served.tree).clone())
        }
    };
    let bytes = tokio::task::spawn_blocking(move || archive::write_zip(&tree))
        .await
        .map_err(anyhow::Error::from)??;
    let disposition = format!("attachment; filename=\"hocvu-noi-dung-{label}.zip\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The chapter a changed file belongs to: itself, or the chapter of a quiz.
pub fn chapter_file_of(path: &str) -> String {
    match path.strip_suffix(".quiz.md") {
        Some(stem) => format!("{stem}.md"),
        None => path.to_string(),
    }
}
