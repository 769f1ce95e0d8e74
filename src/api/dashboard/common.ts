/**
 * Helpers shared by the dashboard's scripts (dashboard.js, miner.js): element builders that only
 * ever set textContent, number and time formats, JSON fetches, and the live event stream.
 * Plain browser JavaScript kept as a string; write it without backticks or dollar-brace.
 */
export const COMMON_JS = String.raw`
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var PALETTE = ['#f7931a', '#4fc3f7', '#3fb950', '#d2a8ff', '#ff7b72', '#e3b341', '#79c0ff', '#56d364', '#ffa657', '#a5d6ff', '#f778ba', '#8b949e'];
  var colors = {};
  var colorCount = 0;

  function colorOf(address) {
    if (!Object.prototype.hasOwnProperty.call(colors, address)) colors[address] = PALETTE[colorCount++ % PALETTE.length];
    return colors[address];
  }
  function $(id) { return document.getElementById(id); }
  function setText(id, value) { var n = $(id); if (n) n.textContent = value; }
  function h(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) {
      if (typeof content === 'object') node.appendChild(content); else node.textContent = String(content);
    }
    return node;
  }
  function s(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, String(attrs[k]));
    return node;
  }
  function short(text, head, tail) {
    if (!text) return '';
    return text.length <= head + tail + 1 ? text : text.slice(0, head) + '\u2026' + text.slice(text.length - tail);
  }
  function ago(unixSeconds) {
    var d = Math.max(0, Math.round(Date.now() / 1000 - unixSeconds));
    if (d < 60) return d + 's';
    if (d < 3600) return Math.floor(d / 60) + 'm ' + (d % 60) + 's';
    return Math.floor(d / 3600) + 'h ' + Math.floor((d % 3600) / 60) + 'm';
  }
  function clock(unixSeconds, withSeconds) {
    var t = new Date(unixSeconds * 1000);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(t.getHours()) + ':' + two(t.getMinutes()) + (withSeconds ? ':' + two(t.getSeconds()) : '');
  }
  function btcShort(btc) {
    return btc.replace(/\.?0+$/, '');
  }
  // A card's amount in a card's width: 4 decimals from 1 BTC, 6 from 0.001, else satoshis; the
  // exact figure goes in the tooltip (and the tables below show it whole).
  function setBtcCard(id, btc) {
    var n = $(id);
    if (!n) return;
    var v = Number(btc);
    n.textContent = v >= 1 ? v.toFixed(4) + ' BTC' : v >= 0.001 ? v.toFixed(6) + ' BTC' : Math.round(v * 1e8).toLocaleString('en-US') + ' sat';
    n.title = btcShort(btc) + ' BTC';
  }
  function diff(d) {
    if (d >= 1e6) return (d / 1e6).toPrecision(3) + 'M';
    if (d >= 1e3) return (d / 1e3).toPrecision(3) + 'k';
    return Number(d).toPrecision(3);
  }
  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    });
  }
  function fillRows(tableId, rows, columns, emptyText) {
    var body = $(tableId).tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    if (rows.length === 0) {
      var tr = h('tr', 'empty-row');
      var td = h('td', null, emptyText);
      td.colSpan = columns;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function row(cells) {
    var tr = h('tr');
    cells.forEach(function (c) { tr.appendChild(c); });
    return tr;
  }
  function cell(content, className) { return h('td', className || null, content); }
  function addressCell(address, compact) {
    var td = h('td', 'addr mono');
    td.appendChild(h('span', 'swatch')).style.background = colorOf(address);
    td.appendChild(document.createTextNode(compact ? short(address, 12, 6) : address));
    td.title = address;
    return td;
  }
  function badge(id, text, kind) {
    var n = $(id);
    n.textContent = text;
    n.className = 'badge' + (kind ? ' ' + kind : '');
  }

  /** Empties the chart, sizes it to its box, draws its axes; returns the svg, size and scales. */
  function chartFrame(id, ticks, x0, x1) {
    var svg = $(id);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 720);
    var H = 260;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var frame = drawAxes(svg, ticks, x0, x1, W, H);
    frame.svg = svg;
    frame.W = W;
    frame.H = H;
    return frame;
  }
  /** Grid, Y ticks (labelled by the server) and five time labels; returns the scales. */
  function drawAxes(svg, ticks, x0, x1, W, H) {
    var left = 78, right = 12, top = 12, bottom = 26;
    var yMax = ticks.length > 1 ? ticks[ticks.length - 1].value : 1;
    function X(t) { return left + ((t - x0) / Math.max(1, x1 - x0)) * (W - left - right); }
    function Y(v) { return top + (1 - v / yMax) * (H - top - bottom); }
    ticks.forEach(function (t) {
      svg.appendChild(s('line', { x1: left, x2: W - right, y1: Y(t.value), y2: Y(t.value), 'class': 'grid' }));
      var label = s('text', { x: left - 8, y: Y(t.value) + 4, 'text-anchor': 'end', 'class': 'axis' });
      label.textContent = t.label;
      svg.appendChild(label);
    });
    for (var i = 0; i <= 4; i++) {
      var t = x0 + ((x1 - x0) * i) / 4;
      var xl = s('text', { x: X(t), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle', 'class': 'axis' });
      xl.textContent = clock(t, x1 - x0 < 600);
      svg.appendChild(xl);
    }
    return { X: X, Y: Y, left: left, right: right };
  }
  /**
   * Listens to /api/events and calls onChange(name, data) for each event; says on the badge
   * whether the stream is up. EventSource reconnects by itself after a drop.
   */
  function live(names, onChange) {
    var source = new EventSource('/api/events');
    source.onopen = function () { badge('badge-updated', 'live', 'good'); document.body.setAttribute('data-live', 'true'); };
    source.onerror = function () { badge('badge-updated', 'reconnecting\u2026', 'bad'); document.body.setAttribute('data-live', 'false'); };
    names.forEach(function (name) {
      source.addEventListener(name, function (e) {
        var data = {};
        try { data = JSON.parse(e.data); } catch (err) { data = {}; }
        onChange(name, data);
      });
    });
    return source;
  }
  /** Coalesces bursts: fn runs at most once per waitMs, after the burst's first call. */
  function debounce(fn, waitMs) {
    var timer = null;
    return function () {
      if (timer !== null) return;
      timer = setTimeout(function () { timer = null; fn(); }, waitMs);
    };
  }
`
