//! The tabs between the pages of managing officials.

use leptos::prelude::*;

use super::{i18n::t, officials_texts::ot};

/// Links between the pages of managing officials (admin pages for admins).
#[component]
pub fn AdminTabs() -> impl IntoView {
    let ot = ot();
    let admin = crate::accounts::signed_in_user().is_some_and(|u| u.is_admin());
    view! {
        <nav class="tabs" aria-label=ot.admin_tabs>
            <a href="/reports">{ot.reports_title}</a>
            <a href="/assignments">{ot.assignments_title}</a>
            {admin.then(|| view! {
                <a href="/admin/units">{ot.units_title}</a>
                <a href="/admin/officials">{ot.officials_title}</a>
                <a href="/admin/users">{t().admin_users_title}</a>
            })}
        </nav>
    }
}
