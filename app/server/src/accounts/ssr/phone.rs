//! Vietnamese mobile numbers, written any way people write them, reduced to
//! one canonical form (`+84912345678`) so each number is one account.

/// First digit after the leading 0 of every Vietnamese mobile number
/// (03x Viettel, 05x Vietnamobile, 07x MobiFone, 08x Vinaphone/others, 09x all).
const MOBILE_PREFIXES: [u8; 5] = [b'3', b'5', b'7', b'8', b'9'];

/// True when `input` looks like someone meant a phone number rather than a
/// username: digits with the usual separators, or a leading `+`.
pub fn looks_like_phone(input: &str) -> bool {
    let input = input.trim();
    input.starts_with('+')
        || (input.chars().any(|c| c.is_ascii_digit())
            && input
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')')))
}

/// `0912 345 678`, `0912.345.678`, `+84 912 345 678`, `84912345678` →
/// `Some("+84912345678")`; anything that is not a Vietnamese mobile → `None`.
pub fn normalize(input: &str) -> Option<String> {
    let input = input.trim();
    let (plus, rest) = match input.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    // The 9 digits after the leading 0 (national) or after 84 (international).
    let subscriber = if let Some(s) = digits.strip_prefix("84").filter(|s| s.len() == 9) {
        s
    } else if plus {
        return None;
    } else {
        digits.strip_prefix('0').filter(|s| s.len() == 9)?
    };
    MOBILE_PREFIXES
        .contains(&subscriber.as_bytes()[0])
        .then(|| format!("+84{subscriber}"))
}

/// A piece of a number as an admin types it (`0933`, `0933 111`, `84933`)
/// → the same piece of the stored `+84…` form, for searching.
pub fn search_fragment(input: &str) -> String {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    if !looks_like_phone(input) || digits.is_empty() {
        return input.to_string();
    }
    if let Some(rest) = digits.strip_prefix('0') {
        format!("+84{rest}")
    } else if digits.starts_with("84") && input.trim_start().starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    }
}

/// `+84912345678` → `0912 345 678`, the way people read their own number.
pub fn display(canonical: &str) -> String {
    match canonical.strip_prefix("+84") {
        Some(rest) if rest.len() == 9 => format!("0{} {} {}", &rest[..3], &rest[3..6], &rest[6..]),
        _ => canonical.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usual_spelling_is_one_number() {
        for input in [
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "0912345678",
            "+84912345678",
            "+84 912 345 678",
            "84912345678",
            " 0912 345 678 ",
        ] {
            assert_eq!(normalize(input).as_deref(), Some("+84912345678"), "{input}");
        }
    }

    #[test]
    fn other_mobile_prefixes_are_accepted() {
        for (input, want) in [
            ("0321234567", "+84321234567"),
            ("0561234567", "+84561234567"),
            ("0701234567", "+84701234567"),
            ("0861234567", "+84861234567"),
        ] {
            assert_eq!(normalize(input).as_deref(), Some(want));
        }
    }

    #[test]
    fn non_mobile_or_malformed_numbers_are_rejected() {
        for input in [
            "",
            "0",
            "091234567",   // 9 digits
            "09123456789", // 11 digits
            "0212345678",  // landline-style prefix 2
            "0112345678",  // no 01x mobiles any more
            "+1 912 345 678",
            "+0912345678",  // plus without country code
            "849123456789", // too long after 84
            "0912a45678",
            "0912_345_678",
            "٠٩١٢٣٤٥٦٧٨", // non-ASCII digits
        ] {
            assert_eq!(normalize(input), None, "{input:?}");
        }
    }

    #[test]
    fn phones_are_told_from_usernames() {
        assert!(looks_like_phone("0912 345 678"));
        assert!(looks_like_phone("+84912345678"));
        assert!(!looks_like_phone("lan.nguyen"));
        assert!(!looks_like_phone("lan2024"));
        assert!(!looks_like_phone("..."));
    }

    #[test]
    fn number_pieces_search_the_stored_form() {
        assert_eq!(search_fragment("0933"), "+84933");
        assert_eq!(search_fragment("0933 111"), "+84933111");
        assert_eq!(search_fragment("+84 933"), "+84933");
        assert_eq!(search_fragment("111 222"), "111222");
        assert_eq!(search_fragment("lan"), "lan");
    }

    #[test]
    fn canonical_numbers_display_the_local_way() {
        assert_eq!(display("+84912345678"), "0912 345 678");
    }
}
