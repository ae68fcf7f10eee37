//! Edits to a course's `course.toml` that the browser makes for a trainer,
//! so adding a chapter is one step: the new file and the course's list of
//! chapters change together, in one draft.

/// `text` (a `course.toml`) with `file` added at the end of its `chapters`
/// list, keeping everything else as the trainer wrote it. `None` when there
/// is nothing to do or nothing safe to do: the file is listed already, the
/// course has no `chapters` list (then every chapter file is published in
/// name order), or the TOML does not parse (the check will say why).
pub fn with_chapter_listed(text: &str, file: &str) -> Option<String> {
    let value: toml::Table = toml::from_str(text).ok()?;
    let listed = value.get("chapters")?.as_array()?;
    if listed.iter().any(|v| v.as_str() == Some(file)) {
        return None;
    }
    // The `chapters = [` line, then the first `]` after it (file names
    // never hold one).
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("chapters") {
            if rest.trim_start().starts_with('=') {
                start = Some(offset + line.len() - trimmed.len());
                break;
            }
        }
        offset += line.len();
    }
    let start = start?;
    let open = start + text[start..].find('[')?;
    let close = open + text[open..].find(']')?;
    let inside = &text[open + 1..close];
    let quoted = format!("\"{file}\"");
    let mut out = String::with_capacity(text.len() + quoted.len() + 8);
    if inside.contains('\n') {
        // One file a line: the new one on its own line, indented like the others.
        let before = inside.trim_end_matches([' ', '\t']);
        let indent = inside
            .lines()
            .map(|l| &l[..l.len() - l.trim_start().len()])
            .find(|i| !i.is_empty())
            .unwrap_or("  ");
        let comma = if before.trim().is_empty() || before.trim_end().ends_with(',') {
            ""
        } else {
            ","
        };
        let before = before.trim_end_matches(['\n', '\r', ' ', '\t']);
        out.push_str(&text[..open + 1]);
        out.push_str(before);
        out.push_str(comma);
        out.push('\n');
        out.push_str(indent);
        out.push_str(&quoted);
        out.push_str(",\n");
    } else {
        let before = inside.trim_end();
        out.push_str(&text[..open + 1]);
        out.push_str(before);
        if !before.trim().is_empty() && !before.ends_with(',') {
            out.push(',');
        }
        if !before.trim().is_empty() {
            out.push(' ');
        }
        out.push_str(&quoted);
    }
    out.push_str(&text[close..]);
    // Only hand back what still parses and lists the file.
    let check: toml::Table = toml::from_str(&out).ok()?;
    check
        .get("chapters")?
        .as_array()?
        .iter()
        .any(|v| v.as_str() == Some(file))
        .then_some(out)
}

/// A new chapter file's starting text: the front matter the loader asks
/// for, with the id taken from the file name (`03-ma-otp.md` -> `ma-otp`).
pub fn new_chapter_text(file: &str) -> String {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.strip_suffix(".md").unwrap_or(stem);
    let id = stem
        .split_once('-')
        .filter(|(n, rest)| n.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty())
        .map_or(stem, |(_, rest)| rest);
    format!("+++\nid = \"{id}\"\ntitle = \"\"\nminutes = 5\nsummary = \"\"\n+++\n\n## \n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_to_a_list_of_one_file_a_line() {
        let text =
            "title = \"T\"\nchapters = [\n  \"01-a.md\",\n  \"02-b.md\",\n]\ncertificate = false\n";
        let out = with_chapter_listed(text, "03-c.md").unwrap();
        assert_eq!(
            out,
            "title = \"T\"\nchapters = [\n  \"01-a.md\",\n  \"02-b.md\",\n  \"03-c.md\",\n]\ncertificate = false\n"
        );
    }

    #[test]
    fn adds_to_a_list_without_a_last_comma_and_on_one_line() {
        let text = "chapters = [\n    \"01-a.md\"\n]\n";
        assert_eq!(
            with_chapter_listed(text, "02-b.md").unwrap(),
            "chapters = [\n    \"01-a.md\",\n    \"02-b.md\",\n]\n"
        );
        let text = "chapters = [\"01-a.md\", \"02-b.md\"]\n";
        assert_eq!(
            with_chapter_listed(text, "03-c.md").unwrap(),
            "chapters = [\"01-a.md\", \"02-b.md\", \"03-c.md\"]\n"
        );
        assert_eq!(
            with_chapter_listed("chapters = []\n", "01-a.md").unwrap(),
            "chapters = [\"01-a.md\"]\n"
        );
    }

    #[test]
    fn leaves_listed_files_unlisted_courses_and_broken_toml_alone() {
        assert_eq!(
            with_chapter_listed("chapters = [\"01-a.md\"]\n", "01-a.md"),
            None
        );
        assert_eq!(with_chapter_listed("title = \"T\"\n", "01-a.md"), None);
        assert_eq!(with_chapter_listed("chapters = [\n", "01-a.md"), None);
    }

    #[test]
    fn a_new_chapter_starts_with_its_id_from_the_file_name() {
        assert!(new_chapter_text("c/03-ma-otp.md").starts_with("+++\nid = \"ma-otp\"\n"));
        assert!(new_chapter_text("c/gioi-thieu.md").starts_with("+++\nid = \"gioi-thieu\"\n"));
    }
}
