//! Starting, serving, draining: `/readyz` for load balancers, the stop on
//! SIGTERM, and the shedding of requests past `max_in_flight`.
//!
//! `/healthz` answers "is this process alive and its database there";
//! `/readyz` answers "send me traffic": 503 until the server serves, and
//! again from the moment it is asked to stop, so a load balancer takes it
//! out of rotation while the requests it already has finish.

use std::{
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use http_body_util::BodyExt;
use serde::Serialize;
use tokio::sync::{watch, Semaphore};

use super::db::Db;

const STARTING: u8 = 0;
const SERVING: u8 = 1;
const DRAINING: u8 = 2;

/// Where the server is in its life, shared by `/readyz`, the shutdown and
/// background workers (which stop when it drains).
#[derive(Clone)]
pub struct Lifecycle {
    phase: Arc<AtomicU8>,
    stopping: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            phase: Arc::new(AtomicU8::new(STARTING)),
            stopping: watch::Sender::new(false),
        }
    }
}

impl Lifecycle {
    pub fn serving(&self) {
        self.phase.store(SERVING, Ordering::Release);
    }

    /// From now on `/readyz` is 503 and workers finish what they hold.
    pub fn draining(&self) {
        self.phase.store(DRAINING, Ordering::Release);
        self.stopping.send_replace(true);
    }

    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    fn phase(&self) -> &'static str {
        match self.phase.load(Ordering::Acquire) {
            STARTING => "starting",
            SERVING => "serving",
            _ => "draining",
        }
    }

    /// Resolves once the server begins to stop (at once if it has).
    pub async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }
}

#[derive(Serialize)]
pub struct Readiness {
    status: &'static str,
    database: &'static str,
}

/// `GET /readyz`: 200 only while serving with a database that answers.
pub async fn readyz(
    State((lifecycle, db)): State<(Lifecycle, Db)>,
) -> (StatusCode, Json<Readiness>) {
    let phase = lifecycle.phase();
    if phase != "serving" {
        let body = Readiness {
            status: phase,
            database: "unchecked",
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    if db.is_reachable().await {
        let body = Readiness {
            status: "ready",
            database: "ok",
        };
        (StatusCode::OK, Json(body))
    } else {
        let body = Readiness {
            status: "unavailable",
            database: "unreachable",
        };
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    }
}

/// At most `max_in_flight` requests are being handled; the next one is
/// answered 503 at once with `Retry-After`, so latency stays bounded and a
/// load balancer or the browser tries again, instead of every request
/// queueing behind the ones already late.
#[derive(Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl InFlight {
    pub fn new(limit: usize) -> InFlight {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        InFlight {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// Requests being handled now.
    pub fn current(&self) -> usize {
        self.limit - self.permits.available_permits()
    }
}

/// Probes and metrics are never shed: an overloaded server must still say so.
/// Probes, and the class streams phones hold open between steps: an idle
/// stream is no work in flight, and thousands of them must not shed pages.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || crate::web::links::is_class_stream(path)
}

pub async fn shed_load(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let Ok(permit) = in_flight.permits.clone().try_acquire_owned() else {
        metrics::counter!("hocvu_requests_shed_total").increment(1);
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "Hệ thống đang quá tải, vui lòng thử lại sau giây lát. \
             / The server is busy, please try again in a moment.\n",
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    };
    let response = next.run(request).await;
    // Held until the body is sent too, so slow readers count as in flight.
    response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _held = &permit;
            frame
        }))
    })
}

/// Resolves on Ctrl-C or SIGTERM. The SIGTERM handler is installed when
/// this is called, not when first polled, so a stop that comes right after
/// start-up is never the default (abrupt) one.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut sig) => {
                    sig.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = terminate => {},
        }
    }
}

/// How the server stops: how long it keeps accepting while `/readyz` says
/// 503 (for the load balancer to notice), then how long requests in flight
/// may take to finish.
#[derive(Clone, Copy, Debug)]
pub struct StopTimes {
    pub drain: Duration,
    pub grace: Duration,
}
