//! Who must do what by when, and where they stand: the rules every report,
//! export and `/me` share.

use std::collections::HashMap;

use anyhow::Context;

use crate::{
    assignments::Status,
    orgs::ssr::tree::Tree,
    progress::ssr::CourseState,
    server::db::{placeholders, Db, BIND_BATCH},
};

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
    .fetch_all(db.reads())
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

/// The courses of `assignments`, each once: the columns of a population.
fn courses_of(assignments: &[Assignment]) -> Vec<String> {
    let mut courses: Vec<String> = assignments.iter().map(|a| a.course.clone()).collect();
    courses.sort();
    courses.dedup();
    courses
}

/// A person placed in a unit. Names and logins are filled in only where a
/// page shows people (`Population::with_details`): counting needs none.
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub position: String,
    pub unit_id: String,
    pub unit_path: String,
    /// Where they stand in each course of `Population::courses`.
    pub states: Vec<CourseState>,
}

/// People of a subtree and where each stands in every assigned course.
pub struct Population {
    pub people: Vec<Person>,
    pub courses: Vec<String>,
}

impl Population {
    /// Everyone placed in `units`, with their state in every assigned course.
    ///
    /// One grouped query with a column per course: one small row per
    /// person whatever the number of courses (on SQLite, rows are what
    /// cost most).
    pub async fn in_units(
        db: &Db,
        tree: &Tree,
        units: &[&str],
        assignments: &[Assignment],
    ) -> anyhow::Result<Population> {
        let courses = courses_of(assignments);
        let mut people = Vec::new();
        for chunk in units.chunks(BIND_BATCH) {
            let filter = format!(
                "u.unit_id IN ({})",
                placeholders(courses.len() + 1, chunk.len())
            );
            let values = chunk.iter().map(|u| u.to_string());
            people.extend(Self::query(db, tree, &courses, &filter, values).await?);
        }
        Ok(Population { people, courses })
    }

    /// One person (for `/me`); nobody if they are in no unit.
    pub async fn of_user(
        db: &Db,
        tree: &Tree,
        user_id: &str,
        assignments: &[Assignment],
    ) -> anyhow::Result<Population> {
        let courses = courses_of(assignments);
        let filter = format!("u.id = ${} AND u.unit_id IS NOT NULL", courses.len() + 1);
        let people = Self::query(db, tree, &courses, &filter, [user_id.to_string()]).await?;
        Ok(Population { people, courses })
    }

    async fn query(
        db: &Db,
        tree: &Tree,
        courses: &[String],
        filter: &str,
        values: impl IntoIterator<Item = String>,
    ) -> anyhow::Result<Vec<Person>> {
        use sqlx::Row;
        // Per course: -1 not started, 0 started, else the completion time.
        let columns: String = (1..=courses.len())
            .map(|i| {
                format!(
                    ", COALESCE(MAX(CASE WHEN s.course = ${i} \
                     THEN COALESCE(s.completed_at, 0) END), -1)"
                )
            })
            .collect();
        let sql = format!(
            "SELECT u.id, u.position, u.unit_id{columns} FROM users u \
             LEFT JOIN learners l ON l.user_id = u.id \
             LEFT JOIN course_status s ON s.learner_id = l.id \
             WHERE {filter} GROUP BY u.id, u.position, u.unit_id"
        );
        let mut query = sqlx::query(&sql);
        for course in courses {
            query = query.bind(course.clone());
        }
        for value in values {
            query = query.bind(value);
        }
        let rows = query
            .fetch_all(db.reads())
            .await
            .context("reading people")?;
        let mut people = Vec::with_capacity(rows.len());
        for row in rows {
            let unit_id: String = row.try_get(2)?;
            let Some(unit) = tree.get(&unit_id) else {
                continue;
            };
            let mut states = Vec::with_capacity(courses.len());
            for i in 0..courses.len() {
                // One column per course, so read by position (the only
                // rows not mapped through FromRow). The query writes -1 for
                // no row, 0 for started.
                states.push(match row.try_get::<i64, _>(3 + i)? {
                    -1 => CourseState::NotStarted,
                    0 => CourseState::Started,
                    at => CourseState::Completed(at),
                });
            }
            people.push(Person {
                id: row.try_get(0)?,
                position: row.try_get(1)?,
                unit_path: unit.path.clone(),
                unit_id,
                states,
                ..Person::default()
            });
        }
        Ok(people)
    }

    /// Fills in names and logins of the people placed in `units`.
    pub async fn with_details(mut self, db: &Db, units: &[&str]) -> anyhow::Result<Population> {
        type Details = (String, String, Option<String>, Option<String>);
        let mut details: HashMap<String, (String, Option<String>, Option<String>)> = HashMap::new();
        for chunk in units.chunks(BIND_BATCH) {
            let sql = format!(
                "SELECT id, display_name, username, phone FROM users WHERE unit_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, Details>(&sql);
            for unit in chunk {
                query = query.bind(unit.to_string());
            }
            let rows = query.fetch_all(db.reads()).await.context("reading names")?;
            for (id, name, username, phone) in rows {
                details.insert(id, (name, username, phone));
            }
        }
        for person in &mut self.people {
            if let Some((name, username, phone)) = details.remove(&person.id) {
                person.display_name = name;
                person.username = username;
                person.phone = phone;
            }
        }
        Ok(self)
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
        let state = self
            .courses
            .iter()
            .position(|c| *c == duty.course)
            .and_then(|i| person.states.get(i).copied())
            .unwrap_or_default();
        match state {
            CourseState::Completed(at) => (Status::Completed, Some(at)),
            _ if today > duty.due_on.as_str() => (Status::Overdue, None),
            CourseState::Started => (Status::InProgress, None),
            CourseState::NotStarted => (Status::NotStarted, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(position: &str, path: &str) -> Person {
        Person {
            id: "p".into(),
            position: position.into(),
            unit_id: "u".into(),
            unit_path: path.into(),
            ..Person::default()
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
    fn duties_follow_subtree_position_and_earliest_deadline() {
        let all = [
            assignment("a", "c1", "/p/", &[], "2026-05-01"),
            assignment("b", "c1", "/p/x/", &[], "2026-04-01"),
            assignment("c", "c2", "/p/x/", &["chủ tịch"], "2026-04-01"),
            assignment("d", "c3", "/p/y/", &[], "2026-04-01"),
        ];
        let pop = Population {
            people: Vec::new(),
            courses: Vec::new(),
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
        let pop = Population {
            people: Vec::new(),
            courses: vec!["c0".into(), "c1".into()],
        };
        let mut p = person("", "/p/");
        p.states = vec![CourseState::Completed(9), CourseState::NotStarted];
        assert_eq!(pop.status(&p, &duty, "2026-05-10").0, Status::NotStarted);
        assert_eq!(pop.status(&p, &duty, "2026-05-11").0, Status::Overdue);
        p.states[1] = CourseState::Started;
        assert_eq!(pop.status(&p, &duty, "2026-05-01").0, Status::InProgress);
        assert_eq!(pop.status(&p, &duty, "2026-06-01").0, Status::Overdue);
        p.states[1] = CourseState::Completed(5);
        assert_eq!(
            pop.status(&p, &duty, "2027-01-01"),
            (Status::Completed, Some(5))
        );
    }
}
