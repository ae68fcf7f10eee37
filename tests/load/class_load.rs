//! `class-load`: the measured part of issue 23 (classes) against a running
//! server, over plain HTTP/1.1 on tokio sockets (no browser, no HTTP crate:
//! every byte on the wire is counted).
//!
//! 1. signs the leaders in and starts `--classes` classes on a course
//!    (plus one more, kept for the join burst);
//! 2. joins `--phones` guests per class (POST then GET /join/<CODE>, each
//!    from its own X-Forwarded-For address), then opens every phone's
//!    event stream and keeps it open; reads the server's RSS before and
//!    after the streams are open;
//! 3. a quiet period: bytes each stream receives with no step change;
//! 4. 60 phones join one class at the same instant (budget: all within 10 s),
//!    each from its own address; then 60 more on another class behind one
//!    address (a commune hall's Wi-Fi);
//! 5. steady load: each leader presses "next" at random times (about once
//!    every `--period` s) for `--duration` s; then every leader presses at
//!    the same instant once (burst). Per phone: time from sending the POST
//!    to the event with the new seq, and to having fetched GET /join/<CODE>
//!    after it (what the phone does to show the step).
//!
//! Prints a table, then one `RESULT {json}` line for `.ci/budget.py`.
//!
//! ```text
//! class-load --addr 127.0.0.1:PORT [--phone-addr 127.0.0.1:PORT2] [--pid PID]
//!            --leader LOGIN:PASSWORD [--leader ...] [--course SLUG]
//!            [--classes 124] [--phones 40] [--period 20] [--duration 60]
//!            [--quiet 30] [--join-burst 60] [--concurrency 100]
//! ```

use std::{
    collections::HashMap,
    io::{self, Read},
    net::{SocketAddr, ToSocketAddrs},
    pin::Pin,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf},
    net::TcpStream,
    sync::{watch, Barrier, Notify, Semaphore},
    time::{sleep, sleep_until, timeout},
};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const ONE_SECOND: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------- options

struct Options {
    addr: SocketAddr,
    phone_addr: SocketAddr,
    pid: Option<u32>,
    leaders: Vec<(String, String)>,
    course: Option<String>,
    classes: usize,
    phones: usize,
    period: f64,
    duration: f64,
    quiet: f64,
    join_burst: usize,
    concurrency: usize,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        addr: "127.0.0.1:3000".parse().unwrap(),
        phone_addr: "0.0.0.0:0".parse().unwrap(),
        pid: None,
        leaders: vec![],
        course: None,
        classes: 124,
        phones: 40,
        period: 20.0,
        duration: 60.0,
        quiet: 30.0,
        join_burst: 60,
        concurrency: 100,
    };
    let resolve = |s: String| -> SocketAddr {
        s.to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .unwrap_or_else(|| usage(&format!("bad address {s}")))
    };
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--addr" => o.addr = resolve(value()),
            "--phone-addr" => o.phone_addr = resolve(value()),
            "--pid" => o.pid = Some(value().parse().unwrap_or_else(|_| usage("bad --pid"))),
            "--leader" => {
                let v = value();
                let (login, password) = v
                    .split_once(':')
                    .unwrap_or_else(|| usage("--leader LOGIN:PASSWORD"));
                o.leaders.push((login.to_string(), password.to_string()));
            }
            "--course" => o.course = Some(value()),
            "--classes" => o.classes = number(value()),
            "--phones" => o.phones = number(value()),
            "--period" => o.period = number(value()),
            "--duration" => o.duration = number(value()),
            "--quiet" => o.quiet = number(value()),
            "--join-burst" => o.join_burst = number(value()),
            "--concurrency" => o.concurrency = number(value()),
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if o.phone_addr.port() == 0 {
        o.phone_addr = o.addr;
    }
    if o.leaders.is_empty() {
        usage("at least one --leader LOGIN:PASSWORD");
    }
    o
}

fn number<T: std::str::FromStr>(s: String) -> T {
    s.parse()
        .unwrap_or_else(|_| usage(&format!("not a number: {s}")))
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nclass-load --addr HOST:PORT [--phone-addr HOST:PORT] [--pid PID] --leader LOGIN:PASSWORD... \
         [--course SLUG] [--classes 124] [--phones 40] [--period 20] [--duration 60] [--quiet 30] \
         [--join-burst 60] [--concurrency 100]"
    );
    std::process::exit(2)
}

/// Soft open-file limit up to the hard one: ~5,000 phones hold two sockets each.
fn raise_fd_limit() -> u64 {
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
        lim.rlim_cur
    }
}

// ---------------------------------------------------------------- HTTP/1.1

/// A socket that counts the bytes read from it.
struct Counted {
    inner: TcpStream,
    read: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.read
                .fetch_add((buf.filled().len() - before) as u64, Relaxed);
        }
        poll
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

type Conn = BufReader<Counted>;

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed")
}

async fn connect(addr: SocketAddr, counter: Arc<AtomicU64>) -> io::Result<Conn> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(BufReader::with_capacity(
        4096,
        Counted {
            inner: stream,
            read: counter,
        },
    ))
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    fn session(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| {
                let c = v.split(';').next()?.trim();
                (c.starts_with("hocvu_session=") && c.len() > "hocvu_session=".len())
                    .then(|| c.to_string())
            })
    }

    /// The body as text, brotli-decoded when it came so.
    fn text(&self) -> String {
        if self
            .header("content-encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("br"))
        {
            let mut out = Vec::new();
            let _ =
                brotli_decompressor::Decompressor::new(&self.body[..], 4096).read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

async fn read_head(conn: &mut Conn) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    if conn.read_line(&mut line).await? == 0 {
        return Err(closed());
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            return Err(closed());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok((status, headers))
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    header(headers, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// One chunk of a chunked body; `None` at its end.
async fn read_chunk(conn: &mut Conn) -> io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    if conn.read_line(&mut line).await? == 0 {
        return Err(closed());
    }
    let size = line.trim().split(';').next().unwrap_or("").trim();
    let size = usize::from_str_radix(size, 16).map_err(|_| bad("chunk size"))?;
    if size == 0 {
        loop {
            line.clear();
            if conn.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                return Ok(None);
            }
        }
    }
    let mut data = vec![0; size];
    conn.read_exact(&mut data).await?;
    let mut crlf = [0u8; 2];
    conn.read_exact(&mut crlf).await?;
    Ok(Some(data))
}

async fn exchange(conn: &mut Conn, request: &[u8], head: bool) -> io::Result<Resp> {
    conn.get_mut().write_all(request).await?;
    let (status, headers) = read_head(conn).await?;
    let mut close = header(&headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = Vec::new();
    if head || status == 204 || status == 304 || (100..200).contains(&status) {
    } else if is_chunked(&headers) {
        while let Some(chunk) = read_chunk(conn).await? {
            body.extend_from_slice(&chunk);
        }
    } else if let Some(n) = header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok())
    {
        body.resize(n, 0);
        conn.read_exact(&mut body).await?;
    } else {
        conn.read_to_end(&mut body).await?;
        close = true;
    }
    Ok(Resp {
        status,
        headers,
        body,
        close,
    })
}

/// One keep-alive HTTP/1.1 connection (reopened when the server closed it).
struct Client {
    addr: SocketAddr,
    conn: Option<Conn>,
    counter: Arc<AtomicU64>,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            conn: None,
            counter: Arc::new(AtomicU64::new(0)),
        }
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> io::Result<Resp> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        match body {
            Some(b) => req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            )),
            None => req.push_str("\r\n"),
        }
        let once = async {
            for attempt in 0..2 {
                let reused = self.conn.is_some();
                let mut conn = match self.conn.take() {
                    Some(c) => c,
                    None => connect(self.addr, self.counter.clone()).await?,
                };
                match exchange(&mut conn, req.as_bytes(), method == "HEAD").await {
                    Ok(resp) => {
                        if !resp.close {
                            self.conn = Some(conn);
                        }
                        return Ok(resp);
                    }
                    // A kept connection the server had closed: once more on a new one.
                    Err(_) if reused && attempt == 0 => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(closed())
        };
        match timeout(REQUEST_TIMEOUT, once).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "request timed out")),
        }
    }
}

// ---------------------------------------------------------------- server-sent events

struct Event {
    name: String,
    data: String,
}

struct EventStream {
    conn: Conn,
    chunked: bool,
    buf: Vec<u8>,
}

impl EventStream {
    async fn open(
        addr: SocketAddr,
        path: &str,
        cookie: &str,
        counter: Arc<AtomicU64>,
    ) -> io::Result<(u16, Option<EventStream>, String)> {
        let mut conn = connect(addr, counter).await?;
        // What Chromium's EventSource sends.
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\
             Accept-Encoding: gzip, deflate, br\r\nCookie: {cookie}\r\n\r\n"
        );
        conn.get_mut().write_all(req.as_bytes()).await?;
        let (status, headers) = read_head(&mut conn).await?;
        let encoding = header(&headers, "content-encoding")
            .unwrap_or("")
            .to_string();
        let kind = header(&headers, "content-type").unwrap_or("").to_string();
        if status != 200 || !encoding.is_empty() || !kind.starts_with("text/event-stream") {
            let detail = format!("{status} {kind} {encoding}");
            return Ok((status, None, detail));
        }
        let chunked = is_chunked(&headers);
        Ok((
            status,
            Some(EventStream {
                conn,
                chunked,
                buf: Vec::new(),
            }),
            String::new(),
        ))
    }

    /// The next event (comments such as keep-alives are skipped); `None` at the end.
    async fn next(&mut self) -> io::Result<Option<Event>> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let block = String::from_utf8_lossy(&block);
                let mut event = Event {
                    name: "message".into(),
                    data: String::new(),
                };
                let mut has_data = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        if has_data {
                            event.data.push('\n');
                        }
                        event.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                        has_data = true;
                    }
                }
                if has_data {
                    return Ok(Some(event));
                }
                continue;
            }
            let more = if self.chunked {
                match read_chunk(&mut self.conn).await? {
                    Some(c) => c,
                    None => return Ok(None),
                }
            } else {
                let mut b = vec![0; 4096];
                let n = self.conn.read(&mut b).await?;
                if n == 0 {
                    return Ok(None);
                }
                b.truncate(n);
                b
            };
            self.buf.extend(more.into_iter().filter(|&b| b != b'\r'));
        }
    }
}

// ---------------------------------------------------------------- shared state

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Steady,
    Burst,
}

/// One leader's press: when it was sent, and when each phone had it.
struct Record {
    phase: Phase,
    class: usize,
    sent: Instant,
    post: Option<Duration>,
    events: Vec<Duration>,
    pages: Vec<Duration>,
    skipped: bool,
}

struct Class {
    id: String,
    code: String,
    phones: AtomicUsize,
}

#[derive(Default)]
struct Counters {
    stream_opened: AtomicUsize,
    stream_refused: AtomicUsize,
    stream_drops: AtomicUsize,
    stream_reconnects: AtomicUsize,
    fetch_errors: AtomicUsize,
    fetch_stale: AtomicUsize,
    fetch_shed: AtomicUsize,
    press_errors: AtomicUsize,
    control_page_errors: AtomicUsize,
}

struct Shared {
    phone_addr: SocketAddr,
    records: Mutex<HashMap<(usize, u64), Record>>,
    counters: Counters,
    opened: Notify,
    problems: Mutex<Vec<String>>,
    started: Instant,
}

impl Shared {
    fn problem(&self, what: String) {
        let mut p = self.problems.lock().unwrap();
        if p.len() < 2000 {
            p.push(format!(
                "[{:.1}s] {what}",
                self.started.elapsed().as_secs_f64()
            ));
        }
    }

    fn log(&self, what: &str) {
        eprintln!("[{:7.1}s] {what}", self.started.elapsed().as_secs_f64());
    }
}

/// `data-seq` on the element with id="class-step" (or the first `data-seq` when
/// `element` is None).
fn data_attr(html: &str, element: Option<&str>, attr: &str) -> Option<String> {
    let from = match element {
        Some(id) => {
            let at = html.find(&format!("id=\"{id}\""))?;
            html[..at].rfind('<')?
        }
        None => 0,
    };
    let tag_end = match element {
        Some(_) => from + html[from..].find('>')?,
        None => html.len(),
    };
    let needle = format!("{attr}=\"");
    let start = from + html[from..tag_end].find(&needle)? + needle.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// The step a class page shows: `data-seq` on #class-step (the protocol
/// note), else on #class-live (what the phone script swaps), else the first.
fn page_seq(html: &str) -> Option<u64> {
    data_attr(html, Some("class-step"), "data-seq")
        .or_else(|| data_attr(html, Some("class-live"), "data-seq"))
        .or_else(|| data_attr(html, None, "data-seq"))
        .and_then(|s| s.parse().ok())
}

struct Phone {
    n: usize,
    class: usize,
    code: String,
    xff: String,
    cookie: String,
    seq: u64,
    bytes: Arc<AtomicU64>,
    events: Arc<AtomicU64>,
}

fn xff(n: usize, net: u8) -> String {
    let n = n + 1;
    format!("10.{net}.{}.{}", (n >> 8) & 255, n & 255)
}

/// POST /join/<CODE> then GET it (the 303), as a phone that scanned the QR.
async fn join(client: &mut Client, code: &str, xff: &str) -> Result<(String, u64), String> {
    let origin = client.origin();
    let path = format!("/join/{code}");
    let r = client
        .send(
            "POST",
            &path,
            &[
                ("Origin", &origin),
                ("X-Forwarded-For", xff),
                ("Accept-Encoding", "gzip, deflate, br"),
            ],
            Some("name="),
        )
        .await
        .map_err(|e| format!("POST {path}: {e}"))?;
    if r.status != 303 {
        return Err(format!(
            "POST {path}: {} {}",
            r.status,
            r.text().chars().take(200).collect::<String>()
        ));
    }
    let cookie = r
        .session()
        .ok_or_else(|| format!("POST {path}: no session cookie"))?;
    let r = client
        .send(
            "GET",
            &path,
            &[
                ("Cookie", &cookie),
                ("X-Forwarded-For", xff),
                ("Accept-Encoding", "gzip, deflate, br"),
            ],
            None,
        )
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    if r.status != 200 {
        return Err(format!("GET {path}: {}", r.status));
    }
    let seq = page_seq(&r.text()).ok_or_else(|| format!("GET {path}: no data-seq"))?;
    Ok((cookie, seq))
}

/// The phone's event stream, reopened like EventSource does when it drops.
async fn stream_task(
    shared: Arc<Shared>,
    phone: Arc<Phone>,
    seq_tx: watch::Sender<u64>,
    mut permit: Option<tokio::sync::OwnedSemaphorePermit>,
) {
    let path = format!("/join/{}/events", phone.code);
    let mut last = phone.seq;
    let mut first = true;
    loop {
        let opened = timeout(
            REQUEST_TIMEOUT,
            EventStream::open(shared.phone_addr, &path, &phone.cookie, phone.bytes.clone()),
        )
        .await;
        let mut stream = match opened {
            Ok(Ok((_, Some(s), _))) => s,
            Ok(Ok((status, None, detail))) => {
                shared.counters.stream_refused.fetch_add(1, Relaxed);
                shared.problem(format!(
                    "phone {} GET {path}: {detail} (status {status})",
                    phone.n
                ));
                sleep(Duration::from_secs(3)).await;
                continue;
            }
            Ok(Err(e)) => {
                shared.counters.stream_refused.fetch_add(1, Relaxed);
                shared.problem(format!("phone {} GET {path}: {e}", phone.n));
                sleep(Duration::from_secs(3)).await;
                continue;
            }
            Err(_) => {
                shared.counters.stream_refused.fetch_add(1, Relaxed);
                shared.problem(format!("phone {} GET {path}: no answer in 30 s", phone.n));
                continue;
            }
        };
        if !first {
            shared.counters.stream_reconnects.fetch_add(1, Relaxed);
        }
        loop {
            match stream.next().await {
                Ok(Some(event)) => {
                    let now = Instant::now();
                    phone.events.fetch_add(1, Relaxed);
                    let Some(seq) = serde_json::from_str::<serde_json::Value>(&event.data)
                        .ok()
                        .and_then(|v| v.get("seq").and_then(|s| s.as_u64()))
                    else {
                        shared.problem(format!(
                            "phone {}: event {} without seq: {}",
                            phone.n, event.name, event.data
                        ));
                        continue;
                    };
                    if event.name != "class" {
                        shared.problem(format!(
                            "phone {}: seq in an event named {:?}, not \"class\"",
                            phone.n, event.name
                        ));
                    }
                    if first {
                        first = false;
                        permit.take();
                        shared.counters.stream_opened.fetch_add(1, Relaxed);
                        shared.opened.notify_one();
                    }
                    if seq > last {
                        let mut records = shared.records.lock().unwrap();
                        for k in last + 1..=seq {
                            if let Some(r) = records.get_mut(&(phone.class, k)) {
                                r.events.push(now - r.sent);
                            }
                        }
                        drop(records);
                        last = seq;
                        let _ = seq_tx.send(seq);
                    }
                }
                Ok(None) => {
                    shared.counters.stream_drops.fetch_add(1, Relaxed);
                    shared.problem(format!(
                        "phone {}: event stream ended by the server",
                        phone.n
                    ));
                    break;
                }
                Err(e) => {
                    shared.counters.stream_drops.fetch_add(1, Relaxed);
                    shared.problem(format!("phone {}: event stream: {e}", phone.n));
                    break;
                }
            }
        }
        sleep(ONE_SECOND).await;
    }
}

/// After each new seq the phone fetches GET /join/<CODE> to show the step.
async fn fetch_task(
    shared: Arc<Shared>,
    phone: Arc<Phone>,
    mut client: Client,
    mut seq_rx: watch::Receiver<u64>,
) {
    let path = format!("/join/{}", phone.code);
    let mut shown = phone.seq;
    while seq_rx.changed().await.is_ok() {
        let wanted = *seq_rx.borrow_and_update();
        if wanted <= shown {
            continue;
        }
        // A 503 (the server shedding load) has no #class-live: the phone's
        // script then reloads the page; here, after its Retry-After, up to 3 times.
        let mut tries = 0;
        let r = loop {
            let r = client
                .send(
                    "GET",
                    &path,
                    &[
                        ("Cookie", &phone.cookie),
                        ("X-Forwarded-For", &phone.xff),
                        ("Accept-Encoding", "gzip, deflate, br"),
                    ],
                    None,
                )
                .await;
            match r {
                Ok(r) if r.status == 503 && tries < 3 => {
                    tries += 1;
                    shared.counters.fetch_shed.fetch_add(1, Relaxed);
                    let wait = r
                        .header("retry-after")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1);
                    sleep(Duration::from_secs(wait)).await;
                }
                other => break other,
            }
        };
        let now = Instant::now();
        match r {
            Ok(r) if r.status == 200 => {
                let seq = page_seq(&r.text());
                match seq {
                    Some(seq) if seq >= wanted => {
                        let mut records = shared.records.lock().unwrap();
                        for k in shown + 1..=seq {
                            if let Some(r) = records.get_mut(&(phone.class, k)) {
                                r.pages.push(now - r.sent);
                            }
                        }
                        shown = seq;
                    }
                    other => {
                        shared.counters.fetch_stale.fetch_add(1, Relaxed);
                        shared.problem(format!(
                            "phone {}: GET {path} after event seq {wanted} shows seq {other:?}",
                            phone.n
                        ));
                    }
                }
            }
            Ok(r) => {
                shared.counters.fetch_errors.fetch_add(1, Relaxed);
                shared.problem(format!("phone {}: GET {path}: {}", phone.n, r.status));
            }
            Err(e) => {
                shared.counters.fetch_errors.fetch_add(1, Relaxed);
                shared.problem(format!("phone {}: GET {path}: {e}", phone.n));
            }
        }
    }
}

// ---------------------------------------------------------------- leaders

struct Leader {
    client: Client,
    cookie: String,
    xff: String,
    seq: u64,
    forward: bool,
}

async fn sign_in(
    addr: SocketAddr,
    login: &str,
    password: &str,
    xff: &str,
) -> Result<String, String> {
    let mut client = Client::new(addr);
    let origin = client.origin();
    let body = format!("login={}&password={}", form(login), form(password));
    let r = client
        .send(
            "POST",
            "/signin",
            &[("Origin", &origin), ("X-Forwarded-For", xff)],
            Some(&body),
        )
        .await
        .map_err(|e| e.to_string())?;
    if r.status != 303 {
        return Err(format!("POST /signin as {login}: {}", r.status));
    }
    r.session()
        .ok_or_else(|| format!("POST /signin as {login}: no session cookie"))
}

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn first_course(addr: SocketAddr) -> Result<String, String> {
    let mut client = Client::new(addr);
    let r = client
        .send("GET", "/courses", &[], None)
        .await
        .map_err(|e| e.to_string())?;
    let html = r.text();
    html.split("href=\"/courses/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|slug| !slug.is_empty() && !slug.contains(['/', '?', '#']))
        .map(str::to_string)
        .ok_or_else(|| "no course linked from /courses".to_string())
}

async fn start_class(leader: &mut Leader, course: &str) -> Result<(String, String, u64), String> {
    let origin = leader.client.origin();
    let cookie = leader.cookie.clone();
    let xff = leader.xff.clone();
    let r = leader
        .client
        .send(
            "POST",
            "/classes",
            &[
                ("Origin", &origin),
                ("Cookie", &cookie),
                ("X-Forwarded-For", &xff),
            ],
            Some(&format!("course={}&unit=", form(course))),
        )
        .await
        .map_err(|e| format!("POST /classes: {e}"))?;
    if r.status != 303 {
        return Err(format!(
            "POST /classes: {} {}",
            r.status,
            r.text().chars().take(300).collect::<String>()
        ));
    }
    let location = r.header("location").unwrap_or("").to_string();
    let location = location
        .split("://")
        .nth(1)
        .map(|l| &l[l.find('/').unwrap_or(0)..])
        .unwrap_or(&location)
        .to_string();
    let id = location
        .strip_prefix("/classes/")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("POST /classes answered 303 to {location:?}"))?
        .to_string();
    let r = leader
        .client
        .send(
            "GET",
            &location,
            &[
                ("Cookie", &cookie),
                ("X-Forwarded-For", &xff),
                ("Accept-Encoding", "br"),
            ],
            None,
        )
        .await
        .map_err(|e| format!("GET {location}: {e}"))?;
    let html = r.text();
    let code = data_attr(&html, None, "data-code")
        .ok_or_else(|| format!("GET {location}: {} without data-code", r.status))?;
    let seq = data_attr(&html, None, "data-seq")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((id, code, seq))
}

/// One "next" (or "prev", once the course's end was reached).
async fn press(shared: &Shared, ci: usize, class: &Class, leader: &mut Leader, phase: Phase) {
    for _ in 0..2 {
        let expected = leader.seq + 1;
        let sent = Instant::now();
        shared.records.lock().unwrap().insert(
            (ci, expected),
            Record {
                phase,
                class: ci,
                sent,
                post: None,
                events: vec![],
                pages: vec![],
                skipped: false,
            },
        );
        let origin = leader.client.origin();
        let path = format!("/classes/{}/step", class.id);
        // `seq`: the change the leader's page showed (a double tap moves once).
        let go = format!(
            "go={}&seq={}",
            if leader.forward { "next" } else { "prev" },
            leader.seq
        );
        let r = leader
            .client
            .send(
                "POST",
                &path,
                &[
                    ("Origin", &origin),
                    ("Cookie", &leader.cookie),
                    ("X-Forwarded-For", &leader.xff),
                ],
                Some(&go),
            )
            .await;
        let post = sent.elapsed();
        match r {
            Ok(r) if r.status == 303 => {}
            other => {
                shared.counters.press_errors.fetch_add(1, Relaxed);
                let what = match other {
                    Ok(r) => format!(
                        "{} {}",
                        r.status,
                        r.text().chars().take(200).collect::<String>()
                    ),
                    Err(e) => e.to_string(),
                };
                shared.problem(format!("class {ci}: POST {path} {go}: {what}"));
                shared
                    .records
                    .lock()
                    .unwrap()
                    .get_mut(&(ci, expected))
                    .unwrap()
                    .skipped = true;
                return;
            }
        }
        // The leader's browser follows the 303: the control page says the seq.
        let page = format!("/classes/{}", class.id);
        let now = leader
            .client
            .send(
                "GET",
                &page,
                &[
                    ("Cookie", &leader.cookie),
                    ("X-Forwarded-For", &leader.xff),
                    ("Accept-Encoding", "gzip, deflate, br"),
                ],
                None,
            )
            .await
            .ok()
            .and_then(|r| data_attr(&r.text(), None, "data-seq"))
            .and_then(|s| s.parse::<u64>().ok());
        let mut records = shared.records.lock().unwrap();
        let record = records.get_mut(&(ci, expected)).unwrap();
        record.post = Some(post);
        match now {
            Some(seq) if seq >= expected => {
                if seq > expected {
                    shared.problem(format!(
                        "class {ci}: one press moved seq from {} to {seq}",
                        leader.seq
                    ));
                }
                leader.seq = seq;
                return;
            }
            Some(seq) => {
                // No step that way: the class is at the course's end (or start).
                record.skipped = true;
                drop(records);
                shared.problem(format!("class {ci}: {go} left seq at {seq}; turning round"));
                leader.seq = seq;
                leader.forward = !leader.forward;
            }
            None => {
                // The control page was not shown (shed, say), but the POST
                // answered 303 with the right seq: the class moved on.
                drop(records);
                shared.counters.control_page_errors.fetch_add(1, Relaxed);
                shared.problem(format!(
                    "class {ci}: GET {page} after a press has no data-seq"
                ));
                leader.seq = expected;
                return;
            }
        }
    }
}

// ---------------------------------------------------------------- figures

fn rss_kb(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Percentile over `expected` deliveries: missing ones count as never.
fn pct(sorted: &[Duration], expected: usize, q: f64) -> Option<Duration> {
    let n = expected.max(sorted.len());
    if n == 0 {
        return None;
    }
    let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
    sorted.get(i).copied()
}

fn ms(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.0} ms", d.as_secs_f64() * 1000.0),
        None => "never".into(),
    }
}

fn msf(d: Option<Duration>) -> serde_json::Value {
    d.map(|d| serde_json::json!((d.as_secs_f64() * 1000.0).round()))
        .unwrap_or(serde_json::Value::Null)
}

struct Figures {
    expected: usize,
    got: usize,
    p50: Option<Duration>,
    p99: Option<Duration>,
    max: Option<Duration>,
    within_1s: f64,
}

fn figures(mut v: Vec<Duration>, expected: usize) -> Figures {
    v.sort();
    let within = v.iter().filter(|d| **d <= ONE_SECOND).count();
    Figures {
        expected,
        got: v.len(),
        p50: pct(&v, expected, 0.50),
        p99: pct(&v, expected, 0.99),
        max: if v.len() >= expected {
            v.last().copied()
        } else {
            None
        },
        within_1s: if expected == 0 {
            0.0
        } else {
            within as f64 / expected as f64
        },
    }
}

fn figures_json(f: &Figures) -> serde_json::Value {
    serde_json::json!({
        "expected": f.expected, "got": f.got, "p50_ms": msf(f.p50), "p99_ms": msf(f.p99),
        "max_ms": msf(f.max), "within_1s": f.within_1s,
    })
}

fn print_row(label: &str, f: &Figures) {
    println!(
        "  {label:<28} {:>6}/{:<6} {:>9} {:>9} {:>9}   {:>6.2}%",
        f.got,
        f.expected,
        ms(f.p50),
        ms(f.p99),
        ms(f.max),
        f.within_1s * 100.0
    );
}

/// Event and page figures of one phase's presses.
fn phase_figures(
    shared: &Shared,
    classes: &[Arc<Class>],
    phase: Phase,
) -> (usize, Figures, Figures, Figures, Figures) {
    let records = shared.records.lock().unwrap();
    let mut events = vec![];
    let mut pages = vec![];
    let mut posts = vec![];
    let mut per_press_all = vec![];
    let mut expected = 0;
    let mut presses = 0;
    for r in records
        .values()
        .filter(|r| r.phase == phase && !r.skipped && r.post.is_some())
    {
        presses += 1;
        let phones = classes[r.class].phones.load(Relaxed);
        expected += phones;
        events.extend_from_slice(&r.events);
        pages.extend_from_slice(&r.pages);
        posts.push(r.post.unwrap());
        // Until every phone of the class had fetched the new step.
        if r.pages.len() >= phones {
            per_press_all.push(*r.pages.iter().max().unwrap_or(&Duration::ZERO));
        }
    }
    (
        presses,
        figures(events, expected),
        figures(pages, expected),
        figures(posts, presses),
        figures(per_press_all, presses),
    )
}

async fn settle(shared: &Shared, classes: &[Arc<Class>], phase: Phase, limit: Duration) {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        let done = shared
            .records
            .lock()
            .unwrap()
            .values()
            .filter(|r| r.phase == phase && !r.skipped)
            .all(|r| {
                let phones = classes[r.class].phones.load(Relaxed);
                r.post.is_some() && r.events.len() >= phones && r.pages.len() >= phones
            });
        if done {
            return;
        }
        sleep(Duration::from_millis(100)).await;
    }
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` phones join class `code` at the same instant: (within 10 s, p50, slowest).
async fn join_burst(
    shared: &Shared,
    addr: SocketAddr,
    code: &str,
    n: usize,
    one_address: bool,
) -> (usize, Option<Duration>, Option<Duration>) {
    let barrier = Arc::new(Barrier::new(n));
    let mut burst = vec![];
    for j in 0..n {
        let barrier = barrier.clone();
        let code = code.to_string();
        let address = if one_address {
            "10.201.0.1".to_string()
        } else {
            xff(j, 200)
        };
        burst.push(tokio::spawn(async move {
            let mut client = Client::new(addr);
            barrier.wait().await;
            let start = Instant::now();
            let r = join(&mut client, &code, &address).await;
            (start.elapsed(), r)
        }));
    }
    let mut times = vec![];
    let mut ok = 0;
    for b in burst {
        let (took, r) = b.await.unwrap();
        match r {
            Ok(_) if took <= Duration::from_secs(10) => ok += 1,
            Ok(_) => {}
            Err(e) => shared.problem(format!(
                "join burst{}: {e}",
                if one_address { " (one address)" } else { "" }
            )),
        }
        times.push(took);
    }
    times.sort();
    (ok, pct(&times, times.len(), 0.5), times.last().copied())
}

// ---------------------------------------------------------------- main

#[tokio::main]
async fn main() {
    let o = options();
    let fd_limit = raise_fd_limit();
    let shared = Arc::new(Shared {
        phone_addr: o.phone_addr,
        records: Mutex::new(HashMap::new()),
        counters: Counters::default(),
        opened: Notify::new(),
        problems: Mutex::new(vec![]),
        started: Instant::now(),
    });
    let total_phones = o.classes * o.phones;
    if (fd_limit as usize) < total_phones * 2 + o.classes + o.join_burst + 100 {
        shared.log(&format!(
            "warning: open-file limit {fd_limit} is below the ~{} sockets needed",
            total_phones * 2 + o.classes
        ));
    }
    let fail = |what: String| -> ! {
        eprintln!("class-load: {what}");
        std::process::exit(1)
    };

    // Leaders and classes.
    let course = match &o.course {
        Some(c) => c.clone(),
        None => first_course(o.addr).await.unwrap_or_else(|e| fail(e)),
    };
    let mut cookies = vec![];
    for (i, (login, password)) in o.leaders.iter().enumerate() {
        cookies.push(
            sign_in(o.addr, login, password, &xff(i, 250))
                .await
                .unwrap_or_else(|e| fail(e)),
        );
    }
    shared.log(&format!(
        "{} leader(s) signed in; starting {} classes on {course}",
        cookies.len(),
        o.classes + 2
    ));
    let mut classes = vec![];
    let mut leaders = vec![];
    for ci in 0..o.classes + 2 {
        let li = ci % cookies.len();
        let mut leader = Leader {
            client: Client::new(o.addr),
            cookie: cookies[li].clone(),
            xff: xff(li, 250),
            seq: 0,
            forward: true,
        };
        let (id, code, seq) = start_class(&mut leader, &course)
            .await
            .unwrap_or_else(|e| fail(format!("class {ci}: {e}")));
        leader.seq = seq;
        classes.push(Arc::new(Class {
            id,
            code,
            phones: AtomicUsize::new(0),
        }));
        leaders.push(Arc::new(tokio::sync::Mutex::new(leader)));
    }
    let hall_class = classes.pop().unwrap();
    let burst_class = classes.pop().unwrap();
    leaders.truncate(o.classes);
    let mut codes: Vec<&str> = classes.iter().map(|c| c.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    if codes.len() != classes.len() {
        fail(format!(
            "{} classes share {} join codes",
            classes.len(),
            codes.len()
        ));
    }
    let rss_start = rss_kb(o.pid);

    // Phones join.
    shared.log(&format!(
        "{total_phones} phones joining ({} at a time)",
        o.concurrency
    ));
    let limit = Arc::new(Semaphore::new(o.concurrency));
    let join_started = Instant::now();
    let mut joins = vec![];
    for n in 0..total_phones {
        let ci = n % o.classes;
        let class = classes[ci].clone();
        let limit = limit.clone();
        let addr = o.phone_addr;
        joins.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let mut client = Client::new(addr);
            let x = xff(n, 1 + (n >> 16) as u8);
            let start = Instant::now();
            let r = join(&mut client, &class.code, &x).await;
            (n, ci, x, client, start.elapsed(), r)
        }));
    }
    let mut phones = vec![];
    let mut join_times = vec![];
    let mut join_failures = 0;
    for j in joins {
        let (n, ci, x, client, took, r) = j.await.unwrap();
        match r {
            Ok((cookie, seq)) => {
                join_times.push(took);
                classes[ci].phones.fetch_add(1, Relaxed);
                let phone = Arc::new(Phone {
                    n,
                    class: ci,
                    code: classes[ci].code.clone(),
                    xff: x,
                    cookie,
                    seq,
                    bytes: Arc::new(AtomicU64::new(0)),
                    events: Arc::new(AtomicU64::new(0)),
                });
                phones.push((phone, client));
            }
            Err(e) => {
                join_failures += 1;
                shared.problem(format!("phone {n} join: {e}"));
            }
        }
    }
    let join_wall = join_started.elapsed();
    let joins_fig = figures(join_times, total_phones);
    shared.log(&format!(
        "{} joined, {join_failures} failed, in {:.1} s",
        phones.len(),
        join_wall.as_secs_f64()
    ));
    let rss_joined = rss_kb(o.pid);

    // Every phone opens its event stream.
    let open_started = Instant::now();
    let mut phone_list = vec![];
    for (phone, client) in phones {
        let (tx, rx) = watch::channel(phone.seq);
        let s = shared.clone();
        let p = phone.clone();
        let limit = limit.clone();
        tokio::spawn(async move {
            // Opening is paced like joining (up to the first event); reading is not.
            let permit = limit.acquire_owned().await.unwrap();
            stream_task(s, p, tx, Some(permit)).await
        });
        tokio::spawn(fetch_task(shared.clone(), phone.clone(), client, rx));
        phone_list.push(phone);
    }
    let connected = phone_list.len();
    let wait_until = Instant::now() + Duration::from_secs(120);
    while shared.counters.stream_opened.load(Relaxed) < connected && Instant::now() < wait_until {
        let _ = timeout(Duration::from_millis(200), shared.opened.notified()).await;
    }
    let open_wall = open_started.elapsed();
    let opened = shared.counters.stream_opened.load(Relaxed);
    shared.log(&format!(
        "{opened}/{connected} event streams open in {:.1} s",
        open_wall.as_secs_f64()
    ));
    sleep(Duration::from_secs(2)).await;
    let rss_streams = rss_kb(o.pid);

    // Quiet: what an open stream costs between steps.
    shared.log(&format!("quiet period, {} s", o.quiet));
    let bytes_before: Vec<u64> = phone_list.iter().map(|p| p.bytes.load(Relaxed)).collect();
    let events_before: Vec<u64> = phone_list.iter().map(|p| p.events.load(Relaxed)).collect();
    sleep(Duration::from_secs_f64(o.quiet)).await;
    let quiet_bytes: Vec<u64> = phone_list
        .iter()
        .zip(&bytes_before)
        .map(|(p, b)| p.bytes.load(Relaxed) - b)
        .collect();
    let quiet_events: u64 = phone_list
        .iter()
        .zip(&events_before)
        .map(|(p, b)| p.events.load(Relaxed) - b)
        .sum();
    let quiet_mean = quiet_bytes.iter().sum::<u64>() as f64 / quiet_bytes.len().max(1) as f64;
    let quiet_max = quiet_bytes.iter().copied().max().unwrap_or(0);

    // 60 phones join one class at the same instant: each from its own
    // address, then (another class) all behind one, as on a hall's Wi-Fi.
    shared.log(&format!("{} phones join one class at once", o.join_burst));
    let (burst_ok, burst_p50, burst_slowest) = join_burst(
        &shared,
        o.phone_addr,
        &burst_class.code,
        o.join_burst,
        false,
    )
    .await;
    let (hall_ok, hall_p50, hall_slowest) =
        join_burst(&shared, o.phone_addr, &hall_class.code, o.join_burst, true).await;

    // Page weight of the step page, as a joined phone asks for it.
    let (page_br, page_raw) = match phone_list.first() {
        Some(p) => {
            let mut c = Client::new(o.phone_addr);
            let path = format!("/join/{}", p.code);
            let br = c
                .send(
                    "GET",
                    &path,
                    &[("Cookie", &p.cookie), ("Accept-Encoding", "br")],
                    None,
                )
                .await
                .ok();
            let raw = c
                .send(
                    "GET",
                    &path,
                    &[("Cookie", &p.cookie), ("Accept-Encoding", "identity")],
                    None,
                )
                .await
                .ok();
            (
                br.map(|r| {
                    (
                        r.body.len(),
                        r.header("content-encoding").unwrap_or("").to_string(),
                    )
                }),
                raw.map(|r| r.body.len()),
            )
        }
        None => (None, None),
    };

    // Steady load.
    shared.log(&format!(
        "steady load: each leader about every {} s for {} s",
        o.period, o.duration
    ));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(o.duration);
    let mut tasks = vec![];
    for (ci, (class, leader)) in classes.iter().zip(&leaders).enumerate() {
        let shared = shared.clone();
        let class = class.clone();
        let leader = leader.clone();
        let period = o.period;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed ^ (ci as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut leader = leader.lock().await;
            let mut at = tokio::time::Instant::now() + Duration::from_secs_f64(rng.unit() * period);
            while at < end {
                sleep_until(at).await;
                press(&shared, ci, &class, &mut leader, Phase::Steady).await;
                at += Duration::from_secs_f64(period * (0.5 + rng.unit()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    settle(&shared, &classes, Phase::Steady, Duration::from_secs(15)).await;

    // Burst: every leader at the same instant.
    sleep(Duration::from_secs(3)).await;
    shared.log(&format!(
        "burst: {} leaders press at the same instant",
        classes.len()
    ));
    let at = tokio::time::Instant::now() + Duration::from_millis(500);
    let mut tasks = vec![];
    for (ci, (class, leader)) in classes.iter().zip(&leaders).enumerate() {
        let shared = shared.clone();
        let class = class.clone();
        let leader = leader.clone();
        tasks.push(tokio::spawn(async move {
            let mut leader = leader.lock().await;
            sleep_until(at).await;
            press(&shared, ci, &class, &mut leader, Phase::Burst).await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    settle(&shared, &classes, Phase::Burst, Duration::from_secs(15)).await;
    let rss_end = rss_kb(o.pid);

    // ------------------------------------------------------------ report
    let (s_presses, s_ev, s_page, s_post, s_all) = phase_figures(&shared, &classes, Phase::Steady);
    let (b_presses, b_ev, b_page, b_post, b_all) = phase_figures(&shared, &classes, Phase::Burst);
    let c = &shared.counters;
    let mb = |kb: Option<u64>| {
        kb.map(|k| format!("{:.1} MB", k as f64 / 1024.0))
            .unwrap_or("?".into())
    };
    let per_phone = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) if connected > 0 => Some((b as f64 - a as f64) / connected as f64),
        _ => None,
    };
    let per_phone_streams = per_phone(rss_joined, rss_streams);
    let per_phone_all = per_phone(rss_start, rss_streams);

    println!();
    println!(
        "class-load: {} classes x {} phones = {total_phones} phones; leaders on {}, phones on {}; course {course}",
        o.classes, o.phones, o.addr, o.phone_addr
    );
    println!(
        "  (open-file limit {fd_limit}; the load tool shares the machine's cores with the server)"
    );
    println!();
    println!(
        "  {:<28} {:>13} {:>9} {:>9} {:>9}   {:>7}",
        "", "got/expected", "p50", "p99", "max", "<= 1 s"
    );
    print_row("join (POST + step page)", &joins_fig);
    println!(
        "    {} joined in {:.1} s wall ({} at a time), {join_failures} failed",
        connected,
        join_wall.as_secs_f64(),
        o.concurrency
    );
    println!(
        "    event streams: {opened}/{connected} open (first event) in {:.1} s; refused/failed opens {}",
        open_wall.as_secs_f64(),
        c.stream_refused.load(Relaxed)
    );
    println!(
        "  join burst: {} phones at once on one class: {burst_ok}/{} within 10 s, p50 {}, slowest {}",
        o.join_burst,
        o.join_burst,
        ms(burst_p50),
        ms(burst_slowest)
    );
    println!(
        "  join burst behind one address (a hall's Wi-Fi): {hall_ok}/{} within 10 s, p50 {}, slowest {}",
        o.join_burst,
        ms(hall_p50),
        ms(hall_slowest)
    );
    println!();
    println!(
        "  steady load: {s_presses} presses (each class about every {} s, {} s)",
        o.period, o.duration
    );
    print_row("leader POST step (303)", &s_post);
    print_row("phone: event with new seq", &s_ev);
    print_row("phone: step page fetched", &s_page);
    print_row("per press: all class phones", &s_all);
    println!("  burst: {b_presses} leaders pressed at the same instant");
    print_row("leader POST step (303)", &b_post);
    print_row("phone: event with new seq", &b_ev);
    print_row("phone: step page fetched", &b_page);
    print_row("per press: all class phones", &b_all);
    println!(
        "  stream drops {}, reconnects {}, step page 503s retried {}, step page errors {}, stale step pages {}, press errors {}, leader control page errors {}",
        c.stream_drops.load(Relaxed),
        c.stream_reconnects.load(Relaxed),
        c.fetch_shed.load(Relaxed),
        c.fetch_errors.load(Relaxed),
        c.fetch_stale.load(Relaxed),
        c.press_errors.load(Relaxed),
        c.control_page_errors.load(Relaxed)
    );
    println!();
    println!(
        "  server RSS: {} at start, {} after joins, {} with {opened} streams open, {} at the end",
        mb(rss_start),
        mb(rss_joined),
        mb(rss_streams),
        mb(rss_end)
    );
    match (per_phone_streams, per_phone_all) {
        (Some(s), Some(a)) => println!(
            "  memory per connected phone: {s:.1} KB for its open stream, {a:.1} KB with its join"
        ),
        _ => println!("  memory per connected phone: no --pid given"),
    }
    println!(
        "  quiet {} s (no step change): {quiet_mean:.1} bytes per stream on average, {quiet_max} at most, {quiet_events} events; \
         about {:.0} bytes per stream per hour",
        o.quiet,
        quiet_mean * 3600.0 / o.quiet
    );
    match (&page_br, page_raw) {
        (Some((br, enc)), Some(raw)) => {
            println!("  step page GET /join/<CODE> as a joined phone: {br} bytes ({}), {raw} bytes uncompressed", if enc.is_empty() { "identity" } else { enc })
        }
        _ => println!("  step page: not fetched"),
    }
    let problems = shared.problems.lock().unwrap();
    if !problems.is_empty() {
        println!("\n  problems ({}; first 15):", problems.len());
        for p in problems.iter().take(15) {
            println!("    {p}");
        }
        // The leaders' and joins' problems, which the phones' may have hidden.
        for p in problems
            .iter()
            .skip(15)
            .filter(|p| !p.contains("] phone "))
            .take(20)
        {
            println!("    {p}");
        }
    }
    let result = serde_json::json!({
        "classes": o.classes, "phones_per_class": o.phones, "phones": total_phones, "connected": connected,
        "join": figures_json(&joins_fig), "join_failures": join_failures, "join_wall_s": join_wall.as_secs_f64(),
        "streams_opened": opened, "stream_open_wall_s": open_wall.as_secs_f64(),
        "stream_refused": c.stream_refused.load(Relaxed), "stream_drops": c.stream_drops.load(Relaxed),
        "stream_reconnects": c.stream_reconnects.load(Relaxed),
        "fetch_errors": c.fetch_errors.load(Relaxed), "fetch_shed": c.fetch_shed.load(Relaxed), "fetch_stale": c.fetch_stale.load(Relaxed),
        "press_errors": c.press_errors.load(Relaxed), "control_page_errors": c.control_page_errors.load(Relaxed),
        "join_burst": {"phones": o.join_burst, "within_10s": burst_ok, "p50_ms": msf(burst_p50), "slowest_ms": msf(burst_slowest)},
        "join_burst_one_address": {"phones": o.join_burst, "within_10s": hall_ok, "p50_ms": msf(hall_p50), "slowest_ms": msf(hall_slowest)},
        "steady": {"presses": s_presses, "post": figures_json(&s_post), "event": figures_json(&s_ev), "page": figures_json(&s_page), "all_phones": figures_json(&s_all)},
        "burst": {"presses": b_presses, "post": figures_json(&b_post), "event": figures_json(&b_ev), "page": figures_json(&b_page), "all_phones": figures_json(&b_all)},
        "rss_kb": {"start": rss_start, "joined": rss_joined, "streams": rss_streams, "end": rss_end},
        "kb_per_phone_stream": per_phone_streams, "kb_per_phone_with_join": per_phone_all,
        "quiet_s": o.quiet, "quiet_bytes_mean": quiet_mean, "quiet_bytes_max": quiet_max, "quiet_events": quiet_events,
        "step_page_br_bytes": page_br.as_ref().map(|(b, _)| *b), "step_page_encoding": page_br.as_ref().map(|(_, e)| e.clone()),
        "step_page_raw_bytes": page_raw, "problems": problems.len(),
    });
    println!("RESULT {result}");
    // Phones' tasks are still reading: leave without waiting for them.
    std::process::exit(0);
}
