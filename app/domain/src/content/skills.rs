//! The basic digital-skills framework (`content/skills.toml`): groups and
//! skills with their codes. Every chapter names the skills it teaches; an
//! unknown code is an error (a typo would silently drop a chapter from
//! every skills report), a chapter with none is a warning.

use std::{collections::HashSet, path::Path};

use serde::Deserialize;

use super::{
    diagnostics::{Diagnostics, LineIndex},
    front_matter,
};
use crate::content::{Audience, SkillGroup};

/// The framework file's name inside the content folder.
pub const FILE: &str = "skills.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    #[serde(default)]
    group: Vec<GroupEntry>,
    #[serde(default)]
    skill: Vec<SkillEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillEntry {
    code: String,
    name: String,
    group: String,
    audience: Audience,
}

/// One skill of the framework.
#[derive(Clone, Debug)]
pub struct Skill {
    pub code: String,
    pub name: String,
    pub group: String,
    pub audience: Audience,
}

/// The framework as loaded; empty when the content has no `skills.toml`
/// (then chapter codes are not checked).
#[derive(Clone, Debug, Default)]
pub struct Framework {
    pub groups: Vec<SkillGroup>,
    pub skills: Vec<Skill>,
}

impl Framework {
    /// Reads `skills.toml` (its text, if there is one, and the path findings
    /// name), reporting every problem.
    pub fn load(path: &Path, text: Option<String>, diags: &mut Diagnostics) -> Framework {
        let Some(text) = text else {
            return Framework::default();
        };
        let Some(file) = front_matter::parse_toml::<FrameworkFile>(path, &text, 1, diags) else {
            return Framework::default();
        };
        let index = LineIndex::new(&text, 1);
        let at = |needle: &str| index.at(path, &text, text.find(needle).unwrap_or(0));
        let mut groups = Vec::new();
        let mut seen = HashSet::new();
        for g in file.group {
            if !seen.insert(g.code.clone()) {
                diags.error(
                    at(&format!("code = \"{}\"", g.code)),
                    format!("group `{}` is defined twice", g.code),
                    format!("nhóm `{}` được khai báo hai lần", g.code),
                );
                continue;
            }
            groups.push(SkillGroup {
                code: g.code,
                name: g.name,
            });
        }
        let mut skills = Vec::new();
        let mut codes = HashSet::new();
        for s in file.skill {
            let place = at(&format!("code = \"{}\"", s.code));
            if !codes.insert(s.code.clone()) {
                diags.error(
                    place,
                    format!("skill `{}` is defined twice", s.code),
                    format!("kỹ năng `{}` được khai báo hai lần", s.code),
                );
                continue;
            }
            if !groups.iter().any(|g| g.code == s.group) {
                diags.error(
                    place,
                    format!("skill `{}` names unknown group `{}`", s.code, s.group),
                    format!(
                        "kỹ năng `{}` thuộc nhóm `{}`, nhưng không có nhóm nào mang mã này",
                        s.code, s.group
                    ),
                );
                continue;
            }
            skills.push(Skill {
                code: s.code,
                name: s.name,
                group: s.group,
                audience: s.audience,
            });
        }
        Framework { groups, skills }
    }

    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    pub fn skill(&self, code: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.code == code)
    }

    /// The group of a skill code.
    pub fn group_of(&self, code: &str) -> Option<&str> {
        self.skill(code).map(|s| s.group.as_str())
    }
}
