// Hocvu's page script: starts the service worker and shows what it kept
// and sent. Every page works without it; it only adds offline reading.
(() => {
  // A certificate's "print or save" and "share" (the CSP allows no inline
  // handlers). Without this script the share link opens the check page.
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('[data-print],[data-share]');
    if (!b) return;
    if (b.hasAttribute('data-print')) window.print();
    else if (navigator.share) {
      e.preventDefault();
      navigator.share({ title: document.title, url: b.href }).catch(() => {});
    }
  });
  // "Chữ lớn" in place: the same form, sent in the background, so reading
  // aloud goes on and the paragraph on screen stays where it was (without
  // this script the form reloads the page, as it always did).
  const big = document.querySelector('form.big-text');
  if (big && window.fetch) {
    big.addEventListener('submit', (e) => {
      e.preventDefault();
      // The paragraph being read aloud, else the one at the top of the screen.
      const header = document.querySelector('.site-header');
      const y = Math.max(0, header ? header.getBoundingClientRect().bottom : 0) + 8;
      const anchor = document.querySelector('[data-reading]') || document.elementFromPoint(innerWidth / 2, y);
      const before = anchor ? anchor.getBoundingClientRect().top : 0;
      const level = big.elements.level.value;
      fetch(big.action, { method: 'POST', body: new URLSearchParams(new FormData(big)), redirect: 'manual', credentials: 'same-origin' })
        .then(() => {
          // The browser's own scroll anchoring would pick its own element.
          const html = document.documentElement;
          html.style.overflowAnchor = 'none';
          html.dataset.textSize = level;
          big.elements.level.value = level === '0' ? '2' : '0';
          big.querySelector('button').setAttribute('aria-pressed', String(level !== '0'));
          if (anchor && anchor.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
          requestAnimationFrame(() => {
            if (anchor && anchor.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
            html.style.overflowAnchor = '';
          });
        })
        .catch(() => big.submit());
    });
  }
  const worker = navigator.serviceWorker;
  if (!worker) return;
  const en = document.documentElement.lang === 'en';
  const T = en ? {
    queued: (n) => n + (n > 1 ? ' actions are' : ' action is') + ' saved on this phone and will be sent when you are online.',
    sent: (n) => n + (n > 1 ? ' saved actions were' : ' saved action was') + ' sent.',
    result: 'See your quiz result', retake: 'The quiz changed while you were offline: please take it again.',
    again: 'Take the quiz again',
    gone: 'A saved action was for a lesson that no longer exists.',
    download: 'Downloading', done: 'Downloaded: you can read this course without a network.',
    full: 'The phone does not have enough free space. Remove a downloaded course or some photos and try again.',
    failed: 'The download stopped. Try again when you have a network.', none: 'Nothing is saved on this phone yet.',
    keptRead: 'No network: "Finished reading" is saved on this phone and will be sent when you are online.',
    keptQuiz: 'No network: your answers are saved on this phone and will be graded when you are online.',
    course: 'Back to the course',
  } : {
    queued: (n) => 'Có ' + n + ' việc đã lưu trên điện thoại, sẽ gửi khi có mạng.',
    sent: (n) => 'Đã gửi ' + n + ' việc đã lưu khi mất mạng.',
    result: 'Xem kết quả bài kiểm tra', retake: 'Bài kiểm tra đã thay đổi khi bạn mất mạng: hãy làm lại.',
    again: 'Làm lại bài kiểm tra',
    gone: 'Một việc đã lưu thuộc về bài không còn nữa.',
    download: 'Đang tải', done: 'Đã tải về: đọc được khi không có mạng.',
    full: 'Điện thoại không còn đủ chỗ trống. Hãy xoá bớt khóa học đã tải hoặc ảnh rồi thử lại.',
    failed: 'Chưa tải xong. Hãy thử lại khi có mạng.', none: 'Chưa có bài nào được lưu trên điện thoại này.',
    keptRead: 'Không có mạng: "Đã đọc xong" đã lưu trên điện thoại, sẽ gửi khi có mạng.',
    keptQuiz: 'Không có mạng: bài làm đã lưu trên điện thoại, sẽ chấm khi có mạng.',
    course: 'Về trang khóa học',
  };
  const note = document.getElementById('offline-note');

  const ask = (message, onProgress) => worker.ready.then((reg) => new Promise((ok) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => (e.data && e.data.done && onProgress ? onProgress(e.data) : ok(e.data || {}));
    reg.active.postMessage(message, [channel.port2]);
  }));

  const link = (href, text) => {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  };
  function show(parts) {
    if (!note || !parts.length) return;
    note.replaceChildren(...parts.map((part) => {
      const p = document.createElement('p');
      p.append(...[].concat(part));
      return p;
    }));
    note.hidden = false;
  }
  // Kept offline: the worker sent the reader back to this page with
  // ?saved=read|quiz; say what was kept and offer the way on. Once sent,
  // the result replaces it (no stale notice).
  const params = new URLSearchParams(location.search);
  const saved = params.get('saved');
  let kept = null;
  if (saved === 'read' || saved === 'quiz') {
    params.delete('saved');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    const course = location.pathname.split('/').slice(0, 3).join('/');
    kept = [saved === 'read' ? T.keptRead : T.keptQuiz, ' ', link(course, T.course)];
  }
  // "Không có mạng" at the top of every page the phone shows from its copy.
  const badge = document.getElementById('offline-badge');
  const offline = (yes) => { if (badge) badge.hidden = !yes; };
  window.addEventListener('offline', () => offline(true));
  function report({ sent = [], left = 0, offline: away }) {
    const parts = [];
    if (away !== undefined) offline(away || !navigator.onLine);
    if (sent.length) kept = null;
    if (kept) parts.push(kept);
    if (sent.length) parts.push(T.sent(sent.length));
    for (const s of sent) {
      if (s.result.startsWith('/')) parts.push(link(s.result, T.result));
      else if (s.result === 'retake') parts.push([T.retake, ' ', link(s.path, T.again)]);
      else if (s.result === 'gone') parts.push(T.gone);
    }
    if (left) parts.push(T.queued(left));
    show(parts);
  }

  worker.register('/sw.js').catch(() => {});
  worker.addEventListener('message', (e) => e.data && e.data.type === 'sent' && report(e.data));
  const flush = () => ask({ type: 'flush' }).then(report);
  window.addEventListener('online', flush);
  flush();
  ask({ type: 'seen', url: location.pathname, title: document.title.replace(/ · Hocvu$/, '') });

  // A course page: "Tải về để đọc khi không có mạng", and "Xoá" once done.
  const box = document.querySelector('[data-offline-course]');
  if (box) {
    const course = box.dataset.offlineCourse;
    const [get, remove] = box.querySelectorAll('button');
    const status = box.querySelector('[role=status]');
    const downloaded = (yes) => {
      remove.hidden = !yes;
      status.textContent = yes ? T.done : '';
    };
    box.hidden = false;
    ask({ type: 'status' }).then((s) => downloaded((s.courses || []).includes(course)));
    get.addEventListener('click', () => {
      get.disabled = true;
      status.textContent = T.download + '…';
      ask({ type: 'download', course }, (p) => { status.textContent = T.download + ' ' + p.done + '/' + p.total + '…'; })
        .then((r) => {
          get.disabled = false;
          if (r.ok) downloaded(true);
          else status.textContent = r.error === 'full' ? T.full : T.failed;
        });
    });
    remove.addEventListener('click', () => ask({ type: 'remove', course }).then(() => downloaded(false)));
  }

  // The offline page: what this phone can show without a network.
  const list = document.getElementById('offline-list');
  if (list) {
    ask({ type: 'status' }).then((s) => {
      const pages = s.pages || [];
      if (!pages.length) {
        list.textContent = T.none;
        return;
      }
      const ul = document.createElement('ul');
      for (const p of pages) {
        const li = document.createElement('li');
        li.append(link(p.url, p.title));
        ul.append(li);
      }
      list.replaceChildren(ul);
    });
  }
})();
