//! Join codes: short enough to read off a projector and type on a phone,
//! from symbols nobody confuses, and not guessable at scale.

use crate::accounts::ssr::{client_ip::ClientIp, guests::Started, throttle::Limit};

/// No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read from the back of a hall, typed by
/// older hands. 26 symbols, 6 of them: 308 million codes.
const ALPHABET: &[u8; 26] = b"ACDEFGHJKMNPQRTUVWXY346789";
pub const LENGTH: usize = 6;

/// How a guest with no typed name is listed: "Khách 1", "Khách 2", …
pub const GUEST_PREFIX: &str = "Khách ";

/// A fresh code from the OS generator (a v4 UUID's random bytes).
pub fn new_code() -> String {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes
        .iter()
        .take(LENGTH)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A code as typed: upper case, spaces and dashes dropped; anything
/// longer is cut.
pub fn canonical(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(LENGTH)
        .collect()
}

/// Unknown codes one address may try: a person mistyping a few times, not
/// a run through 308 million. Past it, every code (known or not) is
/// refused for a while, so the answer says nothing about a code.
const GUESSES: Limit = Limit {
    failures: 20,
    window: 10 * 60,
};

static MISSES: Started = Started::new();

/// Seconds to wait when this address has guessed too much.
pub fn guessing(ip: &ClientIp) -> Option<i64> {
    MISSES.used_up(&ip.bucket(), crate::clock::now(), GUESSES)
}

/// Counts an unknown code against the address.
pub fn missed(ip: &ClientIp) {
    let _ = MISSES.count(&ip.bucket(), crate::clock::now(), GUESSES);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_the_alphabet_and_read_back_unchanged() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), LENGTH);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
            assert_eq!(canonical(&code), code);
        }
    }

    #[test]
    fn typed_codes_are_forgiven_case_spaces_and_dashes() {
        assert_eq!(canonical("ac d-e f7"), "ACDEF7");
        assert_eq!(canonical("<script>"), "SCRIPT");
    }
}
