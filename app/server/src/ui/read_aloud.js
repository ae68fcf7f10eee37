// "Nghe bài": the chapter read aloud by the browser's own speech synthesis
// with a Vietnamese voice. Plain JavaScript, not an island: a chapter page
// then needs no WASM at all (a cold chapter stays within 40 KB).
//
// One sentence per utterance (reliable on every engine, unlike word
// boundary events); the sentence is highlighted and kept on screen.
(() => {
  const root = document.querySelector('.read-aloud');
  const missing = document.querySelector('.read-aloud-missing');
  const synth = window.speechSynthesis;
  if (!root) return;
  // No Vietnamese voice (or no speech at all): say how to add one.
  const noVoice = () => { if (missing && root.hidden) missing.hidden = false; };
  if (!synth) { noVoice(); return; }
  root.setAttribute('data-ready', '');
  const BLOCKS = '.chapter h1, .chapter .prose :is(p, h2, h3, h4, li, th, td, dt, dd, figcaption)';
  const INNER = ':is(p, h2, h3, h4, li, th, td, dt, dd, figcaption)';
  const RATES = [0.6, 0.8, 1, 1.25, 1.5];
  let voice = null;
  let blocks = [];
  let sentences = [];
  let current = 0;
  let active = false;
  let rate = 2;
  let speaking = null; // the utterance being spoken; `end` of any other is stale

  // Voices arrive late in some browsers: shown once a Vietnamese one is known.
  const lang = (v) => v.lang.replace('_', '-').toLowerCase();
  function findVoice() {
    const voices = synth.getVoices();
    voice = voices.find((v) => lang(v) === 'vi-vn') || voices.find((v) => lang(v).startsWith('vi'));
    if (voice) {
      root.hidden = false;
      if (missing) missing.hidden = true;
      synth.onvoiceschanged = null;
    } else if (voices.length) {
      noVoice();
    }
  }
  findVoice();
  if (!voice) {
    synth.onvoiceschanged = findVoice;
    // Some engines never send voiceschanged when they have none.
    setTimeout(() => { if (!voice) noVoice(); }, 2500);
  }

  // Sentences of a block: UTF-16 offsets (what a DOM Range counts) and text.
  function split(text) {
    const out = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const last = i + 1 === text.length;
      if (!last && !('.!?…\n'.includes(text[i]) && /\s/.test(text[i + 1]))) continue;
      const piece = text.slice(start, i + 1);
      const said = piece.trim();
      // Skip what has nothing to say (a lone dash or bullet).
      if (/[^!-\/:-@[-`{-~]/.test(said)) {
        const lead = piece.length - piece.trimStart().length;
        out.push({ start: start + lead, end: i + 1, text: said });
      }
      start = i + 1;
    }
    return out;
  }

  function load() {
    if (sentences.length) return;
    for (const block of document.querySelectorAll(BLOCKS)) {
      if (block.querySelector(INNER)) continue; // read as its own blocks
      const index = blocks.push(block) - 1;
      for (const s of split(block.textContent)) sentences.push({ ...s, block: index });
    }
  }
  const firstOf = (block) => Math.max(0, sentences.findIndex((s) => s.block >= block));

  function state(name) {
    root.dataset.state = name;
    const pause = root.querySelector('.read-pause');
    if (pause) pause.setAttribute('aria-pressed', name === 'paused' ? 'true' : 'false');
  }
  function silence() {
    speaking = null;
    synth.cancel();
  }
  function stop() {
    silence();
    current = 0;
    active = false;
    blocks.forEach((b) => b.removeAttribute('data-reading'));
    highlight(null);
    state('idle');
  }
  function speak() {
    silence();
    const sentence = sentences[current];
    if (!sentence) return stop();
    const u = new SpeechSynthesisUtterance(sentence.text);
    u.lang = 'vi-VN';
    u.voice = voice;
    u.rate = RATES[rate];
    u.onend = () => {
      if (u !== speaking) return;
      current += 1;
      speak();
    };
    show(sentence);
    speaking = u;
    active = true;
    synth.speak(u);
    state('playing');
  }

  // The CSS Custom Highlight API where there is one; the block's
  // `data-reading` mark otherwise.
  function highlight(range) {
    if (!window.CSS || !CSS.highlights) return;
    if (range) CSS.highlights.set('read-aloud', new Highlight(range));
    else CSS.highlights.delete('read-aloud');
  }
  function rangeOf(block, start, end) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let offset = 0;
    let started = false;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const len = node.data.length;
      if (!started && start < offset + len) {
        range.setStart(node, start - offset);
        started = true;
      }
      if (started && end <= offset + len) {
        range.setEnd(node, end - offset);
        return range;
      }
      offset += len;
    }
    return null;
  }
  // Marks the sentence and scrolls it into view when it is hidden behind
  // the control bar or off the screen.
  function show(sentence) {
    blocks.forEach((b, i) => b.toggleAttribute('data-reading', i === sentence.block));
    const block = blocks[sentence.block];
    const range = rangeOf(block, sentence.start, sentence.end);
    highlight(range);
    const rect = (range || block).getBoundingClientRect();
    const height = window.innerHeight;
    const bar = root.getBoundingClientRect().height;
    if (rect.top < 0 || rect.bottom > height - bar) window.scrollBy(0, rect.top - height / 3);
  }

  const actions = {
    top() {
      load();
      current = 0;
      speak();
    },
    here() {
      load();
      const top = blocks.findIndex((b) => b.getBoundingClientRect().bottom > 60);
      current = top < 0 ? 0 : firstOf(top);
      speak();
    },
    pause() {
      if (speaking) {
        silence();
        state('paused');
      } else if (active) speak();
    },
    slower() {
      rate = Math.max(0, rate - 1);
      if (speaking) speak();
    },
    faster() {
      rate = Math.min(RATES.length - 1, rate + 1);
      if (speaking) speak();
    },
    stop,
  };
  root.addEventListener('click', (e) => {
    const button = e.target.closest('[data-action]');
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });
  // A tap on a paragraph while listening reads from there.
  const article = document.querySelector('.chapter');
  if (article) {
    article.addEventListener('click', (e) => {
      if (!active || e.target.closest('a, button, input, summary')) return;
      const block = blocks.findIndex((b) => b.contains(e.target));
      if (block >= 0) {
        current = firstOf(block);
        speak();
      }
    });
  }
  window.addEventListener('pagehide', stop);
})();
