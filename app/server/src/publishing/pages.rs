//! `/content` and below: upload, edit, check, preview, publish, history.
//! Plain forms that work without JavaScript; trainers and admins only.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    content_draft, content_edit, content_history, content_home, content_preview,
    texts::{pt, PublishingTexts},
    Change, DraftPage, EditConflict, FileChange, Home, PreviewPage, UploadProblem, VersionLine,
};
use crate::{
    accounts::Role,
    ui::gates::{respond, RoleGate},
};

/// The links between the publishing pages.
#[component]
fn ContentTabs() -> impl IntoView {
    let pt = pt();
    view! {
        <nav class="tabs" aria-label=pt.tabs>
            <a href="/content">{pt.home_title}</a>
            <a href="/content/history">{pt.history_title}</a>
            <a href="/content/status">{pt.status_link}</a>
        </nav>
    }
}

/// Shown when a page's data could not be loaded or does not exist.
fn missing(pt: &'static PublishingTexts) -> impl IntoView {
    respond(404, None);
    view! { <h1>{pt.not_found}</h1><p><a href="/content">{pt.home_title}</a></p> }
}

fn change_label(pt: &PublishingTexts, change: Change) -> &'static str {
    match change {
        Change::Added => pt.added,
        Change::Changed => pt.changed,
        Change::Removed => pt.removed,
    }
}

fn changes_list(pt: &'static PublishingTexts, changes: Vec<FileChange>) -> impl IntoView {
    view! {
        <ul class="file-changes">
            {changes.into_iter().map(|c| view! {
                <li><span class=format!("change {}", match c.change {
                    Change::Added => "added", Change::Changed => "changed", Change::Removed => "removed",
                })>{change_label(pt, c.change)}</span>" "<code>{c.path}</code></li>
            }).collect_view()}
        </ul>
    }
}

/// `/content`
#[component]
pub fn ContentHomePage() -> impl IntoView {
    view! { <RoleGate roles=Role::WRITERS><ContentHome/></RoleGate> }
}

#[component]
fn ContentHome() -> impl IntoView {
    let pt = pt();
    let problems = use_context::<Vec<UploadProblem>>();
    let home = Resource::new(|| (), |_| content_home());
    view! {
        <Title text=pt.home_title/>
        <h1>{pt.home_title}</h1>
        <ContentTabs/>
        {problems.map(|problems| view! {
            <div class="error form-error" role="alert">
                <p>{pt.upload_refused}</p>
                <ul>{problems.into_iter().map(|p| view! { <li>{(pt.problem)(&p)}</li> }).collect_view()}</ul>
            </div>
        })}
        <Suspense>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => Either::Left(view! { <HomeView home/> }),
                    Err(_) => Either::Right(view! { <p class="error">{pt.load_error}</p> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HomeView(home: Home) -> impl IntoView {
    let pt = pt();
    let serving = home.serving.clone();
    let serving_text = if serving.version == 0 {
        pt.serving_folder.to_string()
    } else {
        (pt.serving_version)(serving.version, &serving.author, &serving.at)
    };
    let courses_for_select = home.courses.clone();
    view! {
        <p class="serving">{serving_text}
            {(home.errors + home.warnings > 0).then(|| view! {
                " " <a href="/content/status">{(pt.findings_count)(home.errors, home.warnings)}</a>
            })}
        </p>
        <p><a class="button secondary" href="/content/download">{pt.download}</a></p>
        {if serving.publishing_off {
            Either::Left(view! { <p class="notice">{pt.publishing_off}</p> })
        } else {
            Either::Right(view! {
                <section class="panel">
                    <h2>{pt.upload_title}</h2>
                    <form method="post" action="/content/upload" enctype="multipart/form-data" class="stacked-form">
                        <p class="field">
                            <label for="files">{pt.upload_files}</label>
                            <input type="file" id="files" name="files" multiple required
                                accept=".zip,.md,.toml,.png,.jpg,.jpeg,.gif,.webp,.svg,.mp3,.m4a,.ogg,.pdf"
                                aria-describedby="files-hint"/>
                        </p>
                        <p class="hint" id="files-hint">{pt.upload_hint}</p>
                        <p class="field">
                            <label for="course">{pt.upload_course}</label>
                            <select id="course" name="course">
                                <option value="">{pt.upload_course_none}</option>
                                {courses_for_select.into_iter().map(|c| view! {
                                    <option value=c.slug.clone()>{c.title}</option>
                                }).collect_view()}
                            </select>
                        </p>
                        <p><button type="submit">{pt.upload_button}</button></p>
                    </form>
                </section>
            })
        }}
        {(!home.drafts.is_empty()).then(|| view! {
            <section class="panel">
                <h2>{pt.drafts_title}</h2>
                <ul class="drafts">
                    {home.drafts.into_iter().map(|d| view! {
                        <li><a href=format!("/content/drafts/{}", d.id)>{d.title}</a>" · "{d.created_at}</li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        // One closed line per course: the page stays a few screens long
        // however big the handbook grows.
        <section class="panel">
            <h2>{pt.files_title}</h2>
            <p class="hint">{pt.files_hint}</p>
            {home.courses.into_iter().map(|c| {
                let new_file = format!("{}/", c.slug);
                let input_id = format!("new-{}", c.slug);
                let stats = format!("/courses/{}/stats", c.slug);
                view! {
                    <details class="course-files-group">
                        <summary>{c.title}</summary>
                        <p><a href=stats>{pt.quiz_stats_link}</a></p>
                        {(!serving.publishing_off).then(|| view! {
                            <form method="get" action="/content/edit" class="inline-form">
                                <label for=input_id.clone()>{pt.new_file}</label>
                                <input id=input_id name="file" value=new_file required pattern="[a-z0-9-]+/[a-z0-9-]+\\.(md|quiz\\.md)"/>
                                <button type="submit" class="secondary">{pt.new_file_button}</button>
                            </form>
                        })}
                        <ul class="course-files">
                            {c.files.into_iter().map(|f| {
                                let path = format!("{}/{f}", c.slug);
                                view! {
                                    <li><a href=crate::web::links::with_query("/content/edit", &[("file", &path)])>
                                        {pt.edit}" "<code>{f}</code></a></li>
                                }
                            }).collect_view()}
                        </ul>
                    </details>
                }
            }).collect_view()}
        </section>
    }
}

/// `/content/edit?file=course/01-x.md`
#[component]
pub fn ContentEditPage() -> impl IntoView {
    view! { <RoleGate roles=Role::WRITERS><Editor/></RoleGate> }
}

#[component]
fn Editor() -> impl IntoView {
    let pt = pt();
    let query = use_query_map().get_untracked();
    let file = query.get("file").unwrap_or_default();
    let draft = query.get("draft").filter(|d| !d.is_empty());
    if let Some(conflict) = use_context::<EditConflict>() {
        return Either::Left(view! { <ConflictView conflict/> });
    }
    let page = Resource::new(
        move || (file.clone(), draft.clone()),
        |(file, draft)| content_edit(file, draft),
    );
    Either::Right(view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(page)) => Either::Left(view! {
                        <Title text=(pt.edit_title)(&page.path)/>
                        <h1>{(pt.edit_title)(&page.path)}</h1>
                        <ContentTabs/>
                        {page.draft.clone().map(|(id, title)| view! {
                            <p class="notice">{pt.edit_in_draft}" "
                                <a href=format!("/content/drafts/{id}")>{title}</a></p>
                        })}
                        {(!page.exists).then(|| view! { <p class="notice">{pt.edit_new}</p> })}
                        {(!page.exists && page.path.ends_with(".md") && !page.path.ends_with(".quiz.md")).then(|| view! {
                            <p class="hint">{pt.new_chapter_listed}</p>
                        })}
                        <form method="post" action="/content/edit" class="stacked-form editor">
                            <input type="hidden" name="file" value=page.path.clone()/>
                            <input type="hidden" name="base_hash" value=page.base_hash/>
                            <input type="hidden" name="draft" value=page.draft.map(|(id, _)| id).unwrap_or_default()/>
                            <p class="field">
                                <label for="text">{pt.edit_text}</label>
                                <textarea id="text" name="text" rows="24" spellcheck="false"
                                    aria-describedby="text-hint">{page.text}</textarea>
                            </p>
                            <p class="hint" id="text-hint">{pt.edit_hint}</p>
                            <p><button type="submit">{pt.check_button}</button></p>
                        </form>
                    }),
                    Ok(None) => Either::Right(Either::Left(missing(pt))),
                    Err(_) => Either::Right(Either::Right(view! { <p class="error">{pt.load_error}</p> })),
                }
            })}
        </Suspense>
    })
}

/// A save refused because someone else changed the file: both texts, and a
/// way to save one's own on top after reading theirs.
#[component]
fn ConflictView(conflict: EditConflict) -> impl IntoView {
    let pt = pt();
    view! {
        <Title text=(pt.edit_title)(&conflict.path)/>
        <h1>{(pt.edit_title)(&conflict.path)}</h1>
        <p class="error form-error" role="alert">{(pt.conflict_message)(&conflict.by, &conflict.at)}</p>
        <form method="post" action="/content/edit" class="stacked-form editor">
            <input type="hidden" name="file" value=conflict.path.clone()/>
            <input type="hidden" name="base_hash" value=conflict.theirs_hash/>
            <input type="hidden" name="draft" value=conflict.draft/>
            <p class="field">
                <label for="text">{pt.conflict_mine}</label>
                <textarea id="text" name="text" rows="16" spellcheck="false">{conflict.mine}</textarea>
            </p>
            <p><button type="submit">{pt.conflict_keep_mine}</button></p>
        </form>
        <p class="field">
            <label for="theirs">{pt.conflict_theirs}</label>
            <textarea id="theirs" rows="16" readonly spellcheck="false">{conflict.theirs}</textarea>
        </p>
        <p><a href=crate::web::links::with_query("/content/edit", &[("file", &conflict.path)])>{pt.conflict_start_over}</a></p>
    }
}

/// `/content/drafts/:id`
#[component]
pub fn ContentDraftPage() -> impl IntoView {
    view! { <RoleGate roles=Role::WRITERS><Draft/></RoleGate> }
}

#[component]
fn Draft() -> impl IntoView {
    let pt = pt();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let error = use_query_map()
        .get_untracked()
        .get("error")
        .unwrap_or_default();
    let draft = Resource::new(move || id.clone(), content_draft);
    view! {
        <Suspense>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match draft.await {
                        Ok(Some(draft)) => Either::Left(view! { <DraftView draft error/> }),
                        Ok(None) => Either::Right(Either::Left(missing(pt))),
                        Err(_) => Either::Right(Either::Right(view! { <p class="error">{pt.load_error}</p> })),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DraftView(draft: DraftPage, error: String) -> impl IntoView {
    let pt = pt();
    let errors = draft.findings.iter().filter(|f| f.error).count();
    let warnings = draft.findings.len() - errors;
    let can_publish = draft.published_as.is_none()
        && !draft.has_errors()
        && draft.conflicts.is_empty()
        && !draft.publishing_off;
    let publish_action = format!("/content/drafts/{}/publish", draft.id);
    let discard_action = format!("/content/drafts/{}/discard", draft.id);
    view! {
        <Title text=(pt.draft_title)(&draft.title)/>
        <h1>{(pt.draft_title)(&draft.title)}</h1>
        <ContentTabs/>
        <p class="meta">{(pt.draft_by)(&draft.author, &draft.created_at)}</p>
        {draft.published_as.map(|n| view! {
            <p class="notice" role="status">{(pt.draft_published)(n)}" "
                <a href="/content/history">{pt.history_title}</a></p>
        })}
        {(error == "errors").then(|| view! { <p class="error form-error" role="alert">{pt.publish_errors}</p> })}
        {(error == "conflict" || !draft.conflicts.is_empty()).then(|| view! {
            <div class="error form-error" role="alert">
                <p>{pt.publish_conflict}</p>
                <ul>{draft.conflicts.iter().map(|c| view! {
                    <li><code>{c.path.clone()}</code>": "{(pt.conflict_message)(&c.by, &c.at)}" "
                        <a href=crate::web::links::with_query("/content/edit", &[("file", &c.path)])>{pt.conflict_see_current}</a></li>
                }).collect_view()}</ul>
            </div>
        })}
        <section class="panel">
            <h2>{pt.check_title}</h2>
            {if draft.findings.is_empty() {
                Either::Left(view! { <p class="done">{pt.check_clean}</p> })
            } else {
                Either::Right(view! {
                    <p>{(pt.findings_count)(errors, warnings)}</p>
                    <ul class="findings">
                        {draft.findings.into_iter().map(|f| view! {
                            <li class:error=f.error class:warning=!f.error>
                                <strong>{if f.error { pt.error } else { pt.warning }}</strong>" "
                                <code>{f.place}</code>": "{f.message}
                                {f.line.map(|l| view! { <pre class="offending-line">{l}</pre> })}
                            </li>
                        }).collect_view()}
                    </ul>
                })
            }}
        </section>
        {(!draft.previews.is_empty()).then(|| view! {
            <section class="panel">
                <h2>{pt.previews_title}</h2>
                <ul class="previews">
                    {draft.previews.into_iter().map(|p| view! {
                        <li><a href=p.url>{(pt.preview_link)(&p.title)}</a>" "<code>{p.path}</code></li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {can_publish.then(|| view! {
            <section class="panel">
                <h2>{pt.publish_title}</h2>
                <form method="post" action=publish_action class="stacked-form">
                    <p class="field">
                        <label for="note">{pt.publish_note}</label>
                        <input id="note" name="note" maxlength="500"/>
                    </p>
                    <p><button type="submit">{pt.publish_button}</button></p>
                </form>
            </section>
        })}
        // The file list comes after the way on: check, preview, publish.
        <section class="panel">
            <h2>{pt.changes_title}</h2>
            {changes_list(pt, draft.changes)}
            {draft.published_as.is_none().then(|| {
                let id = draft.id.clone();
                view! {
                    <ul class="course-files">
                        {draft.editable.iter().map(|path| view! {
                            <li><a href=crate::web::links::with_query("/content/edit", &[("file", path), ("draft", &id)])>
                                {pt.edit_again}" "<code>{path.clone()}</code></a></li>
                        }).collect_view()}
                    </ul>
                    <form method="get" action="/content/edit" class="inline-form">
                        <input type="hidden" name="draft" value=id.clone()/>
                        <label for="draft-file">{pt.draft_add_file}</label>
                        <input id="draft-file" name="file" required
                            value=draft.editable.first().and_then(|p| p.split_once('/')).map(|(c, _)| format!("{c}/")).unwrap_or_default()/>
                        <button type="submit" class="secondary">{pt.draft_add_button}</button>
                    </form>
                }
            })}
        </section>
        {draft.published_as.is_none().then(|| view! {
            <form method="post" action=discard_action>
                <button type="submit" class="secondary">{pt.discard_button}</button>
            </form>
        })}
    }
}

/// `/content/drafts/:id/preview/:course/:chapter`
#[component]
pub fn ContentPreviewPage() -> impl IntoView {
    view! { <RoleGate roles=Role::WRITERS><Preview/></RoleGate> }
}

#[component]
fn Preview() -> impl IntoView {
    let pt = pt();
    let params = use_params_map().get_untracked();
    let get = |k: &str| params.get(k).unwrap_or_default();
    let asked = (get("id"), get("course"), get("chapter"));
    let page = Resource::new(
        move || asked.clone(),
        |(d, c, ch)| content_preview(d, c, ch),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(page)) => Either::Left(view! { <PreviewView page/> }),
                    Ok(None) => Either::Right(Either::Left(missing(pt))),
                    Err(_) => Either::Right(Either::Right(view! { <p class="error">{pt.load_error}</p> })),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PreviewView(page: PreviewPage) -> impl IntoView {
    let pt = pt();
    let back = format!("/content/drafts/{}", page.draft_id);
    view! {
        <Title text=(pt.preview_link)(&page.title)/>
        <p class="preview-banner" role="note"><strong>{pt.preview_banner}</strong>" "
            <a href=back>{pt.preview_back}</a></p>
        <article class="chapter" lang="vi">
            <p class="meta">{page.course_title}</p>
            <h1>{page.title}</h1>
            {(!page.html.is_empty()).then(|| view! { <div class="prose" inner_html=page.html/> })}
        </article>
        {(!page.questions.is_empty()).then(|| view! {
            <section class="panel quiz-preview" lang="vi">
                <h2>{pt.preview_quiz}</h2>
                {page.pass_percent.map(|p| view! { <p class="meta">{(pt.preview_pass)(p)}</p> })}
                <p class="notice">{pt.preview_answers_note}</p>
                <ol class="questions">
                    {page.questions.into_iter().map(|q| view! {
                        <li class="question">
                            <div class="prose" inner_html=q.prompt_html/>
                            <ul class="choices">
                                {q.choices.into_iter().map(|c| view! {
                                    <li class:correct=c.correct>
                                        <strong>{if c.correct { pt.correct } else { pt.wrong }}</strong>
                                        <span inner_html=c.html/>
                                        {c.explanation_html.map(|e| view! { <div class="explanation" inner_html=e/> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                            {(!q.accepted.is_empty()).then(|| view! {
                                <p><strong>{pt.accepted}</strong>" "{q.accepted.join(" · ")}</p>
                            })}
                            {q.explanation_html.map(|e| view! { <div class="explanation" inner_html=e/> })}
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        })}
    }
}

/// A version's note as trainers read it: the notes the server itself writes
/// (in English in the database) in the reader's language.
fn note_text(pt: &PublishingTexts, kind: &str, note: String) -> String {
    match (kind, note.as_str()) {
        ("import", "imported at first start") => pt.note_imported.to_string(),
        ("rollback", _) => match note
            .strip_prefix("rollback to version ")
            .and_then(|n| n.parse().ok())
        {
            Some(n) => (pt.note_rollback)(n),
            None => note,
        },
        _ => note,
    }
}

/// `/content/history`
#[component]
pub fn ContentHistoryPage() -> impl IntoView {
    view! { <RoleGate roles=Role::WRITERS><History/></RoleGate> }
}

#[component]
fn History() -> impl IntoView {
    let pt = pt();
    let query = use_query_map().get_untracked();
    let published = query.get("published");
    let rollback_failed = query.get("error").is_some();
    let confirm: Option<i64> = query.get("rollback").and_then(|n| n.parse().ok());
    let versions = Resource::new(|| (), |_| content_history());
    view! {
        <Title text=pt.history_title/>
        <h1>{pt.history_title}</h1>
        <ContentTabs/>
        {published.map(|n| view! { <p class="notice" role="status">{(pt.published_notice)(&n)}</p> })}
        {rollback_failed.then(|| view! { <p class="error form-error" role="alert">{pt.rollback_failed}</p> })}
        // One tap on "restore" only asks; this form does it.
        {confirm.map(|n| view! {
            <section class="panel confirm" id="confirm" aria-labelledby="confirm-title">
                <h2 id="confirm-title">{pt.rollback_confirm_title}</h2>
                <p>{(pt.rollback_confirm_text)(n)}</p>
                <form method="post" action="/content/rollback" class="inline-form">
                    <input type="hidden" name="version" value=n.to_string()/>
                    <input type="hidden" name="confirm" value="yes"/>
                    <button type="submit">{pt.rollback_confirm_yes}</button>
                </form>
                <p><a href="/content/history">{pt.rollback_confirm_cancel}</a></p>
            </section>
        })}
        <Suspense>
            {move || Suspend::new(async move {
                match versions.await {
                    Ok(versions) if versions.is_empty() => Either::Left(view! { <p>{pt.history_empty}</p> }),
                    Ok(versions) => Either::Right(Either::Left(view! {
                        <ol class="versions" reversed>
                            {versions.into_iter().map(|v| view! { <VersionItem v/> }).collect_view()}
                        </ol>
                    })),
                    Err(_) => Either::Right(Either::Right(view! { <p class="error">{pt.load_error}</p> })),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VersionItem(v: VersionLine) -> impl IntoView {
    let pt = pt();
    let count = |c: Change| v.changes.iter().filter(|f| f.change == c).count();
    let summary = (pt.change_summary)(
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed),
    );
    let download = format!("/content/download?version={}", v.number);
    let number = v.number.to_string();
    let value = number.clone();
    view! {
        <li class="version" value=value>
            <h2>{(pt.version_heading)(v.number)}
                {v.current.then(|| view! { " " <span class="badge">{pt.current}</span> })}</h2>
            <p class="meta">{(pt.kind_label)(&v.kind)}" · "{v.author}" · "{v.at}</p>
            {(!v.note.is_empty()).then(|| view! { <p>{note_text(pt, &v.kind, v.note)}</p> })}
            <details>
                <summary>{summary}</summary>
                {changes_list(pt, v.changes)}
            </details>
            <p class="actions">
                <a href=download>{pt.download_version}</a>
                {(!v.current).then(|| view! {
                    <a class="button secondary" href=format!("/content/history?rollback={number}#confirm")>{pt.rollback_button}</a>
                })}
            </p>
        </li>
    }
}
