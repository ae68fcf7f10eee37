//! Start-up: `Application::build` connects, migrates and binds; `run_until_stopped` serves.
//! Tests and the binary go through the same path, so port 0 works everywhere.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use axum::{
    middleware,
    routing::{get, post},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::{
    compression::{
        predicate::{DefaultPredicate, NotForContentType, Predicate},
        CompressionLayer, CompressionLevel,
    },
    limit::RequestBodyLimitLayer,
};

use super::{
    assets,
    config::Settings,
    csrf,
    db::Db,
    health,
    lifecycle::{self, InFlight, Lifecycle, StopTimes},
    metrics, preferences,
    state::{AppState, PublicUrl},
    telemetry,
};
use crate::{
    accounts::ssr::{guest_pass::PassKey, session, SessionConfig},
    content::ssr::{media::serve_media, ContentStore},
    site::{shell, App},
    web::{
        headers::{self},
        page_cache::{self, PageCache},
        server_fns,
    },
};

/// A bound, ready-to-serve Hocvu.
pub struct Application {
    listener: TcpListener,
    router: Router,
    lifecycle: Lifecycle,
    stop: StopTimes,
    header_timeout: std::time::Duration,
    db: Db,
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        settings.site_root = assets::find_site_root(&settings.site_root);
        super::http::raise_open_files_limit();
        crate::clock::set_local_offset_hours(settings.utc_offset_hours)?;
        refuse_database_inside_content(&settings)?;
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        tracing::info!(backend = %db.backend(), "database ready");
        let pass_key = PassKey::load(&db).await?;

        let content = ContentStore::new(&settings.content);
        crate::publishing::ssr::start(
            &db,
            &content,
            settings.content_source,
            std::time::Duration::from_millis(settings.content_poll_ms),
        )
        .await
        .context("cannot load the handbook")?;

        let hash_file = assets::find_hash_file();
        let leptos_options = LeptosOptions::builder()
            .output_name("hocvu")
            .site_root(settings.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(settings.addr)
            .env(leptos_config::Env::PROD)
            .hash_files(hash_file.is_some())
            // An absolute path: leptos joins it to the binary's folder, which
            // then yields this path unchanged.
            .hash_file(
                hash_file
                    .as_ref()
                    .and_then(|p| std::path::absolute(p).ok())
                    .map(|p| Arc::<str>::from(p.to_string_lossy()))
                    .unwrap_or_else(|| "hash.txt".into()),
            )
            .build();
        let lifecycle = Lifecycle::default();
        let classes = crate::classes::ssr::hub::Hub::new(db.backend(), &lifecycle);
        let state = AppState {
            leptos_options,
            db,
            assets: Arc::new(assets::asset_paths(hash_file.as_deref())),
            content,
            sessions: SessionConfig {
                secure_cookies: settings.secure_cookies,
                user_idle: settings.session_idle_secs,
                user_absolute: settings.session_max_secs,
                guest_idle: settings.guest_session_idle_secs,
            },
            trusted_proxies: settings.trusted_proxies.clone(),
            public_url: PublicUrl::new(&settings.public_url),
            pass_key,
            classes,
            shell,
        };
        {
            // Progress kept before course status existed: caught up quietly.
            let (db, content) = (state.db.clone(), state.content.clone());
            tokio::spawn(async move {
                match crate::progress::ssr::backfill_course_status(&db, &content.catalog()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(learners = n, "course status filled in"),
                    Err(err) => tracing::error!("filling in course status: {err:#}"),
                }
            });
        }
        state.classes.start(&state.db);
        crate::reminders::ssr::start_worker(&state.db, &settings.reminders, &lifecycle)?;
        super::housekeeping::start(
            &state,
            std::time::Duration::from_secs(settings.housekeeping_secs.max(1)),
            &lifecycle,
        );
        let public_url = state.public_url.clone();
        let db = state.db.clone();
        let router = router(state, &settings, &lifecycle);
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        public_url.listen_on(listener.local_addr()?);
        if settings.public_url.trim().is_empty() {
            tracing::warn!(
                "public_url is not set: certificates print no QR code and reminders are \
                 refused unless the site is reached at its listening address"
            );
        }
        Ok(Application {
            listener,
            router,
            lifecycle,
            stop: StopTimes {
                drain: std::time::Duration::from_secs(settings.shutdown_drain_secs),
                grace: std::time::Duration::from_secs(settings.shutdown_grace_secs),
            },
            header_timeout: std::time::Duration::from_secs(settings.header_timeout_secs.max(1)),
            db,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Serves until Ctrl-C or SIGTERM. Then: `/readyz` turns 503 while the
    /// server still accepts for `shutdown_drain_secs` (a load balancer
    /// notices), it stops accepting, requests in flight get up to
    /// `shutdown_grace_secs` to finish, and the database is closed cleanly.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let addr = self.local_addr();
        tracing::info!(%addr, "listening");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = super::http::serve(
            self.listener,
            self.router,
            self.header_timeout,
            async move {
                let _ = stop_rx.await;
            },
        );
        let mut server = tokio::spawn(server);
        let stop_signal = lifecycle::shutdown_signal();
        self.lifecycle.serving();
        // Machine-readable line on stdout: tests and scripts wait for it.
        println!("hocvu listening on http://{addr}");
        tokio::select! {
            ended = &mut server => {
                return ended.context("server task");
            }
            _ = stop_signal => {}
        }
        self.lifecycle.draining();
        tracing::info!(
            drain_secs = self.stop.drain.as_secs(),
            grace_secs = self.stop.grace.as_secs(),
            "stopping: not ready any more"
        );
        tokio::time::sleep(self.stop.drain).await;
        let _ = stop_tx.send(());
        match tokio::time::timeout(self.stop.grace, &mut server).await {
            Ok(ended) => ended.context("server task")?,
            Err(_) => {
                server.abort();
                tracing::warn!("requests still running after the grace period were cut off");
            }
        }
        // Every acknowledged write is committed already; closing lets SQLite
        // fold its WAL back into the file.
        if tokio::time::timeout(std::time::Duration::from_secs(5), self.db.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy at exit");
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every route of the site, with the layers that apply to all of them.
fn router(state: AppState, settings: &Settings, lifecycle: &Lifecycle) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || state.provide_page_context()
    };
    let pages = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/lang", post(preferences::set_language))
        .route("/text-size", post(preferences::set_text_size))
        .route(headers::CSP_REPORT_PATH, post(headers::csp_report))
        .route("/media/{course}/{*path}", get(serve_media))
        .merge(crate::accounts::ssr::handlers::routes())
        .merge(crate::quiz::ssr::routes())
        .route(
            "/courses/{course}/{chapter}/read",
            post(crate::progress::ssr::mark_read),
        )
        .merge(crate::orgs::ssr::routes())
        .merge(crate::assignments::ssr::routes())
        .merge(crate::reports::ssr::routes())
        .merge(crate::certificates::ssr::routes())
        .merge(crate::offline::ssr::routes())
        .merge(crate::classes::ssr::routes())
        .route(
            crate::ui::read_aloud::SCRIPT.path,
            crate::ui::read_aloud::SCRIPT.route(),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .layer(RequestBodyLimitLayer::new(settings.body_limit))
        // CSV uploads get their own, larger limit.
        .merge(crate::orgs::ssr::upload_routes(settings.upload_limit))
        .merge(crate::publishing::ssr::routes(
            settings.content_upload_limit,
        ))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .with_state(state.clone())
        .layer(middleware::from_fn(server_fns::bad_arguments_are_400))
        // Who is asking matters to pages and forms, not to hashed assets:
        // /pkg is merged below, outside this layer, so it costs no query.
        .layer(middleware::from_fn_with_state(
            (state.db.clone(), state.sessions),
            session::identify,
        ));
    let in_flight = InFlight::new(settings.max_in_flight);
    let ops = Router::new()
        .route("/readyz", get(lifecycle::readyz))
        .with_state((lifecycle.clone(), state.db.clone()))
        .merge(metrics::routes(
            metrics::install(),
            metrics::Access::new(
                settings.metrics_allow.clone(),
                settings.trusted_proxies.clone(),
                &settings.metrics_token,
            ),
            state.db.clone(),
            state.content.clone(),
            in_flight.clone(),
        ));
    let app = Router::new()
        .merge(assets::pkg_routes(&settings.site_root))
        .merge(ops)
        .merge(pages)
        .layer(middleware::from_fn_with_state(
            csrf::Expected::new(&settings.public_url, settings.secure_cookies),
            csrf::reject_cross_site,
        ))
        // Error answers (this one's included) in the reader's language.
        .layer(middleware::from_fn(crate::web::in_reader_language))
        .layer(middleware::from_fn_with_state(
            settings.secure_cookies,
            headers::security_headers,
        ))
        .layer(middleware::from_fn(page_cache::revalidate))
        // Only pages rendered for one person get here (shared pages are
        // compressed once, at 11, by the page cache): brotli 1 keeps most of
        // the size win; quality 4 took about 40% of such a page's time.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(1))
                // Recordings are already compressed and are fetched in
                // ranges; a zip is compressed too.
                .compress_when(
                    DefaultPredicate::new()
                        .and(NotForContentType::const_new("audio/"))
                        .and(NotForContentType::const_new("application/zip")),
                ),
        )
        // Outermost: an anonymous page it holds costs no rendering,
        // compression or header work at all.
        .layer(middleware::from_fn_with_state(
            page_cache::Shared {
                cache: PageCache::default(),
                content: state.content.clone(),
                db: state.db.clone(),
                sessions: state.sessions,
                known_scripts: page_cache::KnownScripts::of(
                    &crate::ui::islands::framework_scripts_html(&state.leptos_options),
                ),
            },
            page_cache::serve,
        ))
        // Past `max_in_flight`, a quick 503 (probes exempt); every answer,
        // shed or not, is counted by route template.
        .layer(middleware::from_fn_with_state(
            in_flight,
            lifecycle::shed_load,
        ))
        .layer(middleware::from_fn(metrics::track));
    telemetry::layers(app)
}

/// The content watcher reloads on changes in the content folder: a
/// database written there would reload the handbook on every write, and a
/// trainer's upload could reach it. Refuse to start, saying why.
fn refuse_database_inside_content(settings: &Settings) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let url = settings.database_url.expose_secret();
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(());
    };
    let path = rest
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let absolute = |p: &std::path::Path| {
        std::path::absolute(p)
            .map(|a| std::fs::canonicalize(&a).unwrap_or(a))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let content = absolute(&settings.content);
    let database = std::path::Path::new(path);
    let folder = absolute(database.parent().unwrap_or(std::path::Path::new(".")));
    anyhow::ensure!(
        !folder.starts_with(&content),
        "the database {} lies inside the content folder {}: move it out (for example \
         --database-url sqlite:data/hocvu.db), so that writing to it does not reload the \
         handbook and no upload can reach it",
        database.display(),
        content.display()
    );
    Ok(())
}
