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
    if message.starts_with("duplicate key") {
        let key = message.strip_prefix("duplicate key").unwrap_or_default();
        return format!("một trường được ghi hai lần{key}");
    }
    toml_syntax_vi(message)
}

/// TOML's own syntax and type errors, in words a trainer who has never heard
/// of TOML can act on: what the line should look like, with an example. The
/// English text never reaches the Vietnamese page (it is in `content check`).
fn toml_syntax_vi(message: &str) -> String {
    let head = message.split(", expected").next().unwrap_or(message).trim();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| head.starts_with(p));
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        let wanted = rest.split_once(", expected ").map_or("", |(_, w)| w.trim());
        return format!(
            "giá trị này không đúng loại: ở đây cần {}",
            wanted_vi(wanted)
        );
    }
    if starts(&[
        "invalid float",
        "invalid integer",
        "invalid boolean",
        "invalid value",
        "invalid date-time",
        "invalid mantissa",
        "invalid exponent",
        "invalid fraction",
        "invalid hexadecimal",
        "invalid octal",
        "invalid binary",
        "unexpected sign",
        "unexpected leading zero",
        "missing opening quote",
        "string values must be quoted",
    ]) {
        return "giá trị viết chưa đúng: chữ phải đặt trong dấu ngoặc kép \
                (ví dụ `title = \"Nhận tiền an toàn\"`), số viết liền không kèm chữ \
                (ví dụ `minutes = 8`), đúng/sai viết `true` hoặc `false`"
            .to_string();
    }
    if starts(&[
        "invalid basic string",
        "invalid string",
        "invalid literal string",
        "invalid multi-line",
        "missing escaped value",
    ]) {
        return "đoạn chữ trong dấu ngoặc kép chưa đúng: thiếu dấu ngoặc kép đóng ở cuối dòng, \
                hoặc có dấu \\ hay dấu ngoặc kép ở giữa chữ (hãy dùng dấu “ ” hoặc ' thay thế)"
            .to_string();
    }
    if starts(&[
        "unclosed array",
        "missing comma between array",
        "extra comma in array",
        "missing array opening",
        "unexpected `=` in array",
    ]) {
        return "danh sách trong dấu [ ] chưa đúng: mỗi mục đặt trong dấu ngoặc kép, các mục \
                cách nhau bằng dấu phẩy, và cuối danh sách có dấu ] (ví dụ \
                `skills = [\"1.1\", \"1.2\"]`)"
            .to_string();
    }
    if starts(&[
        "missing assignment",
        "extra assignment",
        "extra `=`",
        "missing value",
        "invalid key-value pair",
    ]) {
        return "mỗi dòng phải có dạng `tên = giá trị`, ví dụ `minutes = 8`: dòng này thiếu \
                hoặc thừa dấu =, hoặc chưa có giá trị"
            .to_string();
    }
    if starts(&[
        "unclosed table",
        "invalid table",
        "missing table open",
        "unclosed inline table",
        "invalid inline table",
        "missing comma between key-value",
        "missing key for inline",
        "extra comma in inline",
        "missing inline table",
    ]) {
        return "phần trong dấu ngoặc [ ] hoặc { } chưa đóng hoặc viết chưa đúng: \
                hãy xem lại các dấu ngoặc và dấu phẩy"
            .to_string();
    }
    if starts(&[
        "invalid key",
        "invalid unquoted key",
        "unquoted keys cannot be empty",
        "unexpected key or value",
        "unexpected content",
        "invalid comment",
        "missing comment start",
    ]) {
        return "dòng này không đọc được: tên trường chỉ dùng chữ không dấu, số, - và _ \
                (ví dụ `minutes`), mỗi dòng một trường `tên = giá trị`, còn ghi chú thì \
                bắt đầu bằng dấu #"
            .to_string();
    }
    "dòng này viết chưa đúng cách: mỗi dòng có dạng `tên = giá trị`; chữ đặt trong \
     dấu ngoặc kép, danh sách trong dấu [ ] với các mục cách nhau bằng dấu phẩy"
        .to_string()
}

/// What serde expected, in Vietnamese.
fn wanted_vi(wanted: &str) -> &'static str {
    match wanted {
        "a string" | "a borrowed string" | "string" => {
            "chữ đặt trong dấu ngoặc kép, ví dụ `\"Tên bài\"`"
        }
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" | "an integer" => {
            "một số nguyên viết liền, ví dụ `8`"
        }
        "a boolean" | "bool" => "`true` (có) hoặc `false` (không)",
        "a sequence" => "một danh sách trong dấu [ ], ví dụ `[\"1.1\", \"1.2\"]`",
        _ => "một giá trị khác (xem lại ví dụ trong hướng dẫn viết bài)",
    }
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

#[cfg(test)]
mod plain_words {
    use super::*;

    fn vi_of(toml_text: &str) -> String {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Front {
            title: String,
            minutes: u32,
        }
        let mut diags = Diagnostics::default();
        assert!(parse_toml::<Front>(Path::new("a.md"), toml_text, 2, &mut diags).is_none());
        diags.into_sorted()[0].message_vi.clone()
    }

    #[test]
    fn toml_mistakes_read_in_plain_vietnamese() {
        for (text, wanted) in [
            ("title = nhận tiền\nminutes = 8\n", "dấu ngoặc kép"),
            ("title = \"A\"\nminutes = 8 phút\n", "số viết liền"),
            ("title = \"A\"\nminutes = \"8\"\n", "số nguyên"),
            ("title = \"A\nminutes = 8\n", "dấu ngoặc kép"),
            ("title \"A\"\nminutes = 8\n", "tên = giá trị"),
        ] {
            let vi = vi_of(text);
            assert!(vi.contains(wanted), "{text:?} -> {vi}");
            for english in ["invalid", "expected", "TOML"] {
                assert!(!vi.contains(english), "{text:?} -> {vi}");
            }
        }
    }
}
