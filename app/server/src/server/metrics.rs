//! `GET /metrics` in Prometheus text format, for the province's monitoring.
//!
//! Counters and histograms are recorded where things happen with the
//! `metrics` macros (requests here, sign-in failures in `accounts`, the
//! SQLite write queue in `db`, reminder deliveries in `reminders`); gauges
//! that describe state (pool, content version, outbox depth) are read when
//! the page is asked for.
//!
//! Who may read it: deny by default. A request straight from an address in
//! `metrics_allow` (loopback by default), or one with `Authorization:
//! Bearer <HOCVU_METRICS_TOKEN>`. A request that came through a proxy is
//! judged by its real client (see `accounts::ssr::client_ip`), and one that
//! carries forwarding headers from a proxy that is not trusted is refused:
//! a reverse proxy on the same machine must not make the whole Internet
//! "loopback".

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{db::Db, lifecycle::InFlight};
use crate::{
    accounts::ssr::{client_ip::client_ip, TrustedProxies},
    content::ssr::ContentStore,
};

/// Latency buckets in seconds: the budgets are 20–100 ms at p99.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder (a `metrics` recorder can be installed once).
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .expect("non-empty buckets")
                .install_recorder()
                .expect("the only metrics recorder");
            // Histograms are folded into their buckets on a schedule, so
            // memory stays flat even if nobody scrapes.
            let upkeep = handle.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(5));
                loop {
                    tick.tick().await;
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}

/// Who may read `/metrics`.
#[derive(Clone, Debug)]
pub struct Access {
    /// Clients allowed without a token.
    pub allow: TrustedProxies,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// sha256 of the bearer token, if one is set.
    token_hash: Option<Vec<u8>>,
}

impl Access {
    pub fn new(
        allow: TrustedProxies,
        trusted_proxies: TrustedProxies,
        token: &SecretString,
    ) -> Self {
        let token = token.expose_secret().trim();
        Access {
            allow,
            trusted_proxies,
            token_hash: (!token.is_empty()).then(|| Sha256::digest(token.as_bytes()).to_vec()),
        }
    }

    fn allows(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        if let Some(expected) = &self.token_hash {
            let offered = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|t| Sha256::digest(t.trim().as_bytes()).to_vec());
            // Comparing digests: the time taken says nothing about the token.
            if offered.is_some_and(|o| o == *expected) {
                return true;
            }
        }
        let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
            .iter()
            .any(|h| headers.contains_key(*h));
        let peer_ip = peer.ip().to_canonical();
        if forwarded && !self.trusted_proxies.is_trusted(peer_ip) {
            return false;
        }
        let client = client_ip(peer_ip, headers, &self.trusted_proxies);
        self.allow.is_trusted(client.0)
    }
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    access: Arc<Access>,
    db: Db,
    content: Arc<ContentStore>,
    in_flight: InFlight,
}

/// The `/metrics` route, with its own state.
pub fn routes(
    handle: PrometheusHandle,
    access: Access,
    db: Db,
    content: Arc<ContentStore>,
    in_flight: InFlight,
) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            handle,
            access: Arc::new(access),
            db,
            content,
            in_flight,
        })
}

async fn scrape(
    State(s): State<Scrape>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !s.access.allows(peer, &headers) {
        tracing::warn!(%peer, "metrics refused");
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    let (open, idle, max) = s.db.pool_use();
    metrics::gauge!("hocvu_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("hocvu_db_pool_connections", "state" => "busy")
        .set(f64::from(open) - idle as f64);
    metrics::gauge!("hocvu_db_pool_max_connections").set(f64::from(max));
    metrics::gauge!("hocvu_http_requests_in_flight").set(s.in_flight.current() as f64);
    let content = s.content.current();
    metrics::gauge!("hocvu_content_version").set(content.version as f64);
    metrics::gauge!("hocvu_content_chapters").set(content.catalog.chapter_count() as f64);
    match tokio::time::timeout(
        Duration::from_secs(2),
        crate::reminders::ssr::outbox_depth(&s.db),
    )
    .await
    {
        Ok(Ok(depth)) => {
            for (status, count) in depth {
                metrics::gauge!("hocvu_reminders", "status" => status).set(count as f64);
            }
        }
        Ok(Err(err)) => tracing::warn!("metrics: reminder outbox: {err:#}"),
        Err(_) => tracing::warn!("metrics: reminder outbox query timed out"),
    }
    let mut response = s.handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Counts and times every request by route template (never the raw path:
/// one series per page kind, whatever people type) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_of(&request);
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics::counter!(
        "hocvu_http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "hocvu_http_request_duration_seconds",
        "method" => method,
        "route" => route.clone()
    )
    .record(started.elapsed().as_secs_f64());
    response
}

fn route_of(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        // A nested service (`/pkg`) reports axum's private tail parameter.
        Some(path) => match path.as_str().split_once("/{*__private__") {
            Some((prefix, _)) => format!("{prefix}/{{*path}}"),
            None => path.as_str().to_string(),
        },
        None => "unmatched".to_string(),
    }
}

/// Known methods by name, anything else as one label (no label per invented
/// method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
