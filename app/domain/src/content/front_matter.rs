//! Splits a Markdown file into its TOML front matter (between `+++` lines)
//! and its body, and parses the front matter with positions in errors.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::diagnostics::{Diagnostics, LineIndex, Position};

/// A file cut into front matter and body, with where each starts.
pub struct Split<'a> {
    /// TOML text between the fences (empty when the file has none).
    pub front: &'a str,
    /// 1-based line of the first front-matter line.
    pub front_line: usize,
    /// Markdown after the closing fence.
    pub body: &'a str,
    /// 1-based line of the first body line.
    pub body_line: usize,
    /// Byte offset of the body within the whole file.
    pub body_offset: usize,
}

/// Cuts `text` at its `+++` fences. `required` makes a missing block an error.
pub fn split<'a>(
    file: &Path,
    text: &'a str,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Split<'a>> {
    let text_start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let rest = &text[text_start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "+++" {
        if required {
            diags.error(
                Position::file(file),
                "missing front matter: the file must start with a line `+++`, then the TOML fields, then `+++`",
                "thiếu phần thông tin ở đầu tệp: tệp phải bắt đầu bằng một dòng `+++`, tiếp theo là các trường TOML, rồi đến một dòng `+++`",
            );
            return None;
        }
        return Some(Split {
            front: "",
            front_line: 1,
            body: rest,
            body_line: 1,
            body_offset: text_start,
        });
    }
    let front_start = text_start + first_line_end;
    let mut offset = front_start;
    for line in text[front_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &text[front_start..offset];
            let body_offset = offset + line.len();
            let body_line = 2 + front.matches('\n').count() + 1;
            return Some(Split {
                front,
                front_line: 2,
                body: &text[body_offset..],
                body_line,
                body_offset,
            });
        }
        offset += line.len();
    }
    diags.error(
        Position::file(file),
        "front matter is not closed: add a line `+++` after the fields",
        "phần thông tin ở đầu tệp chưa được đóng lại: thêm một dòng `+++` sau các trường",
    );
    None
}

/// Parses TOML into `T`, reporting the error at its exact line and column.
pub fn parse_toml<T: DeserializeOwned>(
    file: &Path,
    toml_text: &str,
    first_line: usize,
    diags: &mut Diagnostics,
) -> Option<T> {
    match toml::from_str::<T>(toml_text) {
        Ok(value) => Some(value),
        Err(err) => {
            let index = LineIndex::new(toml_text, first_line);
            let offset = err.span().map_or(0, |s| s.start);
            diags.error(
                index.at(file, toml_text, offset),
                err.message(),
                toml_message_vi(err.message()),
            );
            None
        }
    }
}

/// A TOML error (in English, from the `toml` crate) in Vietnamese: the
/// usual mistakes (a missing or misspelt field, a value not in the list)
/// translated, anything else after a Vietnamese lead-in.
fn toml_message_vi(message: &str) -> String {
    // serde lists what it expected as "`a`", "`a` or `b`" or "one of `a`, `b`, `c`".
    let allowed = |list: &str| {
        list.strip_prefix("one of ")
            .unwrap_or(list)
            .replace("` or `", "` hoặc `")
    };
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("thiếu trường {field}");
    }
    if let Some((field, list)) = message
        .strip_prefix("unknown field ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!(
            "không có trường {field}; chỉ dùng được các trường: {}",
            allowed(list)
        );
    }
    if let Some((value, list)) = message
        .strip_prefix("unknown variant ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        return format!(
            "{value} không phải là giá trị hợp lệ; hãy dùng một trong các giá trị: {}",
            allowed(list)
        );
    }
    if message.starts_with("string values must be quoted") {
        return "giá trị chữ phải đặt trong dấu ngoặc kép, ví dụ `title = \"Tên bài\"`".to_string();
    }
    if message.starts_with("duplicate key") {
        let key = message.strip_prefix("duplicate key").unwrap_or_default();
        return format!("một trường được ghi hai lần{key}");
    }
    format!("lỗi cú pháp TOML: {message}")
}

/// 1-based line and column of the first `key = ` line in a TOML block, so
/// findings about a field (a duplicate id, say) point at that field.
pub fn field_position(toml_text: &str, first_line: usize, key: &str) -> (usize, usize) {
    toml_text
        .lines()
        .enumerate()
        .find(|(_, line)| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or((first_line, 1), |(i, line)| {
            (first_line + i, line.len() - line.trim_start().len() + 1)
        })
}
