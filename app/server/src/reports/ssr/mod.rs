//! Server side of reports: scope, counting, the CSV export and reminders.

pub mod export;
pub mod reminders;

use std::collections::BTreeMap;

use anyhow::Context;
use axum::{routing::get, routing::post, Router};

use crate::{
    accounts::{CurrentUser, Role},
    assignments::{
        ssr::rules::{load_assignments, Assignment, Population},
        Status,
    },
    clock::{date_of, days_between, today},
    content::ssr::{catalog::Catalog, current_catalog},
    orgs::ssr::{
        officials::login_text,
        tree::{Scope, Tree, Unit},
    },
    policy,
    reports::{OverdueLine, OverdueList, PersonLine, Report, UnitCounts},
    server::db::Db,
    web::{user_with_role, AppError},
};

/// The report page.
pub const REPORT_PAGE: &str = "/reports";
/// The list of who is overdue.
pub const OVERDUE_PAGE: &str = "/reports/overdue";

policy!(
    /// Supervisors and admins, on the report.
    ReportPage: MANAGERS back REPORT_PAGE
);
policy!(
    /// Supervisors and admins, on the overdue list.
    OverduePage: MANAGERS back OVERDUE_PAGE
);

pub fn routes() -> Router<crate::server::AppState> {
    Router::new()
        .route("/reports/export.csv", get(export::export_csv))
        .route("/reports/table.csv", get(export::table_csv))
        .route("/reports/overdue/remind", post(reminders::queue))
}

/// The part of the tree a report covers.
pub struct View {
    pub tree: Tree,
    /// `None`: everything (admins only).
    pub unit: Option<Unit>,
    pub scope: Scope,
}

impl View {
    /// The view `user` asked for with `unit_code` (empty: the top of their
    /// scope). `None` when the unit is unknown *or* outside their scope,
    /// and for anyone with no scope at all.
    pub async fn resolve(
        db: &Db,
        user: &CurrentUser,
        unit_code: &str,
    ) -> anyhow::Result<Option<View>> {
        let tree = Tree::load(db.reads()).await?;
        let scope = Scope::of(db, user, &tree).await?;
        let unit = match (&scope, unit_code.trim()) {
            (Scope::Nothing, _) => return Ok(None),
            (Scope::Subtree(root), "") => Some(root.clone()),
            (Scope::All, "") => None,
            (_, code) => match scope.find(&tree, &code.to_uppercase()) {
                Some(unit) => Some(unit.clone()),
                None => return Ok(None),
            },
        };
        Ok(Some(View { tree, unit, scope }))
    }

    /// Ids of every unit in the view.
    pub fn unit_ids(&self) -> Vec<&str> {
        let roots = match &self.unit {
            Some(unit) => vec![unit],
            None => self.tree.children(None),
        };
        self.tree
            .walk(roots)
            .into_iter()
            .map(|(_, u)| u.id.as_str())
            .collect()
    }

    fn label(&self) -> Option<(String, String)> {
        self.unit.as_ref().map(|u| (u.code.clone(), u.name.clone()))
    }
}

/// Optional narrowing of a report.
#[derive(Default)]
pub struct Filters {
    pub course: Option<String>,
    pub status: Option<Status>,
    /// Only courses that teach a skill of this framework group.
    pub courses_in_group: Option<std::collections::HashSet<String>>,
}

impl Filters {
    pub fn new(course: &str, status: Option<Status>) -> Filters {
        Filters {
            course: Some(course.trim().to_string()).filter(|c| !c.is_empty()),
            status,
            courses_in_group: None,
        }
    }

    /// Narrows to courses teaching skill group `group` (empty: no narrowing).
    pub fn in_group(mut self, group: &str, catalog: &Catalog) -> Filters {
        let group = group.trim();
        if !group.is_empty() {
            let courses = catalog
                .courses
                .iter()
                .filter(|c| catalog.groups_of_course(&c.slug).contains(group))
                .map(|c| c.slug.clone())
                .collect();
            self.courses_in_group = Some(courses);
        }
        self
    }
}

/// One person-course pair of the view, after the filters.
pub struct Entry<'a> {
    pub person: &'a crate::assignments::ssr::rules::Person,
    pub duty: &'a Assignment,
    pub status: Status,
    pub completed_at: Option<i64>,
}

/// Everyone in the view with their required courses.
pub struct Gathered {
    pub population: Population,
    pub assignments: Vec<Assignment>,
    pub today: String,
}

/// Whose names and logins a page shows.
pub enum Names {
    /// People placed directly in the view's unit (the report's list).
    Here,
    /// Everyone in the view (export, overdue list).
    All,
}

impl Gathered {
    pub async fn load(db: &Db, view: &View, names: Names) -> anyhow::Result<Gathered> {
        let assignments = load_assignments(db, &view.tree).await?;
        let units = view.unit_ids();
        let population = Population::in_units(db, &view.tree, &units, &assignments).await?;
        let named: Vec<&str> = match names {
            Names::All => units,
            Names::Here => view.unit.iter().map(|u| u.id.as_str()).collect(),
        };
        Ok(Gathered {
            population: population.with_details(db, &named).await?,
            assignments,
            today: today(),
        })
    }

    pub fn entries(&self, filters: &Filters) -> Vec<Entry<'_>> {
        let mut out = Vec::new();
        for person in &self.population.people {
            for duty in self.population.duties(person, &self.assignments) {
                if filters.course.as_ref().is_some_and(|c| *c != duty.course) {
                    continue;
                }
                if (filters.courses_in_group.as_ref())
                    .is_some_and(|set| !set.contains(&duty.course))
                {
                    continue;
                }
                let (status, completed_at) = self.population.status(person, duty, &self.today);
                if filters.status.is_some_and(|s| s != status) {
                    continue;
                }
                out.push(Entry {
                    person,
                    duty,
                    status,
                    completed_at,
                });
            }
        }
        out
    }
}

pub async fn report(
    unit: &str,
    course: &str,
    status: Option<Status>,
    group: &str,
) -> Result<Option<Report>, AppError> {
    let user = user_with_role(Role::MANAGERS)?;
    let db = crate::web::request_db()?;
    let catalog = current_catalog()?;
    let built = async {
        let Some(view) = View::resolve(&db, &user, unit).await? else {
            return Ok(None);
        };
        let gathered = Gathered::load(&db, &view, Names::Here).await?;
        let filters = Filters::new(course, status).in_group(group, &catalog);
        let entries = gathered.entries(&filters);

        let children: Vec<&Unit> = match &view.unit {
            Some(unit) => view.tree.children(Some(&unit.id)),
            None => view.tree.children(None),
        };
        let mut total = UnitCounts {
            code: view
                .unit
                .as_ref()
                .map(|u| u.code.clone())
                .unwrap_or_default(),
            name: view
                .unit
                .as_ref()
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            ..UnitCounts::default()
        };
        let mut rows: Vec<UnitCounts> = children
            .iter()
            .map(|c| UnitCounts {
                code: c.code.clone(),
                name: c.name.clone(),
                ..UnitCounts::default()
            })
            .collect();
        let mut people = Vec::new();
        for entry in &entries {
            total.add(entry.status);
            if let Some(i) = children
                .iter()
                .position(|c| entry.person.unit_path.starts_with(&c.path))
            {
                rows[i].add(entry.status);
            }
            if view
                .unit
                .as_ref()
                .is_some_and(|u| u.id == entry.person.unit_id)
            {
                people.push(person_line(&catalog, entry));
            }
        }
        people.sort_by(|a, b| (&a.name, &a.course).cmp(&(&b.name, &b.course)));
        rows.insert(0, total);

        // The trail from the top of the caller's scope down to the parent.
        let trail = match &view.unit {
            Some(unit) => view
                .tree
                .ancestry(unit)
                .into_iter()
                .filter(|u| u.id != unit.id && view.scope.allows(&view.tree, u))
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
            None => Vec::new(),
        };
        let courses: BTreeMap<String, String> = gathered
            .assignments
            .iter()
            .map(|a| (a.course.clone(), catalog.title_of(&a.course)))
            .collect();
        anyhow::Ok(Some(Report {
            unit: view.label(),
            trail,
            rows,
            people,
            courses: courses.into_iter().collect(),
            groups: catalog.skills.groups.clone(),
        }))
    };
    Ok(built.await.context("building a report")?)
}

fn person_line(catalog: &Catalog, entry: &Entry<'_>) -> PersonLine {
    PersonLine {
        name: entry.person.display_name.clone(),
        login: login_text(
            entry.person.username.as_deref(),
            entry.person.phone.as_deref(),
        ),
        position: entry.person.position.clone(),
        course: entry.duty.course.clone(),
        course_title: catalog.title_of(&entry.duty.course),
        due_on: entry.duty.due_on.clone(),
        status: entry.status,
        completed_on: entry.completed_at.map(date_of).unwrap_or_default(),
    }
}

/// Overdue people of a view, most overdue first, each with their user id
/// and the assignment they are late on.
pub fn overdue_lines<'g>(
    view: &View,
    gathered: &'g Gathered,
    catalog: &Catalog,
) -> Vec<(OverdueLine, String, &'g Assignment)> {
    let filters = Filters::new("", Some(Status::Overdue));
    let mut lines: Vec<(OverdueLine, String, &Assignment)> = gathered
        .entries(&filters)
        .into_iter()
        .map(|e| {
            let unit_name = view
                .tree
                .get(&e.person.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            (
                OverdueLine {
                    name: e.person.display_name.clone(),
                    login: login_text(e.person.username.as_deref(), e.person.phone.as_deref()),
                    phone: e.person.phone.clone().unwrap_or_default(),
                    phone_shown: e
                        .person
                        .phone
                        .as_deref()
                        .map(crate::accounts::ssr::phone::display)
                        .unwrap_or_default(),
                    unit_name,
                    position: e.person.position.clone(),
                    course: e.duty.course.clone(),
                    course_title: catalog.title_of(&e.duty.course),
                    due_on: e.duty.due_on.clone(),
                    days_late: days_between(&e.duty.due_on, &gathered.today),
                    reminder: None,
                },
                e.person.id.clone(),
                e.duty,
            )
        })
        .collect();
    lines.sort_by(|a, b| {
        b.0.days_late
            .cmp(&a.0.days_late)
            .then_with(|| a.0.name.cmp(&b.0.name))
    });
    lines
}

/// The site's address for links in reminders (as the outbox would write it).
fn reminder_origin() -> Option<String> {
    let headers = leptos::prelude::use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let secure = leptos::prelude::use_context::<crate::accounts::ssr::SessionConfig>()
        .is_some_and(|c| c.secure_cookies);
    leptos::prelude::use_context::<crate::server::state::PublicUrl>()
        .unwrap_or_default()
        .origin(&headers, secure)
}

pub async fn overdue(unit: &str) -> Result<Option<OverdueList>, AppError> {
    let user = user_with_role(Role::MANAGERS)?;
    let db = crate::web::request_db()?;
    let catalog = current_catalog()?;
    let built = async {
        let Some(view) = View::resolve(&db, &user, unit).await? else {
            return Ok(None);
        };
        let gathered = Gathered::load(&db, &view, Names::All)
            .await
            .context("gathering")?;
        let lines = overdue_lines(&view, &gathered, &catalog);
        // Each person's latest reminder and whether it reached them.
        let mut duties: Vec<&str> = lines.iter().map(|(_, _, duty)| duty.id.as_str()).collect();
        duties.sort_unstable();
        duties.dedup();
        let since = crate::clock::now() - 60 * 86_400;
        let mut reminders = crate::reminders::ssr::latest(&db, &duties, since).await?;
        let people = lines
            .into_iter()
            .map(|(mut line, user_id, duty)| {
                line.reminder = reminders.remove(&(user_id, duty.id.clone()));
                line
            })
            .collect();
        let people: Vec<OverdueLine> = people;
        // The message the first person with a phone would receive, as it
        // will be sent (the supervisor reads it before sending any).
        let preview = people.iter().find(|p| !p.phone.is_empty()).map(|p| {
            let origin = reminder_origin().unwrap_or_default();
            let link = format!("{origin}{}", crate::web::links::course(&p.course));
            reminders::message(&p.name, &p.course_title, &p.due_on, &link)
        });
        anyhow::Ok(Some(OverdueList {
            unit: view.label(),
            people,
            preview,
        }))
    };
    Ok(built.await.context("listing overdue people")?)
}
