//! Telling phones that their class moved on. Every change to a class is
//! committed to the database first; then a small signal (its `seq` and
//! counts) goes to every connection following that class, on every app
//! server: through PostgreSQL's LISTEN/NOTIFY, sent inside the change's own
//! transaction (so it is heard only if the change holds); on SQLite (one
//! server) straight from memory after the commit. A phone that reconnects
//! gets the current signal at once, and a slow poll of the classes someone
//! follows here covers notifications lost while a connection was down.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::response::sse::{Event, KeepAlive};
use futures_util::stream::Stream;
use tokio::sync::broadcast;

pub use super::store::Signal;

use crate::server::{
    db::{Backend, Db, WriteTx},
    lifecycle::Lifecycle,
};

/// The PostgreSQL channel class signals travel on.
const CHANNEL: &str = "hocvu_classes";
/// How often the classes followed on this server are read again, in case a
/// notification was lost (the listener's connection dropped).
const SAFETY_POLL: Duration = Duration::from_secs(15);
/// Comment lines that keep an idle stream open through proxies: a few bytes
/// every 25 s, nothing else between steps.
const KEEP_ALIVE: Duration = Duration::from_secs(25);

/// The classes followed on this server, each with its broadcast channel.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    lifecycle: Lifecycle,
    channels: Mutex<HashMap<String, (broadcast::Sender<Signal>, Signal)>>,
}

impl Hub {
    pub fn new(backend: Backend, lifecycle: &Lifecycle) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                backend,
                lifecycle: lifecycle.clone(),
                channels: Mutex::default(),
            }),
        }
    }

    fn channels(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (broadcast::Sender<Signal>, Signal)>> {
        self.inner
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits `tx` (a change to class `class_id`) and tells every server.
    pub async fn commit_and_tell(
        &self,
        mut tx: WriteTx,
        class_id: &str,
        signal: Signal,
    ) -> anyhow::Result<()> {
        match self.inner.backend {
            Backend::Postgres => {
                let payload = format!("{class_id} {}", serde_json::to_string(&signal)?);
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Backend::Sqlite => {
                tx.commit().await?;
                self.deliver(class_id, signal);
            }
        }
        Ok(())
    }

    /// Passes `signal` to this server's followers of `class_id`, unless they
    /// have it already (a notification and the poll may both bring it).
    fn deliver(&self, class_id: &str, signal: Signal) {
        let mut channels = self.channels();
        let Some((sender, last)) = channels.get_mut(class_id) else {
            return;
        };
        if *last == signal || (last.seq > signal.seq) {
            return;
        }
        *last = signal;
        if sender.send(signal).is_err() {
            channels.remove(class_id);
        }
    }

    /// Follows `class_id`: the receiver hears every later signal.
    pub fn follow(&self, class_id: &str, current: Signal) -> broadcast::Receiver<Signal> {
        let mut channels = self.channels();
        let entry = channels
            .entry(class_id.to_string())
            .or_insert_with(|| (broadcast::channel(16).0, current));
        if entry.1.seq < current.seq {
            entry.1 = current;
        }
        entry.0.subscribe()
    }

    /// Number of connections following classes here (metrics, budget).
    pub fn followers(&self) -> usize {
        self.channels()
            .values()
            .map(|(sender, _)| sender.receiver_count())
            .sum()
    }

    /// Starts the listener (PostgreSQL) and the safety poll, until shutdown.
    pub fn start(&self, db: &Db) {
        let lifecycle = &self.inner.lifecycle;
        if self.inner.backend == Backend::Postgres {
            let (hub, db, lifecycle) = (self.clone(), db.clone(), lifecycle.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = lifecycle.stopped() => {}
                    _ = hub.listen(&db) => {}
                }
            });
        }
        let (hub, db, lifecycle) = (self.clone(), db.clone(), lifecycle.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = lifecycle.stopped() => break,
                    _ = tokio::time::sleep(SAFETY_POLL) => {}
                }
                if let Err(err) = hub.poll(&db).await {
                    tracing::warn!("re-reading followed classes: {err:#}");
                }
            }
        });
    }

    /// Hears notifications for ever, reconnecting after a lost connection.
    async fn listen(&self, db: &Db) {
        loop {
            match db.listener(CHANNEL).await {
                Ok(Some(mut listener)) => loop {
                    match listener.recv().await {
                        Ok(note) => {
                            if let Some((id, signal)) = parse(note.payload()) {
                                self.deliver(id, signal);
                            }
                        }
                        Err(err) => {
                            tracing::warn!("class notifications interrupted: {err:#}");
                            break;
                        }
                    }
                },
                Ok(None) => return,
                Err(err) => tracing::warn!("cannot hear class notifications: {err:#}"),
            }
            // Whatever was missed meanwhile comes with the poll.
            let _ = self.poll(db).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Reads again every class followed here and passes on what changed;
    /// forgets classes nobody follows any more.
    async fn poll(&self, db: &Db) -> anyhow::Result<()> {
        let ids: Vec<String> = {
            let mut channels = self.channels();
            channels.retain(|_, (sender, _)| sender.receiver_count() > 0);
            channels.keys().cloned().collect()
        };
        for id in ids {
            if let Some(signal) = super::store::signal(db, &id).await? {
                self.deliver(&id, signal);
            }
        }
        Ok(())
    }
}

fn parse(payload: &str) -> Option<(&str, Signal)> {
    let (id, json) = payload.split_once(' ')?;
    Some((id, serde_json::from_str(json).ok()?))
}

/// The stream a phone or the projector holds open: the current signal at
/// once (a reconnecting phone catches up), then every change, until the
/// class ends or the server stops.
pub fn stream(
    hub: &Hub,
    receiver: broadcast::Receiver<Signal>,
    current: Signal,
) -> axum::response::Sse<impl Stream<Item = Result<Event, Infallible>>> {
    struct Following {
        receiver: broadcast::Receiver<Signal>,
        first: Option<Signal>,
        done: bool,
        lifecycle: Lifecycle,
    }
    let start = Following {
        receiver,
        first: Some(current),
        done: false,
        lifecycle: hub.inner.lifecycle.clone(),
    };
    let events = futures_util::stream::unfold(start, |mut f| async move {
        if f.done {
            return None;
        }
        let signal = match f.first.take() {
            Some(first) => first,
            None => loop {
                tokio::select! {
                    _ = f.lifecycle.stopped() => return None,
                    next = f.receiver.recv() => match next {
                        Ok(signal) => break signal,
                        // Fell behind: only the latest matters, and it comes next.
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                }
            },
        };
        f.done = signal.ended;
        let event = Event::default()
            .event("class")
            .json_data(signal)
            .unwrap_or_else(|_| Event::default().comment("?"));
        Some((Ok(event), f))
    });
    axum::response::Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("k"))
}
