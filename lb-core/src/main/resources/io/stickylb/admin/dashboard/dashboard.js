// stickylb live dashboard: polls GET /api/pools every second, computes each backend's share of its pool's requests
// over the last 10 s and 1 min from the counter deltas of successive polls, draws a small SVG chart and offers the
// drain / maintenance / enable actions. Vanilla JS, no dependency; every API call carries the admin token when one
// is set. Nothing here writes to the console: problems are shown in the page.
(() => {
  'use strict';

  const POLL_MS = 1000;
  const SHORT_MS = 10000;
  const LONG_MS = 60000;
  const KEEP_MS = LONG_MS + 5000;
  const HISTORY_CELLS = 40;
  const MAX_TRANSITIONS = 10;
  const MAX_EVENTS = 100;
  const TOKEN_KEY = 'stickylb.adminToken';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
    '#9c755f', '#bab0ac'];
  const ACTIONS = [
    {action: 'drain', label: 'drain', adminState: 'DRAINING'},
    {action: 'maintenance', label: 'maintenance', adminState: 'MAINTENANCE'},
    {action: 'enable', label: 'enable', adminState: 'ENABLED'},
  ];

  const tokenRequired = document.documentElement.dataset.tokenRequired === 'true';
  let token = readToken();
  let tokenPrompt = null;

  /** Polled samples, oldest first: {t, counts: Map("pool\u0000id" -> requests)}. */
  const samples = [];
  /** Per pool: DOM references and the backends' rows. */
  const pools = new Map();
  /** Per backend key: what the page has seen of its states. */
  const seen = new Map();
  const events = [];

  const $ = (id) => document.getElementById(id);

  // ---- token ---------------------------------------------------------------------------------------------------

  function readToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  function storeToken(value) {
    token = value;
    try {
      if (value) {
        sessionStorage.setItem(TOKEN_KEY, value);
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // Storage unavailable (privacy mode): the token lives in this page only.
    }
    $('forget-token').hidden = !value;
  }

  /** Shows the token form once; concurrent callers share the same pending answer. */
  function askToken(message, isError) {
    if (tokenPrompt) {
      return tokenPrompt;
    }
    setConn('token', 'admin token needed');
    const overlay = $('token-overlay');
    const form = $('token-form');
    const input = $('token-input');
    const msg = $('token-message');
    msg.textContent = message;
    msg.dataset.kind = isError ? 'error' : 'info';
    input.value = '';
    overlay.hidden = false;
    input.focus();
    tokenPrompt = new Promise((resolve) => {
      const onSubmit = (ev) => {
        ev.preventDefault();
        const value = input.value.trim();
        if (!value) {
          return;
        }
        form.removeEventListener('submit', onSubmit);
        overlay.hidden = true;
        storeToken(value);
        tokenPrompt = null;
        resolve(value);
      };
      form.addEventListener('submit', onSubmit);
    });
    return tokenPrompt;
  }

  // ---- API -----------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /**
   * One admin API call with the token. Without a token where one is required, asks for it first (no request that is
   * sure to be refused); on a 401 (wrong or changed token), asks again and retries.
   */
  async function api(method, path) {
    for (;;) {
      if (tokenRequired && !token) {
        await askToken('This stickylb instance requires its admin token.', false);
      }
      const headers = {'Accept': 'application/json'};
      if (token) {
        headers['Authorization'] = 'Bearer ' + token;
      }
      let res;
      try {
        res = await fetch(path, {method, headers, cache: 'no-store', credentials: 'omit'});
      } catch (e) {
        throw new ApiError(0, 'cannot reach the admin API (' + e.message + ')');
      }
      const body = await res.json().catch(() => null);
      if (res.status === 401) {
        storeToken('');
        const why = body && body.error ? body.error : 'token refused';
        await askToken('The admin API refused the token (' + why + '). Enter it again.', true);
        continue;
      }
      if (!res.ok) {
        throw new ApiError(res.status, body && body.error ? body.error : 'HTTP ' + res.status);
      }
      return body;
    }
  }

  const enc = encodeURIComponent;

  // ---- polling and shares --------------------------------------------------------------------------------------

  async function poll() {
    const started = performance.now();
    try {
      const data = await api('GET', 'api/pools');
      record(data);
      render(data);
      showClients(data.clients);
      setConn('live', 'live');
      $('updated').textContent = 'updated ' + clock(Date.now());
      clearBanner('poll');
    } catch (e) {
      setConn('error', 'disconnected');
      showBanner('poll', 'Cannot refresh: ' + e.message + ' (retrying)');
    } finally {
      setTimeout(poll, Math.max(100, POLL_MS - (performance.now() - started)));
    }
  }

  // The listener's client connections; refusals (max-connections reached) in the "down" color.
  function showClients(c) {
    const span = $('clients');
    if (!c) {
      span.textContent = '';
      return;
    }
    span.textContent = 'clients: ' + c.open + ' open of ' + c.maxConnections + ' · ' + c.accepted + ' accepted · '
        + c.refused + ' refused';
    span.classList.toggle('refusing', c.refused > 0);
  }

  const key = (pool, id) => pool + '\u0000' + id;

  function record(data) {
    const now = Date.now();
    const counts = new Map();
    for (const pool of data.pools || []) {
      for (const b of pool.backends || []) {
        counts.set(key(pool.name, b.id), Number(b.requests) || 0);
      }
    }
    samples.push({t: now, counts});
    while (samples.length > 2 && now - samples[0].t > KEEP_MS) {
      samples.shift();
    }
  }

  /** Requests per backend of a pool between two samples; a counter that went back (re-created backend) restarts. */
  function deltas(pool, from, to) {
    const out = new Map();
    let total = 0;
    for (const b of pool.backends || []) {
      const k = key(pool.name, b.id);
      const now = to.counts.get(k);
      if (now === undefined) {
        continue;
      }
      const before = from.counts.has(k) ? from.counts.get(k) : 0;
      const d = now >= before ? now - before : now;
      out.set(b.id, d);
      total += d;
    }
    return {perBackend: out, total, seconds: (to.t - from.t) / 1000};
  }

  /** The oldest kept sample at most {@code ms} older than samples[end] (a little slack for timer jitter). */
  function baseIndex(end, ms) {
    for (let i = 0; i < end; i++) {
      if (samples[end].t - samples[i].t <= ms + POLL_MS / 2) {
        return i;
      }
    }
    return end;
  }

  function shareOver(pool, ms) {
    const end = samples.length - 1;
    const start = baseIndex(end, ms);
    if (end < 1 || start === end) {
      return null;
    }
    return deltas(pool, samples[start], samples[end]);
  }

  /** Rolling 10 s shares at each sample of the last minute: [{t, shares: Map(id -> 0..1)} or {t, shares: null}]. */
  function series(pool) {
    const out = [];
    const end = samples.length - 1;
    for (let i = 1; i <= end; i++) {
      if (samples[end].t - samples[i].t > LONG_MS) {
        continue;
      }
      const d = deltas(pool, samples[baseIndex(i, SHORT_MS)], samples[i]);
      if (d.total === 0) {
        out.push({t: samples[i].t, shares: null});
        continue;
      }
      const shares = new Map();
      d.perBackend.forEach((v, id) => shares.set(id, v / d.total));
      out.push({t: samples[i].t, shares});
    }
    return out;
  }

  // ---- rendering -----------------------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') {
        e.className = v;
      } else if (k === 'text') {
        e.textContent = v;
      } else if (k.startsWith('data-')) {
        e.dataset[k.slice(5).replace(/-([a-z])/g, (m, c) => c.toUpperCase())] = v;
      } else {
        e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      e.append(c);
    }
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    return e;
  }

  function render(data) {
    const list = data.pools || [];
    const main = $('pools');
    const placeholder = $('placeholder');
    if (placeholder) {
      placeholder.remove();
    }
    const names = new Set(list.map((p) => p.name));
    for (const [name, view] of pools) {
      if (!names.has(name)) {
        view.section.remove();
        pools.delete(name);
      }
    }
    const empty = main.querySelector('.empty-pools');
    if (list.length === 0 && !empty) {
      main.append(el('p', {class: 'muted empty-pools', text: 'No pools configured.'}));
    } else if (list.length > 0 && empty) {
      empty.remove();
    }
    list.forEach((pool, i) => {
      let view = pools.get(pool.name);
      if (!view) {
        view = poolView(pool.name);
        pools.set(pool.name, view);
      }
      place(main, view.section, i);
      updatePool(view, pool);
    });
  }

  /** Puts a node at a position among its parent's element children, moving it only when needed (keeps focus). */
  function place(parent, node, index) {
    const at = parent.children[index];
    if (at !== node) {
      parent.insertBefore(node, at || null);
    }
  }

  function poolView(name) {
    const view = {rows: new Map(), colors: new Map()};
    view.title = el('h2', {text: name});
    view.strategy = el('span', {class: 'muted'});
    view.panic = el('span', {class: 'badge panic', text: 'PANIC', title: 'Too few healthy backends: traffic spreads over all of them'});
    view.panic.hidden = true;
    view.rate = el('span', {class: 'rate muted'});
    view.svg = svg('svg', {viewBox: '0 0 960 170', role: 'img', 'aria-label': 'share of requests per backend'});
    view.legend = el('div', {class: 'legend'});
    view.tbody = el('tbody');
    const head = el('tr');
    const cols = [['Backend'], ['State'], ['Weight eff/conf', 'num'], ['Share 10 s'], ['Share 1 min'],
      ['Req/s', 'num'], ['Requests', 'num'], ['In flight', 'num'], ['Errors', 'num'], ['Affinity broken', 'num'],
      ['Health'], ['Actions']];
    for (const [label, cls] of cols) {
      head.append(el('th', cls ? {class: cls, text: label} : {text: label}));
    }
    view.section = el('section', {class: 'pool', 'data-pool': name},
        el('div', {class: 'pool-head'}, view.title, view.strategy, view.panic, view.rate),
        el('div', {class: 'pool-chart'},
            el('figure', {class: 'chart'}, view.svg,
                el('figcaption', {text: 'Share of the pool\'s requests per backend, rolling 10 s, over the last minute'})),
            view.legend),
        el('div', {class: 'table-wrap'}, el('table', {class: 'backends'}, el('thead', {}, head), view.tbody)));
    return view;
  }

  function colorOf(view, id) {
    if (!view.colors.has(id)) {
      view.colors.set(id, COLORS[view.colors.size % COLORS.length]);
    }
    return view.colors.get(id);
  }

  function updatePool(view, pool) {
    view.strategy.textContent = pool.strategy;
    view.panic.hidden = !pool.panic;
    const backends = pool.backends || [];
    backends.forEach((b) => colorOf(view, b.id));

    const short = shareOver(pool, SHORT_MS);
    const long = shareOver(pool, LONG_MS);
    view.rate.textContent = short && short.seconds > 0 ? rate(short.total / short.seconds) + ' req/s' : '– req/s';

    const ids = new Set(backends.map((b) => b.id));
    for (const [id, row] of view.rows) {
      if (!ids.has(id)) {
        row.tr.remove();
        view.rows.delete(id);
      }
    }
    backends.forEach((b, i) => {
      let row = view.rows.get(b.id);
      if (!row) {
        row = rowView(pool.name, b.id, colorOf(view, b.id));
        view.rows.set(b.id, row);
      }
      place(view.tbody, row.tr, i);
      track(pool.name, b);
      updateRow(row, pool.name, b, short, long);
    });
    drawLegend(view, backends);
    drawChart(view, pool, backends);
  }

  function rowView(poolName, id, color) {
    const r = {};
    r.swatch = el('span', {class: 'swatch'});
    r.swatch.style.background = color;
    r.address = el('div', {class: 'address'});
    r.badge = el('span', {class: 'badge'});
    r.note = el('div', {class: 'note'});
    r.weight = el('td', {class: 'num'});
    r.short = shareCell(color);
    r.long = shareCell(color);
    r.rps = el('td', {class: 'num'});
    r.requests = el('td', {class: 'num'});
    r.inflight = el('td', {class: 'num'});
    r.errors = el('td', {class: 'num'});
    r.broken = el('td', {class: 'num'});
    r.flags = el('div', {class: 'health-flags'});
    r.check = el('div', {class: 'health-check'});
    r.history = el('div', {class: 'history'});
    r.buttons = ACTIONS.map((a) => el('button', {type: 'button', 'data-action': a.action, 'data-pool': poolName,
      'data-backend': id, text: a.label, title: a.action + ' ' + poolName + '/' + id}));
    r.tr = el('tr', {'data-backend': id, 'data-pool': poolName},
        el('td', {}, el('div', {class: 'backend-id'}, r.swatch, el('span', {text: id})), r.address),
        el('td', {}, r.badge, r.note),
        r.weight, r.short.td, r.long.td, r.rps, r.requests, r.inflight, r.errors, r.broken,
        el('td', {class: 'health'}, r.flags, r.check, r.history),
        el('td', {}, el('div', {class: 'actions'}, ...r.buttons)));
    return r;
  }

  function shareCell(color) {
    const fill = el('div');
    fill.style.background = color;
    const pct = el('span', {class: 'pct'});
    return {td: el('td', {}, el('div', {class: 'share'}, el('div', {class: 'bar'}, fill), pct)), fill, pct};
  }

  function updateRow(r, poolName, b, short, long) {
    updateState(r, poolName, b);
    setShare(r.short, short, b.id);
    setShare(r.long, long, b.id);
    const d = short ? short.perBackend.get(b.id) : undefined;
    r.rps.textContent = d !== undefined && short.seconds > 0 ? rate(d / short.seconds) : '–';
    r.requests.textContent = fmt(b.requests);
    // Open WebSocket tunnels are counted in flight; say how many of them there are.
    r.inflight.textContent = b.tunnels ? fmt(b.inFlight) + ' (' + fmt(b.tunnels) + ' ws)' : fmt(b.inFlight);
    const errors = sum(b.errors, '');
    r.errors.textContent = fmt(errors.total);
    r.errors.title = errors.detail || 'no errors';
    r.errors.classList.toggle('bad', errors.total > 0);
    const broken = sum(b.affinity, 'broken:');
    r.broken.textContent = fmt(broken.total);
    r.broken.title = broken.detail || 'no broken affinity';
  }

  /** What an action changes: state, drain note, weights, health and the buttons. */
  function updateState(r, poolName, b) {
    r.address.textContent = b.address;
    r.badge.textContent = b.state;
    r.badge.dataset.state = b.state;
    r.badge.title = 'admin state ' + b.adminState;
    const drain = b.drain;
    r.note.textContent = drain
      ? drain.stickyRequestsLastMinute + ' sticky/min · idle ' + drain.idleFor + ' of ' + drain.untilIdle : '';
    r.note.title = drain
      ? drain.stickyRequestsLastMinute + ' sticky request(s) in the last minute, idle for ' + drain.idleFor
        + '; goes to maintenance once idle for ' + drain.untilIdle + ', or at the deadline '
        + clock(Date.parse(drain.deadlineAt)) : '';
    r.note.hidden = !drain;
    r.weight.textContent = b.weight + ' / ' + b.configuredWeight;
    r.weight.title = b.weight === b.configuredWeight ? 'configured weight' : 'overridden at run time';

    const h = b.health || {};
    const flags = [];
    flags.push(h.healthy === false ? 'unhealthy' : 'healthy');
    if (h.ejected) {
      flags.push('ejected');
    }
    if (typeof h.slowStart === 'number') {
      flags.push('slow start ' + Math.round(h.slowStart * 100) + '%');
    }
    r.flags.textContent = flags.join(', ');
    r.flags.classList.toggle('bad', h.healthy === false || !!h.ejected);
    const check = [];
    if (h.lastCheck) {
      const c = h.lastCheck;
      check.push('check ' + (c.passed ? '✓' : '✗') + ' '
        + (c.passed ? Number(c.durationMs).toFixed(1) + ' ms' : shorten(String(c.detail || ''), 28)));
    }
    if (h.ejections > 0) {
      check.push(h.ejections + ' ejection' + (h.ejections === 1 ? '' : 's'));
    }
    r.check.textContent = check.join(' · ');
    r.check.hidden = check.length === 0;
    r.check.classList.toggle('bad', !!(h.lastCheck && !h.lastCheck.passed));
    const s = seen.get(key(poolName, b.id));
    r.flags.title = 'health: ' + JSON.stringify(h, null, 1) + (s.transitions.length
      ? '\nlast changes:\n' + s.transitions.map((x) => clock(x.t) + '  ' + x.from + ' → ' + x.to).join('\n')
      : '\nno change seen');
    drawHistory(r.history, s.history);

    for (const btn of r.buttons) {
      const a = ACTIONS.find((x) => x.action === btn.dataset.action);
      btn.disabled = btn.dataset.busy === 'true' || b.adminState === a.adminState;
    }
  }

  function setShare(cell, window, id) {
    if (!window || window.total === 0) {
      cell.fill.style.width = '0%';
      cell.pct.textContent = window ? '0 req' : '–';
      cell.td.title = window ? 'no requests in the last ' + Math.round(window.seconds) + ' s' : 'waiting for a second poll';
      return;
    }
    const n = window.perBackend.get(id) || 0;
    const share = n / window.total;
    cell.fill.style.width = (share * 100).toFixed(1) + '%';
    cell.pct.textContent = (share * 100).toFixed(1) + '%';
    cell.td.title = n + ' of ' + window.total + ' requests in the last ' + Math.round(window.seconds) + ' s';
  }

  function drawHistory(container, history) {
    while (container.children.length < history.length) {
      container.append(document.createElement('i'));
    }
    for (let i = 0; i < history.length; i++) {
      container.children[i].dataset.state = history[i];
    }
    container.title = 'last ' + history.length + ' polls, oldest first';
  }

  function drawLegend(view, backends) {
    view.legend.replaceChildren(...backends.map((b) => {
      const sw = el('span', {class: 'swatch'});
      sw.style.background = colorOf(view, b.id);
      return el('span', {}, sw, el('span', {text: b.id + ' (' + b.state.toLowerCase() + ')'}));
    }));
  }

  /** Stacked areas of each backend's rolling 10 s share over the last minute; gaps where there was no traffic. */
  function drawChart(view, pool, backends) {
    const W = 960, H = 170, L = 36, R = 8, T = 8, B = 20;
    const pw = W - L - R, ph = H - T - B;
    const g = [];
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const y = T + ph * (1 - f);
      g.push(svg('line', {class: 'grid', x1: L, x2: W - R, y1: y, y2: y}));
      if (f === 0 || f === 0.5 || f === 1) {
        const label = svg('text', {class: 'axis', x: L - 4, y: y + 3, 'text-anchor': 'end'});
        label.textContent = Math.round(f * 100) + '%';
        g.push(label);
      }
    }
    for (const [sec, anchor] of [[60, 'start'], [30, 'middle'], [0, 'end']]) {
      const label = svg('text', {class: 'axis', x: L + pw * (1 - sec / 60), y: H - 5, 'text-anchor': anchor});
      label.textContent = sec === 0 ? 'now' : '−' + sec + ' s';
      g.push(label);
    }
    const pts = series(pool);
    const now = samples.length ? samples[samples.length - 1].t : Date.now();
    const x = (t) => L + pw * (1 - Math.min(LONG_MS, Math.max(0, now - t)) / LONG_MS);
    const y = (f) => T + ph * (1 - f);
    // Split into runs of consecutive points with traffic.
    const runs = [];
    let run = [];
    for (const p of pts) {
      if (p.shares) {
        run.push(p);
      } else if (run.length) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length) {
      runs.push(run);
    }
    for (const r of runs) {
      const pointsOf = r.length === 1 ? [r[0], {t: r[0].t + POLL_MS / 2, shares: r[0].shares}] : r;
      const base = pointsOf.map(() => 0);
      for (const b of backends) {
        const top = pointsOf.map((p, i) => base[i] + (p.shares.get(b.id) || 0));
        const upper = pointsOf.map((p, i) => x(p.t).toFixed(1) + ',' + y(top[i]).toFixed(1));
        const lower = pointsOf.map((p, i) => x(p.t).toFixed(1) + ',' + y(base[i]).toFixed(1)).reverse();
        g.push(svg('polygon', {points: upper.concat(lower).join(' '), fill: colorOf(view, b.id), 'fill-opacity': 0.85,
          'data-backend': b.id}));
        top.forEach((v, i) => { base[i] = v; });
      }
    }
    if (!runs.length) {
      const t = svg('text', {class: 'empty', x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle'});
      t.textContent = samples.length < 2 ? 'collecting…' : 'no requests in the last minute';
      g.push(t);
    }
    view.svg.replaceChildren(...g);
  }

  // ---- health history ------------------------------------------------------------------------------------------

  function track(poolName, b) {
    const k = key(poolName, b.id);
    let s = seen.get(k);
    if (!s) {
      s = {history: [], transitions: [], last: null};
      seen.set(k, s);
    }
    const t = Date.now();
    s.history.push(b.state);
    if (s.history.length > HISTORY_CELLS) {
      s.history.shift();
    }
    if (s.last !== null && s.last !== b.state) {
      s.transitions.push({t, from: s.last, to: b.state});
      if (s.transitions.length > MAX_TRANSITIONS) {
        s.transitions.shift();
      }
      addEvent(t, poolName + '/' + b.id + ': ' + s.last + ' → ' + b.state, b.state);
    }
    s.last = b.state;
  }

  function addEvent(t, text, state) {
    const none = $('no-events');
    if (none) {
      none.remove();
    }
    const li = el('li', {'data-state': state}, el('time', {text: clock(t)}), el('span', {text}));
    $('events').prepend(li);
    events.unshift(li);
    while (events.length > MAX_EVENTS) {
      events.pop().remove();
    }
  }

  // ---- actions -------------------------------------------------------------------------------------------------

  async function act(btn) {
    const {action, pool, backend} = btn.dataset;
    btn.dataset.busy = 'true';
    btn.disabled = true;
    try {
      const b = await api('POST', 'api/pools/' + enc(pool) + '/backends/' + enc(backend) + '/' + action);
      showBanner('action', pool + '/' + backend + ': ' + action + ' → ' + b.state, 'info');
      const view = pools.get(pool);
      const row = view && view.rows.get(backend);
      if (row) {
        // Shown at once; the next poll (within a second) refreshes the rest.
        track(pool, b);
        btn.dataset.busy = 'false';
        updateState(row, pool, b);
      }
    } catch (e) {
      showBanner('action', pool + '/' + backend + ': ' + action + ' failed: ' + e.message);
    } finally {
      btn.dataset.busy = 'false';
    }
  }

  // ---- small helpers -------------------------------------------------------------------------------------------

  let bannerOwner = null;
  let bannerTimer = null;

  function showBanner(owner, text, kind) {
    const b = $('banner');
    b.textContent = text;
    b.dataset.kind = kind || 'error';
    b.hidden = false;
    bannerOwner = owner;
    clearTimeout(bannerTimer);
    if (kind === 'info') {
      bannerTimer = setTimeout(() => clearBanner(owner), 4000);
    }
  }

  function clearBanner(owner) {
    if (bannerOwner === owner) {
      $('banner').hidden = true;
      bannerOwner = null;
    }
  }

  function setConn(state, text) {
    const c = $('conn');
    c.dataset.conn = state;
    c.textContent = text;
  }

  function sum(counters, prefix) {
    let total = 0;
    const parts = [];
    for (const [k, v] of Object.entries(counters || {})) {
      if (k.startsWith(prefix) && Number(v) > 0) {
        total += Number(v);
        parts.push(k + ': ' + v);
      }
    }
    return {total, detail: parts.join('\n')};
  }

  const shorten = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);
  const fmt = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));
  const rate = (r) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
  const clock = (t) => (Number.isFinite(t) ? new Date(t).toLocaleTimeString('en-GB', {hour12: false}) : '?');

  // ---- start ---------------------------------------------------------------------------------------------------

  document.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (btn && !btn.disabled) {
      act(btn);
    }
  });
  $('forget-token').addEventListener('click', () => {
    storeToken('');
    showBanner('token', 'Token forgotten: the page will ask for it again.', 'info');
  });
  $('forget-token').hidden = !token;
  poll();
})();
