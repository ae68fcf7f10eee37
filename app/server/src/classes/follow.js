// Keeps a class page on the class's current step. The server sends a small
// signal on every change (and keep-alives in between); when the step or
// the counts this page shows changed, the page fetches itself once and
// swaps in the new part. Without JavaScript the page has a reload link.
(function () {
  var live = document.getElementById('class-live');
  if (!live || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById('class-status');
  var seq = live.getAttribute('data-seq');
  var counts = live.getAttribute('data-counts');
  var busy = false, again = false;
  function say(which) {
    if (status) status.textContent = status.getAttribute(which) || '';
  }
  function refresh(moved) {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('class-live');
        if (!fresh) { location.reload(); return; }
        live.innerHTML = fresh.innerHTML;
        seq = fresh.getAttribute('data-seq');
        live.setAttribute('data-seq', seq);
        if (moved && live.getBoundingClientRect().top < 0) live.scrollIntoView();
      })
      .catch(function () { say('data-offline'); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(true); }
      });
  }
  var source = new EventSource(live.getAttribute('data-events'));
  source.addEventListener('class', function (e) {
    say('data-online');
    var s = JSON.parse(e.data);
    var moved = String(s.seq) !== seq;
    var c = s.joined + '/' + s.answered;
    var recount = counts !== null && c !== counts;
    counts = counts === null ? null : c;
    if (moved || recount) refresh(moved);
    if (s.ended) source.close();
  });
  source.onerror = function () { say('data-offline'); };
})();
