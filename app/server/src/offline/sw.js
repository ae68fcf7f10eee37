// Hocvu's service worker: pages opened or downloaded stay readable without
// a network, and "Đã đọc xong" or a quiz sent while offline is kept on the
// phone and sent later. The server puts VERSION (handbook and assets) and
// SHELL (what every offline visit needs) in front of this file.
//
// Grading stays on the server: only the questions (never answers) are on
// the phone, as on the page itself.

const STATIC = 'static@' + VERSION;
const PAGES = 'pages@' + VERSION; // pages opened: personal, gone on sign-out
const COURSE = 'course@' + VERSION + ':'; // + course slug: downloaded
const ours = (name) => name.includes('@' + VERSION);

// Pages worth keeping: home, catalog, course, chapter, quiz, final test.
const readable = (path) =>
  /^\/(courses(\/[^/]+(\/[^/]+(\/quiz)?)?)?)?$/.test(path) && !/^\/courses\/[^/]+\/stats$/.test(path);
// Actions kept when the network is gone: "read", a quiz, a final test.
const keepable = (path) => /^\/courses\/[^/]+\/([^/]+\/(read|quiz)|test)$/.test(path);

// ---- a tiny IndexedDB: the queue of actions and the titles of kept pages
function db() {
  return new Promise((ok, fail) => {
    const open = indexedDB.open('hocvu', 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
      open.result.createObjectStore('titles', { keyPath: 'url' });
    };
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
}
async function store(name, mode, act) {
  const conn = await db();
  return new Promise((ok, fail) => {
    const tx = conn.transaction(name, mode);
    const request = act(tx.objectStore(name));
    tx.oncomplete = () => ok(request && request.result);
    tx.onerror = tx.onabort = () => fail(tx.error);
  });
}
const all = (name) => store(name, 'readonly', (s) => s.getAll());

// ---- installing a version: fetch again every page an older one kept,
// so a phone never mixes two versions of the handbook.
self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await (await caches.open(STATIC)).addAll(SHELL);
    for (const name of await caches.keys()) {
      const kind = name.match(/^(pages|course)@[^:]*(:.*)?$/);
      if (ours(name) || !kind) continue;
      const target = await caches.open(kind[1] + '@' + VERSION + (kind[2] || ''));
      for (const request of await (await caches.open(name)).keys()) {
        const response = await fetch(request.url, { cache: 'no-cache' });
        if (response.ok) await target.put(request.url, response); // gone pages are dropped
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (!ours(name)) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  const path = url.pathname;
  if (request.method === 'POST') {
    if (path === '/signout') event.respondWith(signOut(request));
    else if (keepable(path)) event.respondWith(sendOrKeep(event, request, path));
    return;
  }
  if (request.method !== 'GET' || request.headers.has('range')) return;
  // The offline pages and assets named by their content: kept first.
  if (path === '/offline' || path.startsWith('/pkg/') || path.startsWith('/icons/') || url.searchParams.has('v')) {
    event.respondWith(keptFirst(request));
  } else if (path.startsWith('/media/')) {
    event.respondWith(fresh(request, PAGES));
  } else if (request.mode === 'navigate') {
    event.respondWith(fresh(request, readable(path) && !url.search ? PAGES : null));
  }
});

const find = (request, loose) =>
  caches.match(request, { ignoreVary: true, ignoreSearch: loose });

async function keptFirst(request) {
  const hit = await find(request);
  if (hit && (await named(request.url, hit))) return hit;
  if (hit) for (const name of await caches.keys()) await (await caches.open(name)).delete(request);
  const response = await fetch(request);
  if (response.ok && (await named(request.url, response))) {
    (await caches.open(STATIC)).put(request, response.clone());
  }
  return response;
}

// Hocvu's scripts are named by their bytes (`?v=` is the start of their
// SHA-256): a copy is kept and served only while it matches its name, so
// a script that ever ran on a page cannot leave a changed one behind.
async function named(url, response) {
  const u = new URL(url);
  const v = u.searchParams.get('v');
  if (!v || !u.pathname.endsWith('.js')) return true;
  const digest = await crypto.subtle.digest('SHA-256', await response.clone().arrayBuffer());
  const hex = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return hex === v;
}

// The network first; a kept copy when it fails, or after 4 s on a weak
// signal; the site's offline page for a page never kept.
// When a page last failed to come from the network (0: it came): the page
// script asks, and says the phone is offline.
let offlineAt = 0;

async function fresh(request, keepIn) {
  const network = fetch(request).then((response) => {
    offlineAt = 0;
    if (keepIn && response.ok && response.type === 'basic') {
      caches.open(keepIn).then((cache) => cache.put(request, response.clone()));
    }
    return response;
  });
  const navigate = request.mode === 'navigate';
  const kept = async () => (await find(request)) || (navigate && (await find(request, true)));
  try {
    return await Promise.race([
      network,
      new Promise((ok, fail) => setTimeout(async () => {
        const copy = await kept();
        copy ? ok(copy) : network.then(ok, fail);
      }, 4000)),
    ]);
  } catch (err) {
    offlineAt = Date.now();
    return (await kept()) || (navigate ? find('/offline') : Response.error());
  }
}

// ---- actions: sent now, or kept and sent when the network is back
async function sendOrKeep(event, request, path) {
  const body = await request.clone().text();
  const kind = path.endsWith('/read') ? 'read' : 'quiz';
  try {
    const response = await fetch(request);
    if (kind === 'quiz') event.waitUntil(refetch(path));
    return response;
  } catch (err) {
    // A page's own fetch (the quiz island) falls back to a plain form
    // submission when this fails: that one is kept, once, and comes back
    // to the page (keeping this one too would send the answers twice).
    if (request.mode !== 'navigate') return new Response('', { status: 503 });
    try {
      await store('queue', 'readwrite', (s) => s.add({ path, body, kind, at: Date.now() }));
    } catch (full) {
      return new Response(
        'Bộ nhớ điện thoại đã đầy: chưa lưu được. Hãy xoá bớt khóa học đã tải rồi thử lại.\n' +
          'The phone is full: nothing was saved. Remove a downloaded course and try again.',
        { status: 507, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    if (self.registration.sync) self.registration.sync.register('send').catch(() => {});
    offlineAt = Date.now();
    // Back to the page the reader was on, which says what was kept and
    // offers the way on; the general offline page only without one.
    const from = request.referrer ? new URL(request.referrer) : null;
    const back = from && from.origin === location.origin ? from.pathname : '/offline';
    return Response.redirect(back + '?saved=' + kind, 303);
  }
}

// A quiz page kept on the phone names the next attempt: after one is
// graded, keep the page for the attempt after it.
async function refetch(path) {
  for (const name of await caches.keys()) {
    if (!ours(name) || name === STATIC) continue;
    const cache = await caches.open(name);
    if (await cache.match(path)) {
      const response = await fetch(path);
      if (response.ok) await cache.put(path, response);
    }
  }
}

let sending = null;
const flush = () => (sending = sending || send().finally(() => { sending = null; }));

// Oldest first, one at a time; each is removed once the server answered.
// A resend is harmless: the server knows each reading (event id) and each
// quiz attempt (attempt number) already.
async function send() {
  const sent = [];
  for (const item of await all('queue')) {
    let response;
    try {
      response = await fetch(item.path, {
        method: 'POST',
        body: item.body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    } catch (err) {
      break; // still offline
    }
    // 429: too many new guests from this network; kept for later.
    if (response.status >= 500 || response.status === 429) break;
    await store('queue', 'readwrite', (s) => s.delete(item.id));
    const landed = new URL(response.url).pathname;
    let result = 'ok';
    if (response.status === 404) result = 'gone';
    else if (!response.ok) result = 'refused';
    else if (item.kind === 'quiz') result = landed.includes('/result/') ? landed : 'retake';
    if (item.kind === 'quiz') await refetch(item.path);
    sent.push({ kind: item.kind, path: item.path, result });
  }
  const left = (await all('queue')).length;
  if (sent.length) {
    for (const client of await self.clients.matchAll()) client.postMessage({ type: 'sent', sent, left });
  }
  return { sent, left };
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'send') {
    event.waitUntil(flush().then((r) => { if (r.left) throw new Error('still offline'); }));
  }
});

async function signOut(request) {
  let response;
  try {
    response = await fetch(request);
  } catch (err) {
    return find('/offline');
  }
  // What was kept for this person leaves with them.
  for (const name of await caches.keys()) if (!name.startsWith('static@')) await caches.delete(name);
  await store('queue', 'readwrite', (s) => s.clear());
  await store('titles', 'readwrite', (s) => s.clear());
  return response;
}

// ---- "Tải về để đọc khi không có mạng"
async function download(course, progress) {
  const list = await (await fetch('/courses/' + encodeURIComponent(course) + '/offline.json')).json();
  if (navigator.storage && navigator.storage.estimate) {
    const { quota, usage } = await navigator.storage.estimate();
    if (quota - usage < list.bytes * 4) return { error: 'full' };
  }
  const name = COURSE + course;
  const cache = await caches.open(name);
  const urls = list.pages.map((p) => p.url).concat(list.media);
  try {
    let done = 0;
    for (const url of urls) {
      const response = await fetch(url);
      if (!response.ok) throw new Error('network');
      await cache.put(url, response);
      progress({ done: ++done, total: urls.length });
    }
  } catch (err) {
    await caches.delete(name);
    return { error: err && err.name === 'QuotaExceededError' ? 'full' : 'network' };
  }
  await store('titles', 'readwrite', (s) => list.pages.forEach((p, n) => s.put({ url: p.url, title: p.title, n })));
  return { ok: true };
}

async function status() {
  const titles = new Map((await all('titles')).map((t) => [t.url, t]));
  const courses = [];
  const pages = new Map();
  for (const name of await caches.keys()) {
    if (!ours(name) || name === STATIC) continue;
    if (name.startsWith(COURSE)) courses.push(name.slice(COURSE.length));
    for (const request of await (await caches.open(name)).keys()) {
      const path = new URL(request.url).pathname;
      if (readable(path)) pages.set(path, titles.get(path) || { url: path, title: path });
    }
  }
  // By course, then in the course's own order (downloads), then by address.
  const course = (url) => url.split('/').slice(0, 3).join('/');
  const order = (p) => (p.n === undefined ? 1e9 : p.n);
  const list = [...pages.values()]
    .sort((a, b) => course(a.url).localeCompare(course(b.url)) || order(a) - order(b) || a.url.localeCompare(b.url))
    .map(({ url, title }) => ({ url, title }));
  return { queued: (await all('queue')).length, courses, pages: list };
}

// A page reports its title; the first page of a visit came before this
// worker did, so it is kept now (a cheap revalidation: pages have ETags).
async function seen(url, title) {
  await store('titles', 'readwrite', (s) => {
    const known = s.get(url); // keeps a download's place in its course
    known.onsuccess = () => s.put({ ...known.result, url, title });
  });
  if (!(await find(url))) {
    const response = await fetch(url);
    if (response.ok) await (await caches.open(PAGES)).put(url, response);
  }
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  const port = event.ports[0];
  const reply = (data) => port && port.postMessage(data);
  const work = {
    flush: () => flush().then((r) => ({ ...r, offline: offlineAt > 0 })),
    status,
    seen: () => readable(msg.url) && seen(msg.url, msg.title),
    download: () => download(msg.course, reply),
    remove: () => caches.delete(COURSE + msg.course),
  }[msg.type];
  if (work) {
    event.waitUntil(Promise.resolve()
      .then(work)
      .then((r) => reply(r || {}), (err) => reply({ error: String((err && err.name) || err) })));
  }
});
