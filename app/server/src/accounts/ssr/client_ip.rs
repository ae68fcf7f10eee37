//! The address a request really came from, for throttling.
//!
//! It is the TCP peer. `X-Forwarded-For` is read only when that peer is one
//! of the configured trusted proxies; otherwise anyone could claim a fresh
//! address on every request and never be throttled.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{request::Parts, HeaderMap},
};
use serde::{de, Deserialize, Deserializer};

/// One trusted address or network (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or network"))?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?,
        };
        Ok(Network { addr, prefix })
    }
}

/// The proxies whose `X-Forwarded-For` is believed (empty by default).
/// Configured as `HOCVU_TRUSTED_PROXIES="10.0.0.1, 10.1.0.0/16"` or, in
/// `hocvu.toml`, as that string or a list of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    fn parse_all<'a>(items: impl Iterator<Item = &'a str>) -> Result<Self, String> {
        items
            .flat_map(|item| item.split([',', ' ']))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(Network::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_all(std::iter::once(s))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            One(String),
            Many(Vec<String>),
        }
        let parsed = match Written::deserialize(deserializer)? {
            Written::One(s) => TrustedProxies::from_str(&s),
            Written::Many(list) => TrustedProxies::parse_all(list.iter().map(String::as_str)),
        };
        parsed.map_err(|e| de::Error::custom(format!("trusted_proxies: {e}")))
    }
}

/// The client's address, as far as this server can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ClientIp {
    /// The throttling bucket: one address, or one /64 for IPv6 (a single
    /// customer usually holds a whole /64).
    pub fn bucket(&self) -> String {
        match self.0 {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => {
                let s = ip.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// Walks `X-Forwarded-For` from the right (the hop nearest to us), skipping
/// trusted proxies; the first address that is not one is the client. A hop
/// that cannot be parsed ends the walk at the last trusted hop, so a garbled
/// header makes throttling stricter, never looser.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> ClientIp {
    let peer = peer.to_canonical();
    if let Some(why) = misconfigured_proxy(peer, headers, trusted) {
        static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!("{why}");
        }
    }
    if !trusted.is_trusted(peer) {
        return ClientIp(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted.is_trusted(ip) {
            break;
        }
    }
    ClientIp(client)
}

/// A proxy on this machine that Hocvu cannot see through: every visitor
/// then shares its address (one throttle bucket for a whole province, and
/// `/metrics` open to anyone it forwards). Said once, in the log.
fn misconfigured_proxy(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<&'static str> {
    if !peer.is_loopback() {
        return None;
    }
    let forwarded = [
        "x-real-ip",
        "x-forwarded-proto",
        "x-forwarded-host",
        "forwarded",
        "via",
    ]
    .iter()
    .any(|h| headers.contains_key(*h));
    let has_xff = headers.contains_key("x-forwarded-for");
    match (trusted.is_trusted(peer), forwarded || has_xff, has_xff) {
        (false, true, _) => Some(
            "requests arrive through a proxy on this machine but HOCVU_TRUSTED_PROXIES does not \
             name it: every visitor shares its address (one throttle bucket, /metrics open to all); \
             set HOCVU_TRUSTED_PROXIES=127.0.0.1 and have the proxy send X-Forwarded-For",
        ),
        (true, true, false) => Some(
            "the trusted proxy on this machine sends no X-Forwarded-For: every visitor shares its \
             address (one throttle bucket, /metrics open to all); add \
             `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` (nginx)",
        ),
        _ => None,
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let trusted = TrustedProxies::from_ref(state);
        // Without ConnectInfo (never in the real server) every request shares
        // one bucket: stricter, not looser.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(client_ip(peer, &parts.headers, &trusted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_ignored_without_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_ip(ip("203.0.113.9"), &xff("1.2.3.4"), &none).0,
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let trusted: TrustedProxies = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(ip("203.0.113.9"), &xff("1.2.3.4"), &trusted).0,
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted: TrustedProxies = "10.0.0.0/8, 192.168.1.1".parse().unwrap();
        // The client put a fake address first; our proxies appended the rest.
        let headers = xff("6.6.6.6, 198.51.100.7, 10.2.3.4");
        assert_eq!(
            client_ip(ip("192.168.1.1"), &headers, &trusted).0,
            ip("198.51.100.7")
        );
        // Only proxies: the leftmost is as far as we can see.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff("10.0.0.9"), &trusted).0,
            ip("10.0.0.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted).0,
            ip("10.0.0.1")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff("1.2.3.4, nonsense"), &trusted).0,
            ip("10.0.0.1")
        );
        // Ports and IPv6 are understood.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff("198.51.100.7:4321"), &trusted).0,
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff("[2001:db8::7]:80"), &trusted).0,
            ip("2001:db8::7")
        );
    }

    #[test]
    fn networks_match_by_prefix() {
        let trusted: TrustedProxies = "10.0.0.0/8 fd00::/8 127.0.0.1".parse().unwrap();
        assert!(trusted.is_trusted(ip("10.200.3.4")));
        assert!(!trusted.is_trusted(ip("11.0.0.1")));
        assert!(trusted.is_trusted(ip("fd12::1")));
        assert!(trusted.is_trusted(ip("::ffff:127.0.0.1")));
        assert!(!trusted.is_trusted(ip("127.0.0.2")));
        let all: TrustedProxies = "0.0.0.0/0".parse().unwrap();
        assert!(all.is_trusted(ip("8.8.8.8")));
    }

    #[test]
    fn bad_settings_are_reported() {
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(
            ClientIp(ip("2001:db8:1:2:3::4")).bucket(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(ClientIp(ip("198.51.100.7")).bucket(), "198.51.100.7");
    }

    #[test]
    fn a_local_proxy_that_hides_visitors_is_noticed() {
        let local = ip("127.0.0.1");
        let none: TrustedProxies = "".parse().unwrap();
        let local_proxy: TrustedProxies = "127.0.0.1".parse().unwrap();
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(
            misconfigured_proxy(local, &proxied, &none).is_some(),
            "not trusted"
        );
        assert!(
            misconfigured_proxy(local, &proxied, &local_proxy).is_some(),
            "no XFF"
        );
        assert!(misconfigured_proxy(local, &xff("203.0.113.7"), &local_proxy).is_none());
        assert!(
            misconfigured_proxy(local, &HeaderMap::new(), &none).is_none(),
            "a local visitor"
        );
        assert!(misconfigured_proxy(ip("203.0.113.7"), &proxied, &none).is_none());
    }
}
