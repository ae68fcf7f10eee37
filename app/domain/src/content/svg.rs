//! A picture drawn as SVG is a document that can carry script: opened on
//! its own (`/media/…svg`), it runs with the site's origin. A handbook SVG
//! may therefore hold drawing only: elements from an allow-list, no event
//! handlers, no links that leave the picture, no DTD. Anything else is
//! refused at `file:line:col`, so a trainer's picture can never act for
//! whoever opens it (an admin, say).

use super::diagnostics::Message;

/// Elements of drawings, text and their styling (no script, no
/// `foreignObject`, no animation that could rewrite a link).
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "title",
    "desc",
    "metadata",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "marker",
    "pattern",
    "filter",
    "feGaussianBlur",
    "feOffset",
    "feBlend",
    "feFlood",
    "feComposite",
    "feMerge",
    "feMergeNode",
    "feColorMatrix",
    "feDropShadow",
    "style",
    "image",
];

/// Where a picture breaks the rule: 1-based line and column, and why.
#[derive(Debug, PartialEq)]
pub struct Finding {
    pub line: usize,
    pub col: usize,
    pub message: Message,
}

/// `Ok` for a plain drawing; the first thing that is not, otherwise.
pub fn check(text: &str) -> Result<(), Finding> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        Finding {
            line: pos.row as usize,
            col: pos.col as usize,
            message: Message::new(
                format!("not a well-formed SVG picture ({e})"),
                format!("tệp SVG bị lỗi cú pháp ({e})"),
            ),
        }
    })?;
    for node in doc.descendants() {
        let at = |pos: usize| {
            let p = doc.text_pos_at(pos);
            (p.row as usize, p.col as usize)
        };
        if node.is_element() {
            let name = node.tag_name().name();
            if !ELEMENTS.contains(&name) {
                let (line, col) = at(node.range().start);
                return Err(Finding {
                    line,
                    col,
                    message: Message::new(
                        format!("`<{name}>` is not allowed in a picture (only drawing: no script, no embedded pages)"),
                        format!("không được dùng `<{name}>` trong ảnh SVG (chỉ được vẽ: không có mã lệnh, không nhúng trang khác)"),
                    ),
                });
            }
            for attr in node.attributes() {
                let attr_name = attr.name().to_ascii_lowercase();
                let value = attr.value().trim().to_ascii_lowercase();
                let handler = attr_name.starts_with("on");
                let leaves = matches!(attr_name.as_str(), "href")
                    && !(value.starts_with('#')
                        || (name == "image"
                            && value.starts_with("data:image/")
                            && !value.starts_with("data:image/svg")));
                let style_url =
                    (attr_name == "style" || attr_name.ends_with("url")) && has_outside_url(&value);
                if handler || leaves || style_url {
                    let (line, col) = at(attr.range().start);
                    return Err(Finding {
                        line,
                        col,
                        message: Message::new(
                            format!("attribute `{}` is not allowed in a picture (no script, no links out of it)", attr.name()),
                            format!("không được dùng thuộc tính `{}` trong ảnh SVG (không có mã lệnh, không liên kết ra ngoài ảnh)", attr.name()),
                        ),
                    });
                }
            }
        } else if node.is_text()
            && node
                .parent_element()
                .is_some_and(|p| p.tag_name().name() == "style")
            && (has_outside_url(&node.text().unwrap_or("").to_ascii_lowercase())
                || node.text().unwrap_or("").contains("@import"))
        {
            let (line, col) = at(node.range().start);
            return Err(Finding {
                line,
                col,
                message: Message::new(
                    "a picture's style may not load anything from outside it",
                    "kiểu trình bày của ảnh SVG không được tải gì từ bên ngoài ảnh",
                ),
            });
        }
    }
    Ok(())
}

/// `url(…)` that points anywhere but inside the picture (`url(#id)`).
fn has_outside_url(css: &str) -> bool {
    css.match_indices("url(").any(|(i, _)| {
        let inner = css[i + 4..].trim_start_matches([' ', '"', '\'']);
        !inner.starts_with('#')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <rect width="10" height="10" fill="url(#g)" style="stroke: black"/>
  <text x="1" y="5">Mã OTP</text>
</svg>"##;

    #[test]
    fn a_plain_drawing_passes() {
        assert_eq!(check(OK), Ok(()));
    }

    #[test]
    fn script_handlers_and_outside_links_are_refused_where_they_are() {
        let cases = [
            ("<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <script>alert(1)</script></svg>", 2, 3),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>", 1, 41),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject/></svg>", 1, 41),
            (
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:x=\"http://www.w3.org/1999/xlink\">\n<a x:href=\"javascript:alert(1)\">x</a></svg>",
                2,
                1,
            ),
            (
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><use href=\"https://evil.example/x.svg#a\"/></svg>",
                1,
                46,
            ),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(https://x.example/a.css);</style></svg>", 1, 48),
        ];
        for (text, line, col) in cases {
            let found = check(text).expect_err(text);
            assert_eq!((found.line, found.col), (line, col), "{text}: {found:?}");
        }
    }

    #[test]
    fn a_dtd_is_refused() {
        let text =
            "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>";
        assert!(check(text).is_err());
    }
}
