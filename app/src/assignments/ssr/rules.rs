//! Who must do what by when, and where they stand: the rules every report,
//! export and `/me` share.

use std::collections::HashMap;

use anyhow::Context;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::{assignments::Status, orgs::ssr::tree::Tree, server::db::Db};

/// Deadlines are dates in Vietnam (UTC+7, no daylight saving): a course due
/// on the 10th is overdue from the 11th, local time.
const LOCAL_OFFSET_HOURS: i8 = 7;

fn local(unix: i64) -> Date {
    let offset = UtcOffset::from_hms(LOCAL_OFFSET_HOURS, 0, 0).expect("valid offset");
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The local date of a unix time, `YYYY-MM-DD`.
pub fn date_of(unix: i64) -> String {
    format_date(local(unix))
}

/// Today's local date, `YYYY-MM-DD`.
pub fn today() -> String {
    date_of(crate::accounts::ssr::session::now())
}

/// A `YYYY-MM-DD` date that exists in the calendar (years 2000-2100).
pub fn parse_date(input: &str) -> Option<String> {
    let mut parts = input.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(2000..=2100).contains(&year) {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    Some(format_date(date))
}

/// Days from `from` to `to` (both `YYYY-MM-DD`), or 0 if either is bad.
pub fn days_between(from: &str, to: &str) -> i64 {
    let parse = |s: &str| {
        let s = parse_date(s)?;
        let mut p = s.splitn(3, '-');
        let y: i32 = p.next()?.parse().ok()?;
        let m: u8 = p.next()?.parse().ok()?;
        let d: u8 = p.next()?.parse().ok()?;
        Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
    };
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => (b - a).whole_days(),
        _ => 0,
    }
}

/// Positions as stored and compared: trimmed, lower case.
pub fn normalize_position(position: &str) -> String {
    position
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// An assignment with what matching needs.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub id: String,
    pub course: String,
    pub unit_id: String,
    pub unit_path: String,
    /// Normalized; empty means everyone.
    pub positions: Vec<String>,
    pub due_on: String,
}

impl Assignment {
    pub fn covers(&self, person: &Person) -> bool {
        person.unit_path.starts_with(&self.unit_path)
            && (self.positions.is_empty()
                || self
                    .positions
                    .contains(&normalize_position(&person.position)))
    }
}

pub async fn load_assignments(db: &Db, tree: &Tree) -> anyhow::Result<Vec<Assignment>> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, course, unit_id, positions, due_on FROM assignments ORDER BY due_on, id",
    )
    .fetch_all(db.pool())
    .await
    .context("reading assignments")?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, course, unit_id, positions, due_on)| {
            let unit_path = tree.get(&unit_id)?.path.clone();
            Some(Assignment {
                id,
                course,
                unit_id,
                unit_path,
                positions: positions
                    .split('\n')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                due_on,
            })
        })
        .collect())
}

/// A person placed in a unit.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub position: String,
    pub unit_id: String,
    pub unit_path: String,
}

/// How far a learner got in a course (from `course_status`).
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub completed_at: Option<i64>,
}

/// People of a subtree and their progress in every course, in two queries.
pub struct Population {
    pub people: Vec<Person>,
    pub progress: HashMap<(String, String), Progress>,
}

impl Population {
    /// Everyone placed at or below the unit with this path.
    pub async fn under(db: &Db, path: &str) -> anyhow::Result<Population> {
        Self::load(db, "o.path LIKE $1", format!("{path}%")).await
    }

    /// One person (for `/me`).
    pub async fn of_user(db: &Db, user_id: &str) -> anyhow::Result<Population> {
        Self::load(db, "u.id = $1", user_id.to_string()).await
    }

    async fn load(db: &Db, filter: &str, value: String) -> anyhow::Result<Population> {
        let people: Vec<Person> = sqlx::query_as(&format!(
            "SELECT u.id, u.display_name, u.username, u.phone, u.position, u.unit_id, \
                    o.path AS unit_path \
             FROM users u JOIN org_units o ON o.id = u.unit_id WHERE {filter}"
        ))
        .bind(&value)
        .fetch_all(db.pool())
        .await
        .context("reading people")?;
        let rows: Vec<(String, String, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT u.id, s.course, s.completed_at \
             FROM users u JOIN org_units o ON o.id = u.unit_id \
             JOIN learners l ON l.user_id = u.id \
             JOIN course_status s ON s.learner_id = l.id WHERE {filter}"
        ))
        .bind(&value)
        .fetch_all(db.pool())
        .await
        .context("reading course status")?;
        let progress = rows
            .into_iter()
            .map(|(user, course, completed_at)| ((user, course), Progress { completed_at }))
            .collect();
        Ok(Population { people, progress })
    }

    /// Every course `person` must do: one per course (the earliest due
    /// date wins when two assignments ask for the same course).
    pub fn duties<'a>(
        &self,
        person: &Person,
        assignments: &'a [Assignment],
    ) -> Vec<&'a Assignment> {
        let mut by_course: Vec<&Assignment> = Vec::new();
        for a in assignments.iter().filter(|a| a.covers(person)) {
            match by_course.iter_mut().find(|d| d.course == a.course) {
                Some(d) if a.due_on < d.due_on => *d = a,
                Some(_) => {}
                None => by_course.push(a),
            }
        }
        by_course
    }

    /// Status of `person` in the course of `duty`, and when they completed it.
    pub fn status(&self, person: &Person, duty: &Assignment, today: &str) -> (Status, Option<i64>) {
        let progress = self.progress.get(&(person.id.clone(), duty.course.clone()));
        match progress {
            Some(Progress {
                completed_at: Some(at),
            }) => (Status::Completed, Some(*at)),
            _ if today > duty.due_on.as_str() => (Status::Overdue, None),
            Some(_) => (Status::InProgress, None),
            None => (Status::NotStarted, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(position: &str, path: &str) -> Person {
        Person {
            id: "p".into(),
            display_name: "P".into(),
            username: None,
            phone: None,
            position: position.into(),
            unit_id: "u".into(),
            unit_path: path.into(),
        }
    }

    fn assignment(id: &str, course: &str, path: &str, positions: &[&str], due: &str) -> Assignment {
        Assignment {
            id: id.into(),
            course: course.into(),
            unit_id: "u".into(),
            unit_path: path.into(),
            positions: positions.iter().map(|p| p.to_string()).collect(),
            due_on: due.into(),
        }
    }

    #[test]
    fn dates_are_checked_and_local() {
        assert_eq!(parse_date("2026-02-28").as_deref(), Some("2026-02-28"));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("26-2-1"), None);
        assert_eq!(parse_date("2026-2-1").as_deref(), Some("2026-02-01"));
        // 2026-01-01 17:00 UTC is already the 2nd in Vietnam.
        assert_eq!(date_of(1_767_286_800), "2026-01-02");
        assert_eq!(days_between("2026-01-30", "2026-02-02"), 3);
    }

    #[test]
    fn duties_follow_subtree_position_and_earliest_deadline() {
        let all = [
            assignment("a", "c1", "/p/", &[], "2026-05-01"),
            assignment("b", "c1", "/p/x/", &[], "2026-04-01"),
            assignment("c", "c2", "/p/x/", &["chủ tịch"], "2026-04-01"),
            assignment("d", "c3", "/p/y/", &[], "2026-04-01"),
        ];
        let pop = Population {
            people: Vec::new(),
            progress: HashMap::new(),
        };
        let clerk = person("Văn thư", "/p/x/x1/");
        let ids: Vec<_> = pop
            .duties(&clerk, &all)
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(ids, ["b"]);
        let chair = person(" Chủ  Tịch ", "/p/x/");
        let ids: Vec<_> = pop
            .duties(&chair, &all)
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn status_rules() {
        let duty = assignment("a", "c1", "/p/", &[], "2026-05-10");
        let p = person("", "/p/");
        let mut pop = Population {
            people: Vec::new(),
            progress: HashMap::new(),
        };
        assert_eq!(pop.status(&p, &duty, "2026-05-10").0, Status::NotStarted);
        assert_eq!(pop.status(&p, &duty, "2026-05-11").0, Status::Overdue);
        pop.progress
            .insert(("p".into(), "c1".into()), Progress { completed_at: None });
        assert_eq!(pop.status(&p, &duty, "2026-05-01").0, Status::InProgress);
        assert_eq!(pop.status(&p, &duty, "2026-06-01").0, Status::Overdue);
        pop.progress.insert(
            ("p".into(), "c1".into()),
            Progress {
                completed_at: Some(5),
            },
        );
        assert_eq!(pop.status(&p, &duty, "2027-01-01").0, Status::Completed);
    }
}
