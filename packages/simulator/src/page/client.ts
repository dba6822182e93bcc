/**
 * The dev phone's browser code, plain DOM and no dependencies, kept as text: it is served
 * inline with the page, so nothing is built, bundled or fetched from a CDN.
 * (No backticks or dollar-brace in here: this is a String.raw template.)
 */
export const PAGE_JS = String.raw`
(function () {
  'use strict';
  // During a burst the server sends only the newest changes ("skipped"): fetch everything once
  // the burst is over. After a stall ("resync"), fetch the newest at most every 2 s.
  var RESYNC_GAP_MS = 2000;
  var RESYNC_LIMIT = 200;
  var QUIET_MS = 1500;
  var quietTimer = null;
  function afterBurst() {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(function () { load(); }, QUIET_MS);
  }
  var FAULTS = {
    decisiontelecom: [
      ['rate_limit', '429 Too Many Requests (Retry-After: 1)'],
      ['server_error', '500 server error'],
      ['drop', 'Connection reset'],
      ['balance', '402 balance exhausted'],
      ['session_window', '24-hour window closed (code 7)'],
      ['auth', '401 bad credentials'],
      ['hang', 'No answer (hang)']
    ],
    wolkvox: [
      ['concurrency', '403 too many simultaneous requests'],
      ['daily_limit', '403 daily quota exceeded'],
      ['server_error', '502 Bad Gateway'],
      ['drop', 'Connection reset'],
      ['window', '403 24-hour window closed'],
      ['maintenance', '403 maintenance'],
      ['auth', '403 invalid token'],
      ['hang', 'No answer (hang)']
    ],
    'whatsapp-cloud': [
      ['session_window', '400 re-engagement: 24-hour window closed (131047)'],
      ['rate_limit', '429 throughput reached (130429)'],
      ['pair_rate_limit', '400 pair rate limit (131056)'],
      ['server_error', '500 something went wrong (131000)'],
      ['auth', '401 access token expired (190)'],
      ['template', '404 template does not exist (132001)'],
      ['drop', 'Connection reset'],
      ['hang', 'No answer (hang)']
    ]
  };
  var PROVIDER = { decisiontelecom: 'DecisionTelecom', wolkvox: 'Wolkvox', 'whatsapp-cloud': 'WhatsApp Cloud API' };
  var LABEL = {
    accepted: 'Accepted', pending: 'Pending', sent: 'Sent', delivered: 'Delivered', read: 'Read',
    failed: 'Failed', rejected: 'Rejected', deleted: 'Deleted', unknown: 'Unknown status'
  };
  var DT_CODE = { 0: 'sent', 1: 'delivered', 2: 'rejected', 3: 'error', 4: 'failed', 5: 'deleted', 6: 'pending', 7: 'seen' };
  var SVG = {
    clock: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><circle cx="8" cy="8" r="6.1" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M8 4.6V8l2.3 1.5" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>',
    one: '<svg viewBox="0 0 16 11" width="16" height="11" aria-hidden="true"><path d="M2.2 6l2.9 2.9L12.2 1.6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    two: '<svg viewBox="0 0 18 11" width="18" height="11" aria-hidden="true"><path d="M1.2 6l2.9 2.9L11.2 1.6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/><path d="M7.6 8.2l.7.7L15.9 1.6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    bad: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><circle cx="8" cy="8" r="7" fill="currentColor"/><path d="M8 4.2v4.9" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/><circle cx="8" cy="11.7" r="1.05" fill="#fff"/></svg>',
    person: '<svg viewBox="0 0 212 212" aria-hidden="true"><path fill="#dfe5e7" d="M106 0C47.5 0 0 47.5 0 106s47.5 106 106 106 106-47.5 106-106S164.5 0 106 0z"/><path fill="#fff" d="M173.6 171.6c-9.5-20.4-28.9-31.4-50.8-35.3 10.8-6.3 18.1-18 18.1-31.4 0-20-16.2-36.3-36.3-36.3S68.3 84.9 68.3 104.9c0 13.4 7.3 25.1 18.1 31.4-21.9 3.9-41.3 14.9-50.8 35.3 17.7 19.3 43.1 31.4 71.3 31.4s52.9-12.1 70.7-31.4z"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4l17.5-7.5c.8-.4.8-1.5 0-1.8L3.4 3.6c-.7-.3-1.4.2-1.4.9L2 9.1c0 .5.4.9.9 1l12.1 1.9-12.1 1.9c-.5.1-.9.5-.9 1l.1 4.6c0 .7.7 1.2 1.3.9z"/></svg>',
    logo: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2zm0 2a8 8 0 1 1-4.1 14.9l-.3-.2-3 .8.8-2.9-.2-.3A8 8 0 0 1 12 4z"/></svg>'
  };

  var state = { epoch: -1, byId: new Map(), selected: null, query: '', faults: null, latencyMs: 0, info: null, failedImages: new Set() };
  var $ = function (id) { return document.getElementById(id); };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function digits(s) { return String(s || '').replace(/\D/g, ''); }
  function keyOf(m) { return m.provider + ':' + m.account + ':' + digits(m.to); }
  function hhmm(t) { var d = new Date(t); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); }
  function textOf(m) {
    return [m.text, m.imageUrl, m.template && m.template.name].concat(m.template ? m.template.variables : [], m.error ? [m.error.message] : [])
      .filter(function (s) { return typeof s === 'string'; }).join('\n');
  }
  function account(c) {
    return (c.provider === 'decisiontelecom' ? 'sender ' : c.provider === 'whatsapp-cloud' ? 'phone number id ' : 'connector ') + (c.account || '?');
  }

  // ---- state -------------------------------------------------------------------------------

  function upsert(list) {
    for (var i = 0; i < list.length; i++) {
      var m = list[i];
      var old = state.byId.get(m.id);
      if (!old || old.rev <= m.rev) state.byId.set(m.id, m);
    }
  }
  function applyExtra(extra) {
    if (!extra) return;
    if (extra.faults) state.faults = extra.faults;
    if (extra.latencyMs !== undefined) state.latencyMs = extra.latencyMs;
  }
  function applySnapshot(s) {
    if (s.epoch !== state.epoch) { state.byId = new Map(); state.epoch = s.epoch; }
    upsert(s.messages);
    applyExtra(s.extra);
    render();
  }
  function load(limit) {
    return fetch('/_sim/messages' + (limit ? '?limit=' + limit : ''), { headers: { accept: 'application/json' } })
      .then(function (r) { return r.json(); }).then(applySnapshot).catch(function () {});
  }
  var resyncTimer = null;
  var lastResync = 0;
  function requestResync() {
    afterBurst();
    if (resyncTimer) return;
    var wait = Math.max(0, lastResync + RESYNC_GAP_MS - Date.now());
    resyncTimer = setTimeout(function () {
      resyncTimer = null;
      lastResync = Date.now();
      load(RESYNC_LIMIT);
    }, wait);
  }

  function conversations() {
    var groups = new Map();
    state.byId.forEach(function (m) {
      var k = keyOf(m);
      var g = groups.get(k);
      if (!g) { g = { key: k, provider: m.provider, account: m.account, to: m.to, messages: [] }; groups.set(k, g); }
      g.messages.push(m);
    });
    var out = [];
    groups.forEach(function (g) {
      g.messages.sort(function (a, b) { return a.seq - b.seq; });
      g.last = g.messages[g.messages.length - 1];
      out.push(g);
    });
    return out.sort(function (a, b) { return b.last.seq - a.last.seq; });
  }
  function matchesSearch(c, q) {
    q = q.trim().toLowerCase();
    if (!q) return true;
    if (/^[\d\s+()-]+$/.test(q) && digits(q) && digits(c.to).indexOf(digits(q)) >= 0) return true;
    return c.messages.some(function (m) { return textOf(m).toLowerCase().indexOf(q) >= 0; });
  }

  // ---- rendering ---------------------------------------------------------------------------

  var scheduled = false;
  function render() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; draw(); });
  }

  function tickOf(m) {
    var s = m.status;
    var icon = s === 'read' || s === 'delivered' ? SVG.two : s === 'sent' ? SVG.one
      : s === 'failed' || s === 'rejected' || s === 'deleted' ? SVG.bad : SVG.clock;
    return '<span class="tick ' + esc(s) + '" title="' + esc(rawTitle(m)) + '">' + icon + '</span>' +
      '<span class="sr-only status-label">' + esc(LABEL[s] || s) + '</span>';
  }
  function rawTitle(m) {
    if (m.error) return PROVIDER[m.provider] + ' refused it: ' + (m.error.httpStatus === undefined ? 'no answer' : 'HTTP ' + m.error.httpStatus);
    if (m.provider === 'decisiontelecom') {
      return 'DecisionTelecom status ' + m.providerStatus + ' (' + (DT_CODE[m.providerStatus] || 'unknown') + ')' +
        (m.providerMessageId ? ', message_id ' + m.providerMessageId : '');
    }
    if (m.provider === 'whatsapp-cloud') {
      return 'WhatsApp Cloud API ' + (m.providerStatus === 'accepted' ? 'accepted it' : 'status webhook: ' + m.providerStatus) +
        (m.providerMessageId ? ', ' + m.providerMessageId : '');
    }
    return 'Wolkvox answered code ' + m.providerStatus + ' (Message has been sent successfully); Wolkvox reports no later status';
  }
  function contentOf(m) {
    var h = '';
    if (m.template) {
      h += '<div class="template"><div class="label">Template</div><span class="tname">' + esc(m.template.name) + '</span>' +
        (m.template.language ? ' <span class="badge">' + esc(m.template.language) + '</span>' : '');
      if (m.template.variables.length) {
        h += '<ol class="vars">' + m.template.variables.map(function (v, i) {
          return '<li><b>{{' + (i + 1) + '}}</b> ' + esc(v) + '</li>';
        }).join('') + '</ol>';
      }
      h += '</div>';
    }
    if (m.imageUrl) {
      h += '<div class="image">' + (state.failedImages.has(m.imageUrl)
        ? '<div class="noimage">Image did not load:</div><a class="link" href="' + esc(m.imageUrl) + '" target="_blank" rel="noopener">' + esc(m.imageUrl) + '</a>'
        : '<img src="' + esc(m.imageUrl) + '" alt="Image sent" data-url="' + esc(m.imageUrl) + '">') + '</div>';
    }
    if (m.text) h += '<span class="text' + (m.error ? ' attempt' : '') + '">' + esc(m.text) + '</span>';
    if (!m.template && !m.imageUrl && !m.text) h += '<span class="attempt">(no content)</span>';
    return h;
  }
  function bubble(m) {
    var out = m.direction === 'outbound';
    var cls = 'bubble' + (m.error ? ' refused' : '');
    var h = '<div class="row ' + (out ? 'out' : 'in') + '">';
    h += '<div class="' + cls + '" data-id="' + esc(m.id) + '" data-status="' + esc(m.status) + '"' +
      (m.error ? ' data-refused="true"' : '') + '>';
    var movable = m.provider === 'decisiontelecom' || (m.provider === 'whatsapp-cloud' && m.providerMessageId);
    if (out && movable && !m.error && ['read', 'failed', 'rejected', 'deleted'].indexOf(m.status) < 0) {
      h += '<div class="moves" role="group" aria-label="Move status by hand">' +
        ['delivered', 'read', 'failed'].map(function (s) {
          return '<button type="button" data-move="' + s + '" data-id="' + esc(m.id) + '" aria-label="Mark ' + s + '">' + LABEL[s] + '</button>';
        }).join('') + '</div>';
    }
    h += contentOf(m);
    if (m.error) {
      h += '<div class="error" role="note"><b>' + (out ? 'Refused by ' + PROVIDER[m.provider] : 'Not taken by the app') + '</b>' + esc(m.error.message) + '</div>';
    }
    h += '<span class="meta"><time>' + hhmm(m.at) + '</time>' + (out ? tickOf(m) : '') + '</span></div></div>';
    return h;
  }

  function drawList(list) {
    var visible = list.filter(function (c) { return matchesSearch(c, state.query); });
    $('conversations').innerHTML = visible.map(function (c) {
      var m = c.last;
      var preview = (m.direction === 'outbound' ? '<span class="tick ' + esc(m.status) + '">' +
        (m.status === 'read' || m.status === 'delivered' ? SVG.two : m.status === 'sent' ? SVG.one : m.error || m.status === 'failed' || m.status === 'rejected' ? SVG.bad : SVG.clock) + '</span>' : '') +
        esc(m.error ? 'Refused: ' + m.error.message : m.template ? 'Template: ' + m.template.name : m.text || (m.imageUrl ? 'Photo' : ''));
      return '<li><button type="button" class="conv" data-key="' + esc(c.key) + '" aria-current="' + (c.key === state.selected) + '">' +
        '<span class="avatar">' + SVG.person + '</span><span class="conv-body"><span class="conv-top"><span class="conv-name">' +
        esc(c.to || 'unknown number') + '</span><span class="conv-time">' + hhmm(m.at) + '</span></span>' +
        '<span class="conv-bottom"><span class="conv-preview">' + preview + '</span><span class="badge ' + c.provider + '">' +
        PROVIDER[c.provider] + ' · ' + esc(c.account || '?') + '</span></span></span></button></li>';
    }).join('');
    return visible;
  }

  function drawChat(c) {
    var el = $('messages');
    var atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (!c) {
      $('chat-head').hidden = true;
      $('reply').hidden = true;
      var info = state.info;
      el.innerHTML = '<div class="empty"><h1>Parley dev phone</h1>' +
        '<p>Every message a messenger sends to this simulator appears here, live, as the customer would see it.</p>' +
        (info ? '<p>Point a messenger’s <code>baseUrl</code> at:</p><code>' + esc(info.decisionTelecom) + '</code><code>' + esc(info.wolkvox) + '</code>' + (info.whatsappCloud ? '<code>' + esc(info.whatsappCloud) + '</code>' : '') : '') +
        '</div>';
      return;
    }
    $('chat-head').hidden = false;
    $('reply').hidden = false;
    $('chat-name').textContent = c.to || 'unknown number';
    $('chat-sub').textContent = PROVIDER[c.provider] + ' · ' + account(c) + ' · ' + c.messages.length + ' message' + (c.messages.length === 1 ? '' : 's');
    var win = $('chat-window');
    if (c.provider === 'wolkvox' || c.provider === 'whatsapp-cloud') {
      var lastReply = c.messages.filter(function (m) { return m.direction === 'inbound'; }).pop();
      var open = lastReply && Date.now() - lastReply.at < 86400000;
      win.hidden = false;
      win.className = 'window' + (open ? ' open' : '');
      win.textContent = open ? '24-hour window open' : 'templates only until the customer replies';
    } else win.hidden = true;
    var html = '';
    var day = '';
    c.messages.forEach(function (m) {
      var d = new Date(m.at).toDateString();
      if (d !== day) { day = d; html += '<div class="day">' + esc(new Date(m.at).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })) + '</div>'; }
      html += bubble(m);
    });
    el.innerHTML = html;
    if (atBottom || el.dataset.key !== c.key) el.scrollTop = el.scrollHeight;
    el.dataset.key = c.key;
  }

  function drawFaults() {
    var f = state.faults;
    var items = [];
    if (f) {
      ['decisiontelecom', 'wolkvox', 'whatsapp-cloud'].forEach(function (p) {
        (f[p] || []).forEach(function (x) {
          var label = (FAULTS[p].filter(function (o) { return o[0] === x.kind; })[0] || [x.kind, x.kind])[1];
          items.push('<li>' + PROVIDER[p] + ': ' + esc(label) + ' × ' + x.times + (x.endpoint !== 'any' ? ' (' + esc(x.endpoint) + ')' : '') + '</li>');
        });
      });
    }
    $('armed').innerHTML = items.length ? items.join('') : '<li>none armed: requests behave normally</li>';
    var lat = $('latency');
    if (document.activeElement !== lat) lat.value = Array.isArray(state.latencyMs) ? state.latencyMs[1] : state.latencyMs;
  }

  function draw() {
    var list = conversations();
    var visible = drawList(list);
    var current = list.filter(function (c) { return c.key === state.selected; })[0];
    if (!current && visible.length) { current = visible[0]; state.selected = current.key; drawList(list); }
    drawChat(current);
    drawFaults();
  }

  // ---- actions -----------------------------------------------------------------------------

  function post(path, body) {
    return fetch('/_sim/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || r.status); return j; }); });
  }
  function say(text) { $('status-line').textContent = text; }

  $('conversations').addEventListener('click', function (e) {
    var b = e.target.closest('.conv');
    if (!b) return;
    state.selected = b.dataset.key;
    render();
  });
  $('search').addEventListener('input', function (e) { state.query = e.target.value; render(); });
  $('messages').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-move]');
    if (!b) return;
    post('status', { id: b.dataset.id, status: b.dataset.move }).then(function (j) { upsert([j.message]); render(); }, function (err) { say(err.message); });
  });
  $('messages').addEventListener('error', function (e) {
    var t = e.target;
    if (t && t.tagName === 'IMG' && t.dataset.url) { state.failedImages.add(t.dataset.url); render(); }
  }, true);
  $('reply').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = $('reply-input');
    var text = input.value;
    var c = conversations().filter(function (x) { return x.key === state.selected; })[0];
    if (!c || !text.trim()) return;
    input.value = '';
    post('reply', { to: c.to, text: text, provider: c.provider, account: c.account })
      .then(function (j) {
        upsert([j.message]); render();
        say(c.provider === 'wolkvox' ? 'Reply sent: Wolkvox now accepts free-form text to ' + c.to + ' for 24 hours.'
          : c.provider === 'whatsapp-cloud' ? (j.message.error ? 'Reply not taken: ' + j.message.error.message
            : 'Reply sent to the app as a signed webhook: the Cloud API now accepts free-form messages to ' + c.to + ' for 24 hours.')
          : 'Reply sent.');
      },
        function (err) { input.value = text; say(err.message); });
  });
  $('faults-btn').addEventListener('click', function () {
    var panel = $('faults');
    panel.hidden = !panel.hidden;
    this.setAttribute('aria-expanded', String(!panel.hidden));
  });
  function fillKinds() {
    var p = $('fault-provider').value;
    $('fault-kind').innerHTML = FAULTS[p].map(function (o) { return '<option value="' + o[0] + '">' + esc(o[1]) + '</option>'; }).join('');
  }
  $('fault-provider').addEventListener('change', fillKinds);
  fillKinds();
  $('fault-arm').addEventListener('click', function () {
    post('faults', { provider: $('fault-provider').value, kind: $('fault-kind').value, times: Number($('fault-times').value) || 1 })
      .then(function (j) { state.faults = j.faults; drawFaults(); say('Armed: the next request(s) will fail as chosen.'); }, function (err) { say(err.message); });
  });
  $('latency-set').addEventListener('click', function () {
    post('latency', { latencyMs: Number($('latency').value) || 0 })
      .then(function (j) { state.latencyMs = j.latencyMs; drawFaults(); say('Latency set to ' + j.latencyMs + ' ms.'); }, function (err) { say(err.message); });
  });
  $('clear-btn').addEventListener('click', function () {
    post('reset').then(function () { state.byId = new Map(); state.selected = null; load(); say('Cleared.'); });
  });

  // ---- live updates ------------------------------------------------------------------------

  fetch('/', { headers: { accept: 'application/json' } }).then(function (r) { return r.json(); })
    .then(function (info) { state.info = info; render(); }).catch(function () {});
  var es = new EventSource('/_sim/events');
  es.onopen = function () { load(); };
  es.onmessage = function (e) {
    var data = JSON.parse(e.data);
    upsert(data.messages || []);
    (data.statuses || []).forEach(function (t) {
      var m = state.byId.get(t[0]);
      if (!m) { afterBurst(); return; } // skipped in a burst, or announced before this page loaded
      if (m.rev >= t[3]) return;
      var next = Object.assign({}, m, { status: t[1], providerStatus: t[2], rev: t[3] });
      state.byId.set(t[0], next);
    });
    applyExtra(data.extra);
    if (data.skipped) afterBurst();
    render();
  };
  es.addEventListener('resync', function (e) {
    try { applyExtra(JSON.parse(e.data).extra); } catch (_) {}
    requestResync();
  });
})();
`;
