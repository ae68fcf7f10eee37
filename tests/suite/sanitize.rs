//! Raw HTML in a chapter can never run script: every tag and attribute that
//! reaches the reader is on an allow-list, whatever a content file contains.

use hocvu_tests::{chapter, content_fixture, course_toml, Backend, TestApp};

/// Classic and less classic XSS vectors, as raw HTML and as Markdown.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">nhấn vào đây</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"java\nscript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a onmouseover=\"alert(1)\">x</a>",
    "<a href=\"/ok\" onclick=\"alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<div style=\"width: expression(alert(1))\">x</div>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=\"http://evil.example/x.css\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"http://evil.example/\">",
    "<form action=\"http://evil.example\"><input type=\"submit\"></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<input type=\"text\" onfocus=\"alert(1)\" autofocus>",
    "<input type=\"image\" src=\"x\" onerror=\"alert(1)\">",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<isindex action=javascript:alert(1) type=image>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<td background=\"javascript:alert(1)\">",
    "<div onpointerover=\"alert(1)\">x</div>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<select><option><script>alert(1)</script></option></select>",
    "<keygen autofocus onfocus=alert(1)>",
    "<frameset onload=alert(1)>",
    "<applet code=\"javascript:alert(1)\"></applet>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<a href=\"tel:0912345678\" id=\"location\" name=\"cookie\">tel</a>",
    "[nhấn](javascript:alert(1))",
    "[nhấn](JaVaScRiPt:alert(1))",
    "[nhấn](data:text/html,<script>alert(1)</script>)",
    "[nhấn](vbscript:msgbox(1))",
    "[nhấn]( javascript:alert(1) )",
    "[a](<javascript:alert(1)>)",
    "<http://evil.example/\"onmouseover=\"alert(1)>",
    "<custom-element onclick=alert(1)>x</custom-element>",
];

const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "dl",
    "dt",
    "dd",
    "q",
    "small",
    "cite",
    "kbd",
    "samp",
    "var",
    "bdi",
    "bdo",
    "caption",
    "col",
    "colgroup",
    "tfoot",
    "ins",
    "center",
    "data",
    "dfn",
    "hgroup",
    "map",
    "area",
    "nav",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "strike",
    "summary",
    "details",
    "time",
    "tt",
    "wbr",
    "acronym",
    "article",
    "aside",
    "big",
    "footer",
    "header",
];

const ALLOWED_ATTRS: &[&str] = &[
    "href", "src", "alt", "title", "id", "class", "rel", "loading", "width", "height", "type",
    "checked", "disabled", "lang", "colspan", "rowspan", "align", "cite", "start", "reversed",
    "datetime", "dir", "headers", "scope", "span", "valign", "char", "charoff", "hreflang", "abbr",
    "axis", "open", "value", "coords", "shape",
];

#[tokio::test]
async fn sixty_plus_xss_payloads_leave_only_allow_listed_html() {
    assert!(PAYLOADS.len() >= 60);
    let body = PAYLOADS.join("\n\nĐoạn văn.\n\n");
    let dir = content_fixture(&[
        ("x/course.toml", &course_toml("Khóa X", "all", &["01-x.md"])),
        ("x/01-x.md", &chapter("bai-x", "Bài X", &body)),
    ]);
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();

    let html = app.page("/courses/x/bai-x").await;
    let start = html.find(r#"<div class="prose">"#).expect("chapter body");
    let end = html[start..]
        .find("</article>")
        .map(|e| start + e)
        .expect("end of article");
    let prose = &html[start..end];

    for (tag, attrs) in tags(prose) {
        assert!(ALLOWED_TAGS.contains(&tag.as_str()), "tag <{tag}> survived");
        for (name, value) in attrs {
            assert!(
                ALLOWED_ATTRS.contains(&name.as_str()),
                "attribute {name} on <{tag}> survived"
            );
            let v = value
                .to_ascii_lowercase()
                .replace(|c: char| c.is_whitespace() || c.is_control(), "");
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!v.starts_with(scheme), "{name}=\"{value}\" on <{tag}>");
            }
            if tag == "input" && name == "type" {
                assert_eq!(value, "checkbox");
            }
        }
    }
    // Page-level: no script anywhere in the body (the hydration loader sits in <head>).
    let body = &html[html.find("<body").unwrap()..html.find("</body>").unwrap()];
    assert!(!body.contains("<script"), "script in the page body");
}

/// Every opening tag in `html` with its attributes (text is escaped, so
/// each `<` followed by a letter starts a real tag).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphabetic() {
            let end = html[i..].find('>').map(|e| i + e).unwrap_or(html.len());
            let inner = &html[i + 1..end];
            let name_end = inner
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(inner.len());
            let tag = inner[..name_end].to_ascii_lowercase();
            out.push((tag, attributes(&inner[name_end..])));
            i = end;
        }
        i += 1;
    }
    out
}

fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return attrs;
        }
        let name_end = s
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        s = &s[name_end..];
        let mut value = String::new();
        if let Some(rest) = s.trim_start().strip_prefix('=') {
            let rest = rest.trim_start();
            if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let close = rest[1..].find(q).map(|e| e + 1).unwrap_or(rest.len());
                value = rest[1..close].to_string();
                s = rest.get(close + 1..).unwrap_or("");
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                value = rest[..end].to_string();
                s = &rest[end..];
            }
        }
        attrs.push((name, value.replace("&amp;", "&")));
    }
}
