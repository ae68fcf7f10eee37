//! Text the way Vietnamese readers type it: one place for folding away
//! diacritics (search, typed quiz answers, sorting names, slugs) and for
//! normalising what people type.

use unicode_normalization::{
    char::{decompose_canonical, is_combining_mark},
    UnicodeNormalization,
};

/// Longest search anyone types (the search boxes say `maxlength="200"`).
/// A longer one, sent by hand, is cut here: SQLite refuses a LIKE pattern
/// past 50,000 bytes ("too complex"), and nobody's name is that long.
pub const MAX_QUERY_CHARS: usize = 200;

/// `query` cut to `MAX_QUERY_CHARS` characters.
pub fn cut_query(query: &str) -> &str {
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        Some((end, _)) => &query[..end],
        None => query,
    }
}

/// Lowercases and strips Vietnamese diacritics one char at a time, so the
/// result has exactly as many chars as the input (positions map 1:1):
/// "Điện Thoại" -> "dien thoai", "thanh toán" -> "thanh toan", "Đ"/"đ" -> "d".
///
/// A lone combining mark (decomposed input) is kept as it is, to preserve the
/// char count; the index composes text before folding, so this is rare.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match c {
        // Đ has no decomposition in Unicode. Ð (U+00D0) looks identical and
        // turns up in Vietnamese text produced by legacy encodings.
        'Đ' | 'đ' | 'Ð' | 'ð' => 'd',
        _ => strip_marks(lower_char(c)),
    }
}

/// Lowercases one char to one char (the rare multi-char lowercases keep
/// their first char) so that positions never shift.
pub fn lower_char(c: char) -> char {
    // Fast paths for the blocks Vietnamese lives in, where upper and lower
    // case sit at a fixed distance; the Unicode tables are slow per char.
    let lowered = match u32::from(c) {
        0..=0x7F => return c.to_ascii_lowercase(),
        0xC0..=0xDE if c != '×' => u32::from(c) + 0x20,
        0xDF..=0xFF => return c,
        // Pairs upper (even), lower (odd). İ/ı (0x130/0x131) are special.
        0x100..=0x12F | 0x132..=0x137 | 0x1EA0..=0x1EFF => u32::from(c) | 1,
        _ => return c.to_lowercase().next().unwrap_or(c),
    };
    char::from_u32(lowered).unwrap_or(c)
}

/// The base letter of `c` when `c` is a letter plus combining marks (ế, ự,
/// ã…). Chars that decompose into something else, such as Hangul syllables
/// into jamo, are left alone.
fn strip_marks(c: char) -> char {
    let mut base = None;
    let mut only_marks = true;
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        } else if !is_combining_mark(d) {
            only_marks = false;
        }
    });
    match base {
        Some(b) if only_marks => b,
        _ => c,
    }
}

/// Canonical form for comparing typed answers: Unicode NFC (so accents typed
/// as separate marks compare equal), trimmed, runs of whitespace collapsed
/// to one space, lowercase.
pub fn normalize(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// [`normalize`]d and [`fold`]ed: `" Đường  dây NÓNG"` → `"duong day nong"`.
pub fn fold_words(s: &str) -> String {
    fold(&normalize(s))
        .chars()
        .filter(|c| !is_combining_mark(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_examples() {
        assert_eq!(fold("Điện Thoại"), "dien thoai");
        assert_eq!(fold("thanh toán"), "thanh toan");
        assert_eq!(fold("Đ"), "d");
        assert_eq!(fold("đ"), "d");
        assert_eq!(fold("ĐĂNG NHẬP MẬT KHẨU"), "dang nhap mat khau");
        assert_eq!(fold("Ứng Dụng Zalo"), "ung dung zalo");
        assert_eq!(fold("plain ASCII 123!"), "plain ascii 123!");
    }

    #[test]
    fn fold_all_vietnamese_vowels() {
        let cases = [
            ("àáảãạ", "aaaaa"),
            ("ăằắẳẵặ", "aaaaaa"),
            ("âầấẩẫậ", "aaaaaa"),
            ("èéẻẽẹ", "eeeee"),
            ("êềếểễệ", "eeeeee"),
            ("ìíỉĩị", "iiiii"),
            ("òóỏõọ", "ooooo"),
            ("ôồốổỗộ", "oooooo"),
            ("ơờớởỡợ", "oooooo"),
            ("ùúủũụ", "uuuuu"),
            ("ưừứửữự", "uuuuuu"),
            ("ỳýỷỹỵ", "yyyyy"),
            (
                "ẮẰẲẴẶẤẦẨẪẬẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰÝỲỶỸỴ",
                "aaaaaaaaaaeeeeeoooooooooouuuuuyyyyy",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "folding {input}");
        }
    }

    #[test]
    fn fold_keeps_char_count() {
        let samples = [
            "Người dùng đăng nhập bằng mật khẩu, rồi xác thực hai yếu tố.",
            "ĐIỆN THOẠI THÔNG MINH",
            "e\u{301} decomposed",
            "İstanbul ß 한국어 🙂",
            "",
        ];
        for s in samples {
            assert_eq!(fold(s).chars().count(), s.chars().count(), "{s:?}");
        }
        // Non-Latin scripts are not mangled into pieces.
        assert_eq!(fold("한국어"), "한국어");
    }

    #[test]
    fn fold_removes_vietnamese_marks() {
        assert_eq!(fold_words("Đường dây NÓNG"), "duong day nong");
        assert_eq!(fold_words("Thử nghiệm ỹ ợ ậ"), "thu nghiem y o a");
        assert_eq!(normalize("  A \t b\n c "), "a b c");
    }
}
