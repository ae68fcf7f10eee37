//! Supervisor reports: completion of required courses for a unit and the
//! units below it, drill-down to people, the overdue list with a reminder
//! outbox, and a CSV export that Excel opens with Vietnamese intact.
//!
//! Everything is scoped: a supervisor sees their own unit's subtree and
//! nothing else, whatever the URL says (see `orgs::ssr::tree::Scope`).

pub mod chart;
pub mod pages;
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::assignments::Status;

/// Counts for one unit (its whole subtree): person-course pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCounts {
    pub code: String,
    pub name: String,
    pub assigned: usize,
    pub completed: usize,
    pub in_progress: usize,
    pub not_started: usize,
    pub overdue: usize,
}

impl UnitCounts {
    /// Completed share, rounded down (0 when nothing is assigned).
    pub fn percent(&self) -> usize {
        (self.completed * 100)
            .checked_div(self.assigned)
            .unwrap_or(0)
    }

    pub fn add(&mut self, status: Status) {
        self.assigned += 1;
        match status {
            Status::Completed => self.completed += 1,
            Status::InProgress => self.in_progress += 1,
            Status::NotStarted => self.not_started += 1,
            Status::Overdue => self.overdue += 1,
        }
    }
}

/// One person and one of their required courses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonLine {
    pub name: String,
    pub login: String,
    pub position: String,
    pub course: String,
    pub course_title: String,
    pub due_on: String,
    pub status: Status,
    pub completed_on: String,
}

/// A report page: the unit, its sub-units, its own people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// `None`: the whole province (admins only).
    pub unit: Option<(String, String)>,
    /// Units from the top of the caller's scope down to this one's parent.
    pub trail: Vec<(String, String)>,
    /// The unit itself first (its whole subtree), then each child unit.
    pub rows: Vec<UnitCounts>,
    pub people: Vec<PersonLine>,
    /// Courses that are assigned somewhere in view: (slug, title).
    pub courses: Vec<(String, String)>,
    /// Groups of the skills framework, for the filter.
    pub groups: Vec<crate::content::SkillGroup>,
}

/// An overdue person, ready to contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub name: String,
    /// The course's slug (for the reminder's link).
    pub course: String,
    pub login: String,
    /// `+84…` for the `tel:` link, and as people write it.
    pub phone: String,
    pub phone_shown: String,
    pub unit_name: String,
    pub position: String,
    pub course_title: String,
    pub due_on: String,
    pub days_late: i64,
    /// The latest reminder about this course and its delivery, if any.
    pub reminder: Option<crate::reminders::ReminderState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueList {
    pub unit: Option<(String, String)>,
    pub people: Vec<OverdueLine>,
    /// The reminder the first person with a phone would get.
    pub preview: Option<String>,
}

/// What a report page asks for. Unknown or out-of-scope unit: `Ok(None)`,
/// and the response is a 404 either way.
#[server(endpoint = "report")]
pub async fn load_report(
    unit: String,
    course: String,
    status: Option<crate::assignments::Status>,
    group: String,
) -> Result<Option<Report>, ServerFnError> {
    Ok(ssr::report(&unit, &course, status, &group).await?)
}

#[server(endpoint = "overdue")]
pub async fn load_overdue(unit: String) -> Result<Option<OverdueList>, ServerFnError> {
    Ok(ssr::overdue(&unit).await?)
}
