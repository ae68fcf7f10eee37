//! Known devices: a browser where an account signed in before.
//!
//! The per-address sign-in limit stops one address from guessing across
//! many accounts, but a commune hall or a school shares one address: 20
//! failures by anyone there locked every person behind it out. A browser
//! that signed in to an account before carries a signed cookie saying so;
//! signing in to that account from it skips the address limit (the limits
//! per account still apply). The cookie names no account: each entry is an
//! expiry and the HMAC, with the installation's key, of the account's
//! throttling bucket and that expiry, so it is checked against the login
//! being tried and is worthless for any other account.

use http::{HeaderMap, HeaderValue};

use super::guest_pass::PassKey;

/// The cookie's name.
pub const COOKIE: &str = "hocvu_device";

/// How long a device stays known after its last sign-in: a year.
const LIFETIME: i64 = 365 * 86_400;

/// Accounts one browser remembers (a family's phone, a shared office PC).
const MAX_ENTRIES: usize = 4;

fn message(account_bucket: &str, expires: i64) -> String {
    format!("known-device|{account_bucket}|{expires}")
}

/// The entries of the request's cookie: `(expires, tag)`.
fn entries(headers: &HeaderMap) -> Vec<(i64, String)> {
    crate::web::cookie_value(headers, COOKIE)
        .unwrap_or_default()
        .split('~')
        .filter_map(|entry| {
            let (expires, tag) = entry.split_once('.')?;
            Some((expires.parse().ok()?, tag.to_string()))
        })
        .take(MAX_ENTRIES)
        .collect()
}

/// Whether this browser signed in to `account_bucket` before.
pub fn knows(key: &PassKey, headers: &HeaderMap, account_bucket: &str, now: i64) -> bool {
    entries(headers)
        .iter()
        .any(|(expires, tag)| *expires >= now && key.check(&message(account_bucket, *expires), tag))
}

/// `Set-Cookie` after a sign-in to `account_bucket`: its entry renewed,
/// the other live entries kept (newest first, at most `MAX_ENTRIES`).
pub fn remember(
    key: &PassKey,
    headers: &HeaderMap,
    account_bucket: &str,
    now: i64,
    secure: bool,
) -> HeaderValue {
    let expires = now + LIFETIME;
    let mine = (expires, key.sign(&message(account_bucket, expires)));
    let others = entries(headers).into_iter().filter(|(at, tag)| {
        *at >= now && !key.check(&message(account_bucket, *at), tag) && tag.len() == 64
    });
    let value: Vec<String> = std::iter::once(mine)
        .chain(others)
        .take(MAX_ENTRIES)
        .map(|(at, tag)| format!("{at}.{tag}"))
        .collect();
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path=/; Max-Age={LIFETIME}; HttpOnly; SameSite=Lax{secure}",
        value.join("~")
    ))
    .expect("digits, hex and ~ are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, HeaderValue::from_str(pair).unwrap());
        headers
    }

    #[test]
    fn a_device_is_known_for_the_accounts_it_signed_in_to_only() {
        let key = PassKey::for_tests(b"key");
        let first = remember(&key, &HeaderMap::new(), "user:lan", 1000, false);
        let headers = with_cookie(&first);
        assert!(knows(&key, &headers, "user:lan", 2000));
        assert!(!knows(&key, &headers, "user:minh", 2000));
        assert!(
            !knows(&key, &headers, "user:lan", 1000 + LIFETIME + 1),
            "expired"
        );
        let stranger = PassKey::for_tests(b"other");
        assert!(!knows(&stranger, &headers, "user:lan", 2000), "forged");
        // A second account on the same phone: both known.
        let both = with_cookie(&remember(&key, &headers, "user:minh", 3000, false));
        assert!(knows(&key, &both, "user:lan", 4000));
        assert!(knows(&key, &both, "user:minh", 4000));
        assert!(!knows(&key, &HeaderMap::new(), "user:lan", 2000));
    }
}
