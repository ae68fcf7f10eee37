//! The HTTP server: accepts connections and serves each with hyper's
//! HTTP/1, with a header-read timeout, until asked to stop.
//!
//! `axum::serve` gives hyper no timer, so a connection that sends half a
//! request line (or nothing, between requests) was kept forever: 1,100 such
//! sockets used up the 1,024 files of a default systemd unit and the server
//! accepted nothing more. Here every connection must send its request's
//! headers within `header_timeout` of being ready for one, which also ends
//! an idle keep-alive connection after that long.

use std::time::Duration;

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `router` on `listener` until `stop` resolves; then stops
/// accepting, lets each connection finish the request it is serving (idle
/// ones close at once), and returns when all are done.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(err).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        // The peer address, for per-address throttling (`ClientIp`).
        let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, "connection ended: {err}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Accepting can fail for a moment (the process is out of file
/// descriptors, the peer gave up before we took it): wait a little rather
/// than spin, as `axum::serve` does.
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!("accepting a connection: {err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The soft limit of open files raised to the hard limit (systemd's default
/// soft limit is 1,024; each connection is one file). Logged either way.
pub fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(open_files = limit, "open files limit"),
        Err(err) => tracing::warn!("cannot raise the open files limit: {err}"),
    }
}
