//! Every address the site links to, built in one place. Pages and
//! handlers use these instead of writing paths by hand, so a route changes
//! here or nowhere.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The key of a course's final test among its quizzes.
pub const FINAL_TEST: &str = "final";

/// `/courses/<course>`
pub fn course(course: &str) -> String {
    format!("/courses/{course}")
}

/// `/courses/<course>/<chapter>`
pub fn chapter(course: &str, chapter: &str) -> String {
    format!("/courses/{course}/{chapter}")
}

/// Where "Đã đọc xong" posts.
pub fn mark_read(course: &str, chapter: &str) -> String {
    format!("/courses/{course}/{chapter}/read")
}

/// A chapter's quiz page, or the course's final test (`quiz` = [`FINAL_TEST`]).
pub fn quiz(course: &str, quiz: &str) -> String {
    if quiz == FINAL_TEST {
        format!("/courses/{course}/test")
    } else {
        format!("/courses/{course}/{quiz}/quiz")
    }
}

/// The result page of one attempt.
pub fn quiz_result(course: &str, quiz_key: &str, attempt_no: i64) -> String {
    format!("{}/result/{attempt_no}", quiz(course, quiz_key))
}

/// A certificate as its holder (or an admin) sees and prints it.
pub fn certificate(code: &str) -> String {
    format!("/certificates/{code}")
}

/// The public page that checks a certificate's code.
pub fn verify(code: &str) -> String {
    format!("/verify/{code}")
}

/// A class's leader page (controls, people, record).
pub fn class(id: &str) -> String {
    format!("/classes/{id}")
}

/// A class's screen for the projector.
pub fn class_screen(id: &str) -> String {
    format!("/classes/{id}/screen")
}

/// Where a phone joins a class and then follows it (the QR code's address).
pub fn join(code: &str) -> String {
    format!("/join/{code}")
}

/// Whether `path` is a class's stream of signals (held open for hours by
/// every phone in a class).
pub fn is_class_stream(path: &str) -> bool {
    path.ends_with("/events") && (path.starts_with("/join/") || path.starts_with("/classes/"))
}

/// Only same-site paths: never redirect to another host (`//evil`, `/\evil`).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

/// Percent-encodes one query-string value (UTF-8 bytes, RFC 3986 unreserved
/// characters kept), for links and redirects that carry form fields back.
pub fn encode_query_value(value: &str) -> String {
    const KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(value, KEPT).to_string()
}

/// `path?k=v&…`, skipping empty values.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert!(is_local_path("/me"));
        assert!(is_local_path("/courses/a?b=c"));
        for bad in [
            "",
            "me",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/a\nb",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            with_query(
                "/signin",
                &[("login", "Lan Anh&x=1"), ("next", "/me"), ("e", "")]
            ),
            "/signin?login=Lan%20Anh%26x%3D1&next=/me"
        );
        assert_eq!(encode_query_value("Lê"), "L%C3%AA");
    }
}
