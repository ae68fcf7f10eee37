//! `/certificates/<code>` (printable, holder and admins) and the public
//! `/verify/<code>`.

use crate::web::links;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{my_certificates, printable_certificate, verify_certificate, Printable, Verification};
use crate::{
    ui::gates::respond,
    ui::{day_month_year, officials_texts::ot},
};

fn code_param() -> String {
    use_params_map()
        .get_untracked()
        .get("code")
        .unwrap_or_default()
}

/// A certificate code in groups of four (`ABCD EFGH JKLM NPQR`): read
/// aloud, typed and compared a group at a time, and never broken mid-group.
pub fn grouped(code: &str) -> String {
    code.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `/verify`: a form to type a code from a paper certificate; with
/// `?code=` it shows the verdict under the form.
#[component]
pub fn VerifyFormPage() -> impl IntoView {
    let ot = ot();
    let typed = use_query_map()
        .get_untracked()
        .get("code")
        .unwrap_or_default();
    let asked = !typed.trim().is_empty();
    let found = Resource::new(
        {
            let typed = typed.clone();
            move || typed.clone()
        },
        |code| async move {
            if code.trim().is_empty() {
                Ok(None)
            } else {
                verify_certificate(code).await
            }
        },
    );
    view! {
        <Title text=ot.verify_title/>
        <h1>{ot.verify_title}</h1>
        <form method="get" action="/verify" class="stacked-form verify-form">
            <p class="field">
                <label for="code">{ot.verify_code_label}</label>
                <input id="code" name="code" value=typed required maxlength="40"
                    autocapitalize="characters" autocomplete="off" spellcheck="false"
                    aria-describedby="code-hint"/>
            </p>
            <p class="hint" id="code-hint">{ot.verify_code_hint}</p>
            <p><button type="submit">{ot.verify_button}</button></p>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Some(v)) => view! { <VerifyView v/> }.into_any(),
                    Ok(None) if asked => view! { <p class="verdict" data-status="unknown" role="status">{ot.verify_unknown}</p> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(_) => view! { <p class="error">{ot.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/verify/<code>`: what anyone may know — who, which course, when, and
/// whether it still stands. Nothing else about the person.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let ot = ot();
    let found = Resource::new(code_param, verify_certificate);
    view! {
        <Title text=ot.verify_title/>
        <h1>{ot.verify_title}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Some(v)) => view! { <VerifyView v/> }.into_any(),
                    Ok(None) => {
                        respond(404, None);
                        view! { <p class="verdict" data-status="unknown">{ot.verify_unknown}</p> }.into_any()
                    }
                    Err(_) => view! { <p class="error">{ot.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VerifyView(v: Verification) -> impl IntoView {
    let ot = ot();
    let (status, text) = if v.revoked {
        ("revoked", ot.verify_revoked)
    } else {
        ("valid", ot.verify_valid)
    };
    view! {
        <p class=format!("verdict verdict-{status}") data-status=status>{text}</p>
        <dl class="facts">
            <dt>{ot.holder}</dt><dd>{v.holder}</dd>
            <dt>{ot.course}</dt><dd>{v.course_title}</dd>
            <dt>{ot.completed_on}</dt><dd>{day_month_year(&v.completed_on)}</dd>
            <dt>{ot.certificate_code}</dt><dd><code class="cert-code">{grouped(&v.code)}</code></dd>
        </dl>
    }
}

/// `/certificates/<code>`: an A4 page to print (see the print stylesheet).
#[component]
pub fn CertificatePage() -> impl IntoView {
    let ot = ot();
    let found = Resource::new(code_param, printable_certificate);
    let query = use_query_map().get_untracked();
    let revoked_now = query.get("done").is_some_and(|d| d == "revoked");
    let bad_reason = query.get("error").is_some_and(|e| e == "reason");
    view! {
        <Title text=ot.certificate_title/>
        {revoked_now.then(|| view! { <p class="notice no-print" role="status">{ot.revoked_done}</p> })}
        {bad_reason.then(|| view! { <p class="error form-error no-print" role="alert">{ot.err_reason}</p> })}
        <Suspense>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Some(p)) => view! { <CertificateView p/> }.into_any(),
                    Ok(None) => {
                        // Someone else's certificate reads like a wrong code.
                        respond(404, None);
                        view! {
                            <h1>{ot.certificate_title}</h1>
                            <p>{ot.verify_unknown}</p>
                        }.into_any()
                    }
                    Err(_) => view! { <p class="error">{ot.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CertificateView(p: Printable) -> impl IntoView {
    let ot = ot();
    let v = p.verification;
    let code = v.code.clone();
    // "…/verify" and the code apart: the address fits a phone's line and
    // the code reads in groups (the QR holds the whole address).
    let verify_at = p
        .verify_url
        .strip_suffix(&links::verify(&v.code))
        .map(|origin| format!("{origin}/verify"))
        .unwrap_or_default();
    let share = p.verify_url.clone();
    view! {
        // Print (or "save as PDF") and share: the page script does both; the
        // share link alone opens the verification page, to copy or send.
        <p class="no-print actions">
            <button type="button" data-print="">{ot.print_or_save}</button>" "
            {(!share.is_empty()).then(|| view! {
                <a class="button secondary" href=share data-share="">{ot.share}</a>
            })}
        </p>
        <article class="certificate" data-status=if v.revoked { "revoked" } else { "valid" }>
            <p class="certificate-issuer">{ot.certificate_issuer}</p>
            <h1>{ot.certificate_heading}</h1>
            <p class="certificate-lead">{ot.certificate_awarded_to}</p>
            <p class="certificate-holder">{v.holder}</p>
            <p class="certificate-lead">{ot.certificate_for}</p>
            <p class="certificate-course">{v.course_title}</p>
            <p>{ot.completed_on}": "{day_month_year(&v.completed_on)}</p>
            {v.revoked.then(|| view! { <p class="verdict verdict-revoked" data-status="revoked">{ot.verify_revoked}": "{p.revoked_reason.clone()}</p> })}
            <div class="certificate-check">
                {if p.verify_url.is_empty() {
                    Either::Left(view! { <p class="notice error" role="alert">{ot.needs_public_url}</p> })
                } else {
                    Either::Right(view! {
                        <div class="qr" inner_html=p.qr_svg></div>
                        <p class="certificate-verify">{ot.certificate_scan}<br/>
                            <span class="verify-at">{verify_at}</span><br/>
                            {ot.certificate_code}": "<code class="cert-code">{grouped(&v.code)}</code></p>
                    })
                }}
            </div>
        </article>
        {p.can_revoke.then(|| view! {
            <section class="panel no-print">
                <h2>{ot.revoke_title}</h2>
                <form method="post" action="/certificates/revoke" class="stacked-form">
                    <input type="hidden" name="code" value=code/>
                    <p class="field"><label for="reason">{ot.revoke_reason}</label>
                        <input id="reason" name="reason" required maxlength="500"/></p>
                    <button type="submit" class="danger">{ot.revoke_button}</button>
                </form>
            </section>
        })}
    }
}

/// The signed-in person's certificates, for `/me`.
#[component]
pub fn MyCertificates() -> impl IntoView {
    let ot = ot();
    let list = Resource::new(|| (), |_| my_certificates());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list = list.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section class="my-certificates">
                        <h2>{ot.my_certificates}</h2>
                        <ul>
                            {list.into_iter().map(|c| view! {
                                <li>
                                    <a href=links::certificate(&c.code)>{c.course_title}</a>
                                    " "<span class="meta">{day_month_year(&c.completed_on)}</span>
                                    {c.revoked.then(|| view! { " "<span class="status status-overdue">{ot.verify_revoked}</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
