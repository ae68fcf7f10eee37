//! Required courses: an admin or supervisor assigns a course to a unit's
//! subtree (optionally only some positions) with a due date. Who must do
//! it is worked out when asked, from where people are now, so someone
//! added to or moved into the unit later inherits the assignment.

pub mod pages;
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

hocvu_domain::coded_enum! {
    /// Where a person stands in a course they must do.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Status {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Completed = "completed",
        /// Not completed, and the due date has passed.
        Overdue = "overdue",
    }
}

hocvu_domain::coded_enum! {
    /// What can be wrong with the assignment form (`?error=`).
    pub enum AssignProblem {
        Course = "course",
        Date = "date",
        Unit = "unit",
    }
}

hocvu_domain::coded_enum! {
    /// What the assignment forms did (`?done=`).
    pub enum AssignDone {
        Created = "created",
        Deleted = "deleted",
    }
}

/// Context of the assignments page rendered as the answer to a POST whose
/// due date (`YYYY-MM-DD`) has already passed: nothing was saved, the page
/// asks to confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastDueDate(pub String);

/// The form field that confirms a past due date.
pub const CONFIRM_PAST_DUE: &str = "confirm_past_due";

/// An assignment as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentLine {
    pub id: String,
    pub course: String,
    pub course_title: String,
    pub unit_code: String,
    pub unit_name: String,
    /// Empty: everyone in the subtree.
    pub positions: Vec<String>,
    pub due_on: String,
    pub assigned: usize,
    pub completed: usize,
}

/// What the assignments page needs: the list, and the choices of its form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentsData {
    pub assignments: Vec<AssignmentLine>,
    /// (slug, title) of every course.
    pub courses: Vec<(String, String)>,
    /// (code, name, depth) of every unit the caller may assign to.
    pub units: Vec<(String, String, usize)>,
}

/// A course the signed-in person must do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredCourse {
    pub slug: String,
    pub title: String,
    pub due_on: String,
    pub status: Status,
}

/// Assignments in the caller's scope (admins: all; supervisors: those on
/// units in their subtree).
#[server]
pub async fn assignments_in_scope() -> Result<AssignmentsData, ServerFnError> {
    Ok(ssr::assignments_page_data().await?)
}

/// The signed-in person's required courses, most urgent first.
#[server]
pub async fn my_required_courses() -> Result<Vec<RequiredCourse>, ServerFnError> {
    Ok(ssr::my_required().await?)
}
