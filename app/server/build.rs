//! Turns the text files (`texts/vi.toml`, `texts/en.toml`) into Rust.
//!
//! For each area (`[ui]`, `[officials]`, `[offline]`, `[publishing]`,
//! `[errors]`) it writes
//! `$OUT_DIR/texts_<area>.rs`: the struct of the area (one field per key), a
//! static per language (`VI`, `EN`) and, per language, a module of functions
//! for the strings with placeholders. The area's Rust file `include!`s it.
//! `texts/args.toml` says which keys take arguments (names, order, types) and
//! which fields are computed in Rust. The build stops, naming the file and the
//! key, when a key is in one language only, when the placeholders of a key
//! differ between the languages or are not its declared arguments, or when a
//! file does not parse.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The languages: file stem, static name.
const LANGS: [(&str, &str); 2] = [("vi", "VI"), ("en", "EN")];

/// The areas: table name, struct name.
const AREAS: [(&str, &str); 6] = [
    ("ui", "Texts"),
    ("officials", "OfficialsTexts"),
    ("offline", "OfflineTexts"),
    ("publishing", "PublishingTexts"),
    ("errors", "ErrorTexts"),
    ("classes", "ClassTexts"),
];

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("texts");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut errors = Vec::new();
    let args = load(&dir, "args", &mut errors);
    let langs: Vec<toml::Table> = LANGS
        .iter()
        .map(|(stem, _)| load(&dir, stem, &mut errors))
        .collect();
    if errors.is_empty() {
        for (area, name) in AREAS {
            let code = area_code(area, name, &args, &langs, &mut errors);
            std::fs::write(out.join(format!("texts_{area}.rs")), code).unwrap();
        }
    }
    if !errors.is_empty() {
        eprintln!("The text files are not consistent:");
        for e in &errors {
            eprintln!("  {e}");
        }
        eprintln!("{} problem(s) in app/server/texts/", errors.len());
        std::process::exit(1);
    }
}

/// Reads and parses `texts/<stem>.toml`.
fn load(dir: &Path, stem: &str, errors: &mut Vec<String>) -> toml::Table {
    let path = dir.join(format!("{stem}.toml"));
    println!("cargo::rerun-if-changed={}", path.display());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(format!("texts/{stem}.toml: cannot be read: {e}"));
            return toml::Table::new();
        }
    };
    match text.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => {
            errors.push(format!("texts/{stem}.toml does not parse: {e}"));
            toml::Table::new()
        }
    }
}

/// `table.key` as a table (empty when absent).
fn sub<'a>(table: &'a toml::Table, key: &str) -> std::borrow::Cow<'a, toml::Table> {
    match table.get(key).and_then(|v| v.as_table()) {
        Some(t) => std::borrow::Cow::Borrowed(t),
        None => std::borrow::Cow::Owned(toml::Table::new()),
    }
}

/// The `{name}` placeholders of a string, in order; a brace outside of one is
/// an error.
fn placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            return Err("has a `}` without `{`".into());
        }
        let after = &rest[i + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| "has a `{` without `}`".to_string())?;
        let name = &after[..end];
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return Err(format!("has `{{{name}}}`, which is not a placeholder name"));
        }
        names.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// `"a, b"` split at top-level commas.
fn split_types(list: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !list[start..].trim().is_empty() {
        parts.push(list[start..].trim().to_string());
    }
    parts
}

/// The Rust of one area.
fn area_code(
    area: &str,
    name: &str,
    args: &toml::Table,
    langs: &[toml::Table],
    errors: &mut Vec<String>,
) -> String {
    let declared = sub(&sub(args, "args"), area).into_owned();
    let computed = sub(&sub(args, "computed"), area).into_owned();
    let tables: Vec<toml::Table> = langs.iter().map(|l| sub(l, area).into_owned()).collect();
    if tables.iter().all(|t| t.is_empty()) {
        errors.push(format!("texts/*.toml: no [{area}] table"));
    }
    // Every key of either language (sorted: the TOML tables are maps).
    let mut keys: Vec<String> = Vec::new();
    for t in &tables {
        for k in t.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    // Declared arguments: name, type.
    let mut params: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for (key, list) in &declared {
        let mut ps = Vec::new();
        for p in list.as_array().into_iter().flatten() {
            match p.as_str().and_then(|s| s.split_once(':')) {
                Some((n, t)) => ps.push((n.trim().to_string(), t.trim().to_string())),
                None => errors.push(format!(
                    "texts/args.toml: [args.{area}] {key}: each argument is \"name: Type\""
                )),
            }
        }
        if !keys.contains(key) {
            errors.push(format!(
                "texts/args.toml: [args.{area}] {key}: no such key in the language files"
            ));
        }
        params.insert(key.clone(), ps);
    }
    for key in computed.keys() {
        if keys.contains(key) {
            errors.push(format!(
                "texts/args.toml: [computed.{area}] {key}: is also a key of the language files"
            ));
        }
    }

    // Checks: presence, strings, placeholders.
    for key in &keys {
        let mut seen: Vec<(usize, BTreeSet<String>)> = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            let file = LANGS[i].0;
            match t.get(key) {
                None => {
                    let other = LANGS[1 - i].0;
                    errors.push(format!(
                        "texts/{file}.toml: [{area}] key `{key}` is missing (it is in texts/{other}.toml)"
                    ));
                }
                Some(toml::Value::String(s)) => match placeholders(s) {
                    Err(e) => errors.push(format!("texts/{file}.toml: [{area}] {key} {e}")),
                    Ok(found) => {
                        let allowed: BTreeSet<String> = params
                            .get(key)
                            .map(|ps| ps.iter().map(|(n, _)| n.clone()).collect())
                            .unwrap_or_default();
                        for p in &found {
                            if !allowed.contains(p) {
                                let known = if allowed.is_empty() {
                                    "it takes none".to_string()
                                } else {
                                    format!(
                                        "it takes {}",
                                        allowed
                                            .iter()
                                            .map(|a| format!("{{{a}}}"))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                };
                                errors.push(format!(
                                    "texts/{file}.toml: [{area}] {key}: unknown placeholder {{{p}}} ({known}; see texts/args.toml)"
                                ));
                            }
                        }
                        for a in &allowed {
                            if !found.contains(a) {
                                errors.push(format!(
                                    "texts/{file}.toml: [{area}] {key}: placeholder {{{a}}} is not used"
                                ));
                            }
                        }
                        seen.push((i, found.into_iter().collect()));
                    }
                },
                Some(_) => errors.push(format!(
                    "texts/{file}.toml: [{area}] {key}: must be a string in \"quotes\""
                )),
            }
        }
        if let [(a, pa), (b, pb)] = &seen[..] {
            if pa != pb {
                errors.push(format!(
                    "[{area}] {key}: the placeholders differ between texts/{}.toml {:?} and texts/{}.toml {:?}",
                    LANGS[*a].0, pa, LANGS[*b].0, pb
                ));
            }
        }
    }
    if !errors.is_empty() {
        return String::new();
    }

    // The struct.
    let mut code = String::new();
    writeln!(
        code,
        "// Generated by build.rs from texts/*.toml: do not edit."
    )
    .unwrap();
    writeln!(
        code,
        "/// Every string of this area, one field per key of `[{area}]` in `texts/*.toml`."
    )
    .unwrap();
    writeln!(code, "pub struct {name} {{").unwrap();
    for key in &keys {
        let vi = tables[0][key].as_str().unwrap();
        writeln!(code, "    #[doc = {:?}]", format!("vi: {vi}")).unwrap();
        match params.get(key) {
            None => writeln!(code, "    pub {key}: &'static str,").unwrap(),
            Some(ps) => {
                let types: Vec<&str> = ps.iter().map(|(_, t)| t.as_str()).collect();
                writeln!(code, "    pub {key}: fn({}) -> String,", types.join(", ")).unwrap();
            }
        }
    }
    for (key, ty) in &computed {
        writeln!(
            code,
            "    /// Computed in Rust (see `{key}` beside the include)."
        )
        .unwrap();
        writeln!(code, "    pub {key}: {},", ty.as_str().unwrap_or("()")).unwrap();
    }
    writeln!(code, "}}").unwrap();
    // Every area's table for a language, so no accessor repeats the match.
    let arms: Vec<String> = LANGS
        .iter()
        .map(|(stem, stat)| {
            let variant = format!("{}{}", stem[..1].to_uppercase(), &stem[1..]);
            format!("::hocvu_domain::Lang::{variant} => &{stat}")
        })
        .collect();
    writeln!(
        code,
        "impl {name} {{\n    /// The strings in `lang`.\n    pub fn of(lang: ::hocvu_domain::Lang) -> &'static {name} {{\n        match lang {{ {} }}\n    }}\n}}",
        arms.join(", ")
    )
    .unwrap();

    // One static and one module of functions per language.
    for (i, (stem, stat)) in LANGS.iter().enumerate() {
        writeln!(code, "static {stat}: {name} = {name} {{").unwrap();
        for key in &keys {
            match params.get(key) {
                None => {
                    writeln!(code, "    {key}: {:?},", tables[i][key].as_str().unwrap()).unwrap()
                }
                Some(_) => writeln!(code, "    {key}: {stem}::{key},").unwrap(),
            }
        }
        for key in computed.keys() {
            writeln!(code, "    {key}: {stem}::{key},").unwrap();
        }
        writeln!(code, "}};").unwrap();
        writeln!(code, "mod {stem} {{").unwrap();
        writeln!(code, "    #[allow(unused_imports)]\n    use super::*;").unwrap();
        for key in &keys {
            if let Some(ps) = params.get(key) {
                let list: Vec<String> = ps.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                let text = tables[i][key].as_str().unwrap();
                writeln!(
                    code,
                    "    pub fn {key}({}) -> String {{\n        ::std::format!({text:?})\n    }}",
                    list.join(", ")
                )
                .unwrap();
            }
        }
        for (key, ty) in &computed {
            let ty = ty.as_str().unwrap_or("");
            let (inputs, output) = ty
                .strip_prefix("fn(")
                .and_then(|r| r.split_once(") -> "))
                .unwrap_or_else(|| panic!("texts/args.toml: [computed.{area}] {key}: write the type as \"fn(A, B) -> R\""));
            let types = split_types(inputs);
            let list: Vec<String> = types
                .iter()
                .enumerate()
                .map(|(j, t)| format!("a{j}: {t}"))
                .collect();
            let call: Vec<String> = (0..types.len()).map(|j| format!("a{j}")).collect();
            writeln!(
                code,
                "    pub fn {key}({}) -> {output} {{\n        super::{key}(&super::{stat}, {})\n    }}",
                list.join(", "),
                call.join(", ")
            )
            .unwrap();
        }
        writeln!(code, "}}").unwrap();
    }
    code
}
