//! The tree of org units in memory, and who may see which part of it.
//!
//! A province has a few hundred units at most, so every request that needs
//! the tree reads all of it (one small query) and works in memory.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{Any, Executor};

use crate::{
    accounts::{CurrentUser, Role},
    server::db::Db,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Unit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// Ids from the root down, `/a/b/c/`: a subtree is a prefix.
    pub path: String,
}

#[derive(Clone, Debug, Default)]
pub struct Tree {
    units: Vec<Unit>,
    by_id: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
}

impl Tree {
    pub async fn load<'e, E: Executor<'e, Database = Any>>(db: E) -> anyhow::Result<Tree> {
        let units: Vec<Unit> =
            sqlx::query_as("SELECT id, code, name, parent_id, path FROM org_units ORDER BY code")
                .fetch_all(db)
                .await
                .context("reading org units")?;
        Ok(Tree::from_units(units))
    }

    pub fn from_units(units: Vec<Unit>) -> Tree {
        let by_id = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        let by_code = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        Tree {
            units,
            by_id,
            by_code,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Unit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }

    pub fn by_code(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code).map(|&i| &self.units[i])
    }

    /// Direct children of `parent` (`None`: the top-level units), by code.
    pub fn children(&self, parent: Option<&str>) -> Vec<&Unit> {
        self.units
            .iter()
            .filter(|u| u.parent_id.as_deref() == parent)
            .collect()
    }

    /// True when `unit` is `root` or below it.
    pub fn is_within(&self, unit: &Unit, root: &Unit) -> bool {
        unit.path.starts_with(&root.path)
    }

    /// The units from the top down to `unit`, both ends included.
    pub fn ancestry(&self, unit: &Unit) -> Vec<&Unit> {
        unit.path
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|id| self.get(id))
            .collect()
    }

    /// The whole tree in display order (each unit followed by its subtree),
    /// with depths, starting from `roots`.
    pub fn walk<'a>(&'a self, roots: Vec<&'a Unit>) -> Vec<(usize, &'a Unit)> {
        let mut out = Vec::with_capacity(self.units.len());
        let mut stack: Vec<(usize, &Unit)> = roots.into_iter().rev().map(|u| (0, u)).collect();
        while let Some((depth, unit)) = stack.pop() {
            out.push((depth, unit));
            for child in self.children(Some(&unit.id)).into_iter().rev() {
                stack.push((depth + 1, child));
            }
        }
        out
    }
}

/// The part of the tree a user may see and act on.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Admins: every unit.
    All,
    /// Supervisors: their own unit and everything below it.
    Subtree(Unit),
    /// Everyone else, and supervisors not (yet) placed in a unit.
    Nothing,
}

impl Scope {
    /// Deny by default: only admins and placed supervisors see anything.
    pub async fn of(db: &Db, user: &CurrentUser, tree: &Tree) -> anyhow::Result<Scope> {
        match user.role {
            Role::Admin => Ok(Scope::All),
            Role::Supervisor => Scope::own_unit(db, user, tree).await,
            _ => Ok(Scope::Nothing),
        }
    }

    /// Where a user may hold classes or see past ones: admins and trainers
    /// (who travel the province) anywhere; class leaders and supervisors
    /// their own unit's subtree; nobody else anywhere.
    pub async fn of_classes(db: &Db, user: &CurrentUser, tree: &Tree) -> anyhow::Result<Scope> {
        match user.role {
            Role::Admin | Role::Trainer => Ok(Scope::All),
            Role::ClassLeader | Role::Supervisor => Scope::own_unit(db, user, tree).await,
            Role::Learner => Ok(Scope::Nothing),
        }
    }

    async fn own_unit(db: &Db, user: &CurrentUser, tree: &Tree) -> anyhow::Result<Scope> {
        let unit: Option<String> = sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1")
            .bind(&user.id)
            .fetch_optional(db.reads())
            .await
            .context("reading the user's unit")?
            .flatten();
        Ok(unit
            .and_then(|id| tree.get(&id).cloned())
            .map_or(Scope::Nothing, Scope::Subtree))
    }

    pub fn allows(&self, tree: &Tree, unit: &Unit) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtree(root) => tree.is_within(unit, root),
            Scope::Nothing => false,
        }
    }

    /// The unit with `code` if it exists *and* is in scope: callers answer
    /// both cases the same way, so a supervisor learns nothing about units
    /// outside their subtree.
    pub fn find<'t>(&self, tree: &'t Tree, code: &str) -> Option<&'t Unit> {
        tree.by_code(code.trim()).filter(|u| self.allows(tree, u))
    }

    /// Top of what this scope sees.
    pub fn roots<'t>(&self, tree: &'t Tree) -> Vec<&'t Unit> {
        match self {
            Scope::All => tree.children(None),
            Scope::Subtree(root) => tree.get(&root.id).into_iter().collect(),
            Scope::Nothing => Vec::new(),
        }
    }

    /// Every unit in scope, in display order with depths.
    pub fn units<'t>(&self, tree: &'t Tree) -> Vec<(usize, &'t Unit)> {
        tree.walk(self.roots(tree))
    }
}

/// Paths for every unit from the parent links; `Err(code)` names a unit
/// on a cycle (or under one).
pub fn compute_paths(units: &mut [Unit]) -> Result<(), String> {
    let index: HashMap<String, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.clone(), i))
        .collect();
    let mut paths: Vec<Option<String>> = vec![None; units.len()];
    for start in 0..units.len() {
        // Climb to a unit whose path is known (or the top), then come down.
        let mut chain = vec![start];
        let mut at = start;
        while paths[at].is_none() {
            match units[at].parent_id.as_ref().and_then(|p| index.get(p)) {
                Some(&parent) => {
                    if chain.contains(&parent) {
                        return Err(units[start].code.clone());
                    }
                    chain.push(parent);
                    at = parent;
                }
                None => break,
            }
        }
        let mut prefix = match &paths[at] {
            Some(path) => path.clone(),
            None => {
                let path = format!("/{}/", units[at].id);
                paths[at] = Some(path.clone());
                path
            }
        };
        for &i in chain.iter().rev().skip(1) {
            prefix = format!("{prefix}{}/", units[i].id);
            paths[i] = Some(prefix.clone());
        }
    }
    for (unit, path) in units.iter_mut().zip(paths) {
        unit.path = path.unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.into(),
            code: id.to_uppercase(),
            name: id.into(),
            parent_id: parent.map(Into::into),
            path: String::new(),
        }
    }

    #[test]
    fn paths_follow_parents_in_any_order() {
        let mut units = vec![
            unit("c", Some("b")),
            unit("a", None),
            unit("b", Some("a")),
            unit("d", Some("a")),
        ];
        compute_paths(&mut units).unwrap();
        let tree = Tree::from_units(units);
        assert_eq!(tree.get("c").unwrap().path, "/a/b/c/");
        assert_eq!(tree.get("d").unwrap().path, "/a/d/");
        let a = tree.get("a").unwrap();
        assert!(tree.is_within(tree.get("c").unwrap(), a));
        assert!(!tree.is_within(a, tree.get("b").unwrap()));
        let order: Vec<_> = tree
            .walk(tree.children(None))
            .into_iter()
            .map(|(d, u)| format!("{d}{}", u.id))
            .collect();
        assert_eq!(order, ["0a", "1b", "2c", "1d"]);
    }

    #[test]
    fn cycles_are_refused() {
        let mut units = vec![unit("a", Some("b")), unit("b", Some("a")), unit("c", None)];
        assert!(compute_paths(&mut units).is_err());
    }

    #[test]
    fn a_supervisor_sees_only_their_subtree() {
        let mut units = vec![
            unit("p", None),
            unit("x", Some("p")),
            unit("x1", Some("x")),
            unit("y", Some("p")),
        ];
        compute_paths(&mut units).unwrap();
        let tree = Tree::from_units(units);
        let scope = Scope::Subtree(tree.get("x").unwrap().clone());
        assert!(scope.find(&tree, "X1").is_some());
        assert!(scope.find(&tree, "X").is_some());
        assert!(scope.find(&tree, "Y").is_none());
        assert!(scope.find(&tree, "P").is_none());
        assert!(Scope::Nothing.find(&tree, "X").is_none());
        assert!(Scope::All.find(&tree, "Y").is_some());
    }
}
