//! Account pages: sign up, sign in, password reset, the admin's user list,
//! and the account corner of the site header. Plain HTML forms that POST to
//! the handlers in `ssr::handlers` and `ssr::admin`; no JavaScript needed.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use super::{signed_in_user, IssuedCode, Problem, Role, UserSummary};
use crate::ui::gates::{respond, Forbidden};
use crate::ui::i18n::{t, Texts};
use crate::web::links::{is_local_path, with_query};

/// Users matching `query`, for admins only (every server function is a
/// public endpoint, so it checks the role itself). A fixed URL, so the
/// role tests can reach it: `POST /api/admin_users`.
#[server(endpoint = "admin_users")]
pub async fn admin_users(query: String) -> Result<Vec<UserSummary>, ServerFnError> {
    use crate::web::{user_with_role, AppError};
    user_with_role(Role::ADMINS)?;
    let db = crate::web::request_db()?;
    let users = super::ssr::admin::list_users(&db, &query).await;
    Ok(users.map_err(AppError::from)?)
}

/// The name of a role in the reader's language.
pub fn role_name(tx: &Texts, role: Role) -> &'static str {
    match role {
        Role::Learner => tx.role_learner,
        Role::Trainer => tx.role_trainer,
        Role::Supervisor => tx.role_supervisor,
        Role::Admin => tx.role_admin,
        Role::ClassLeader => tx.role_class_leader,
    }
}

fn problem_text(tx: &Texts, problem: Problem, wait_seconds: Option<u64>) -> String {
    match problem {
        Problem::Credentials => tx.err_credentials.into(),
        Problem::PhoneInvalid => tx.err_phone.into(),
        Problem::UsernameInvalid => tx.err_username.into(),
        Problem::LoginTaken => tx.err_taken.into(),
        Problem::NameInvalid => tx.err_name.into(),
        Problem::PasswordShort => tx.err_password_short.into(),
        Problem::PasswordLong => tx.err_password_long.into(),
        Problem::ResetInvalid => tx.err_reset_code.into(),
        Problem::SelfDemote => tx.err_self_demote.into(),
        Problem::NoSuchUser => tx.err_no_user.into(),
        Problem::Throttled => (tx.err_throttled)(wait_seconds.unwrap_or(60).div_ceil(60).max(1)),
    }
}

/// What the query string brought back to a form: the problem and the
/// fields that were kept.
struct FormEcho {
    problem: Option<Problem>,
    wait: Option<u64>,
    login: String,
    display_name: String,
    next: String,
}

fn form_echo() -> FormEcho {
    let query = use_query_map().get_untracked();
    let get = |key: &str| query.get(key).unwrap_or_default();
    FormEcho {
        problem: query.get("error").and_then(|c| Problem::parse(&c)),
        wait: query.get("wait").and_then(|w| w.parse().ok()),
        login: get("login"),
        display_name: get("display_name"),
        next: query
            .get("next")
            .filter(|n| is_local_path(n))
            .unwrap_or_default(),
    }
}

/// The problem, announced to screen readers as soon as the page loads.
#[component]
fn ProblemNote(problem: Option<Problem>, wait: Option<u64>) -> impl IntoView {
    let tx = t();
    problem
        .map(|p| view! { <p class="error form-error" role="alert">{problem_text(tx, p, wait)}</p> })
}

#[component]
fn AlreadySignedIn() -> impl IntoView {
    signed_in_user().map(|user| {
        view! { <p class="hint">{(t().signed_in_as)(&user.display_name)}</p> }
    })
}

/// `/signin`
#[component]
pub fn SignInPage() -> impl IntoView {
    let tx = t();
    let echo = form_echo();
    let sign_up = with_query("/signup", &[("next", &echo.next)]);
    let reset = with_query("/reset", &[("login", &echo.login), ("next", &echo.next)]);
    view! {
        <Title text=tx.sign_in_title/>
        <section class="account">
            <h1>{tx.sign_in_title}</h1>
            <p class="lead">{tx.sign_in_lead}</p>
            <AlreadySignedIn/>
            <ProblemNote problem=echo.problem wait=echo.wait/>
            <form method="post" action="/signin" class="account-form">
                <input type="hidden" name="next" value=echo.next/>
                <LoginField value=echo.login hint=false/>
                <p class="field">
                    <label for="password">{tx.password_label}</label>
                    <input id="password" name="password" type="password" required
                        autocomplete="current-password" maxlength="256"/>
                </p>
                <button type="submit">{tx.sign_in_button}</button>
            </form>
            <p>{tx.no_account_yet}" "<a href=sign_up>{tx.sign_up_title}</a></p>
            <p><a href=reset>{tx.forgot_password}</a></p>
        </section>
    }
}

/// `/signup`
#[component]
pub fn SignUpPage() -> impl IntoView {
    let tx = t();
    let echo = form_echo();
    let sign_in = with_query("/signin", &[("next", &echo.next)]);
    view! {
        <Title text=tx.sign_up_title/>
        <section class="account">
            <h1>{tx.sign_up_title}</h1>
            <p class="lead">{tx.sign_up_lead}</p>
            <AlreadySignedIn/>
            <ProblemNote problem=echo.problem wait=echo.wait/>
            <form method="post" action="/signup" class="account-form">
                <input type="hidden" name="next" value=echo.next/>
                <LoginField value=echo.login hint=true/>
                <p class="field">
                    <label for="display_name">{tx.display_name_label}</label>
                    <input id="display_name" name="display_name" type="text" required
                        autocomplete="name" maxlength="80" value=echo.display_name
                        aria-describedby="display_name-hint"/>
                    <span class="hint" id="display_name-hint">{tx.display_name_hint}</span>
                </p>
                <NewPasswordField label=tx.password_label/>
                <button type="submit">{tx.sign_up_button}</button>
            </form>
            <p>{tx.have_account}" "<a href=sign_in>{tx.sign_in_title}</a></p>
        </section>
    }
}

/// `/reset`: a code from an admin and a new password.
#[component]
pub fn ResetPage() -> impl IntoView {
    let tx = t();
    let echo = form_echo();
    view! {
        <Title text=tx.reset_title/>
        <section class="account">
            <h1>{tx.reset_title}</h1>
            <p class="lead">{tx.reset_lead}</p>
            <ProblemNote problem=echo.problem wait=echo.wait/>
            <form method="post" action="/reset" class="account-form">
                <input type="hidden" name="next" value=echo.next/>
                <LoginField value=echo.login hint=false/>
                <p class="field">
                    <label for="code">{tx.reset_code_label}</label>
                    <input id="code" name="code" type="text" required autocomplete="one-time-code"
                        autocapitalize="characters" spellcheck="false" maxlength="40"/>
                </p>
                <NewPasswordField label=tx.new_password_label/>
                <button type="submit">{tx.reset_button}</button>
            </form>
        </section>
    }
}

/// The one "phone number or username" field of every account form.
#[component]
fn LoginField(value: String, hint: bool) -> impl IntoView {
    let tx = t();
    view! {
        <p class="field">
            <label for="login">{tx.login_label}</label>
            <input id="login" name="login" type="text" required autocomplete="username"
                autocapitalize="none" spellcheck="false" maxlength="64" value=value
                aria-describedby=hint.then_some("login-hint")/>
            {hint.then(|| view! { <span class="hint" id="login-hint">{tx.login_hint}</span> })}
        </p>
    }
}

#[component]
fn NewPasswordField(label: &'static str) -> impl IntoView {
    let tx = t();
    view! {
        <p class="field">
            <label for="password">{label}</label>
            <input id="password" name="password" type="password" required minlength="8"
                maxlength="256" autocomplete="new-password" aria-describedby="password-hint"/>
            <span class="hint" id="password-hint">{tx.password_hint}</span>
        </p>
    }
}

/// `/admin/users`: admins only. Signed-out visitors are sent to sign in
/// (and come back), everyone else gets 403.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    match signed_in_user() {
        None => {
            respond(303, Some(&with_query("/signin", &[("next", &path)])));
            Either::Left(Either::Left(()))
        }
        Some(user) if !user.is_admin() => Either::Left(Either::Right(view! { <Forbidden/> })),
        Some(user) => Either::Right(view! { <UserAdmin me=user.id/> }),
    }
}

#[component]
fn UserAdmin(me: String) -> impl IntoView {
    let tx = t();
    let query = use_query_map().get_untracked();
    let q = query.get("q").unwrap_or_default();
    let problem = query.get("error").and_then(|c| Problem::parse(&c));
    let done = match query.get("done").as_deref() {
        Some("role") => Some(tx.admin_role_changed),
        Some("unit") => Some(tx.admin_unit_saved),
        _ => None,
    };
    let bad_unit = query
        .get("error")
        .is_some_and(|e| e == "unit" || e == "position");
    let issued = use_context::<IssuedCode>();
    let users = Resource::new(
        {
            let q = q.clone();
            move || q.clone()
        },
        admin_users,
    );
    view! {
        <Title text=tx.admin_users_title/>
        <h1>{tx.admin_users_title}</h1>
        <crate::ui::tabs::AdminTabs/>
        {issued.map(|code| view! {
            <section class="issued-code" role="status">
                <h2>{tx.admin_code_title}</h2>
                <p>{(tx.admin_code_for)(&format!("{} ({})", code.display_name, code.login))}</p>
                <p class="code"><output>{code.code}</output></p>
                <p class="hint">{tx.admin_code_note}</p>
            </section>
        })}
        <ProblemNote problem=problem wait=None/>
        {done.map(|done| view! { <p class="notice" role="status">{done}</p> })}
        {bad_unit.then(|| view! { <p class="error form-error" role="alert">{crate::ui::officials_texts::ot().err_unit}</p> })}
        <form method="get" action="/admin/users" role="search" class="search-form">
            <label for="q">{tx.admin_search_label}</label>
            <div class="search-row">
                <input id="q" name="q" type="search" value=q maxlength="100"/>
                <button type="submit">{tx.search_button}</button>
            </div>
        </form>
        <Suspense>
            {move || {
                let me = me.clone();
                Suspend::new(async move {
                    match users.await {
                        Ok(list) if list.is_empty() => Either::Left(view! { <p>{tx.admin_no_users}</p> }.into_any()),
                        Ok(list) => Either::Right(view! { <UserList users=list me/> }),
                        Err(_) => Either::Left(view! { <p class="error">{tx.load_error}</p> }.into_any()),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn UserList(users: Vec<UserSummary>, me: String) -> impl IntoView {
    let tx = t();
    view! {
        <p class="meta">{(tx.admin_user_count)(users.len())}</p>
        <ul class="user-list">
            {users
                .into_iter()
                .map(|user| {
                    let select_id = format!("role-{}", user.id);
                    let is_me = user.id == me;
                    view! {
                        <li class="user-card">
                            <p class="user-name">
                                <strong>{user.display_name}</strong>
                                " "
                                <span class="meta">{user.login}</span>
                            </p>
                            <form method="post" action="/admin/users/role" class="inline-form">
                                <input type="hidden" name="user_id" value=user.id.clone()/>
                                <label for=select_id.clone()>{tx.admin_role_label}</label>
                                <select id=select_id name="role">
                                    {Role::ALL
                                        .iter()
                                        .copied()
                                        .map(|role| view! {
                                            <option value=role.code() selected=role == user.role>
                                                {role_name(tx, role)}
                                            </option>
                                        })
                                        .collect_view()}
                                </select>
                                <button type="submit">{tx.admin_change_role}</button>
                            </form>
                            {(!is_me).then(|| view! {
                                <form method="post" action="/admin/users/reset-code" class="inline-form">
                                    <input type="hidden" name="user_id" value=user.id.clone()/>
                                    <button type="submit" class="secondary">{tx.admin_issue_code}</button>
                                </form>
                            })}
                            <form method="post" action="/admin/users/unit" class="inline-form place-form">
                                <input type="hidden" name="user_id" value=user.id.clone()/>
                                <label>{crate::ui::officials_texts::ot().unit_code}
                                    <input name="unit_code" value=user.unit_code.clone() maxlength="32" size="8"/>
                                </label>
                                <label>{crate::ui::officials_texts::ot().position}
                                    <input name="position" value=user.position.clone() maxlength="120" size="12"/>
                                </label>
                                <button type="submit" class="secondary">{crate::ui::officials_texts::ot().place_save}</button>
                            </form>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The account corner of the header: a sign-in link, or the signed-in
/// person's name (to their learning page) and a sign-out button.
#[component]
pub fn AccountNav() -> impl IntoView {
    let tx = t();
    match signed_in_user() {
        Some(user) => Either::Left(view! {
            {matches!(user.role, Role::Admin | Role::Supervisor).then(|| view! {
                <a href="/reports">{crate::ui::officials_texts::ot().nav_reports}</a>
            })}
            {Role::CLASS_VIEWERS.contains(&user.role).then(|| view! {
                <a href="/classes">{crate::classes::texts::ct().nav_classes}</a>
            })}
            {user.is_admin().then(|| view! { <a href="/admin/users">{tx.nav_admin}</a> })}
            <a href="/me" class="account-name">{user.display_name}</a>
            <form method="post" action="/signout" class="sign-out">
                <button type="submit">{tx.nav_sign_out}</button>
            </form>
        }),
        None => {
            let path = use_location().pathname.get_untracked();
            // Come back here after signing in, unless "here" is an account form.
            let next = if ["/signin", "/signup", "/reset", "/"].contains(&path.as_str()) {
                String::new()
            } else {
                path
            };
            Either::Right(
                view! { <a href=with_query("/signin", &[("next", &next)])>{tx.nav_sign_in}</a> },
            )
        }
    }
}
