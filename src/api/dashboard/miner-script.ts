/**
 * The miner page's script, served as /miner.js: reads the address from the path, fills the page
 * from /api/miners/ADDRESS and /api/miners/ADDRESS/chart, and refreshes when /api/events says one
 * of this address's workers, the tip or a block changed. Same rules as dashboard.js: textContent
 * only, formatted values from the server, a string without backticks or dollar-brace.
 */
import { COMMON_JS } from './common.js'

export const MINER_JS = String.raw`'use strict';
(function () {
` + COMMON_JS + String.raw`
  var REFRESH_MS = 60000;
  var PAYOUT_ROWS = 15;
  var address = decodeURIComponent(location.pathname.replace(/^\/miner\//, ''));
  var path = '/api/miners/' + encodeURIComponent(address);

  function iso(text) { return text ? Date.parse(text) / 1000 : null; }
  function bestText(b) { return b ? diff(b.difficulty) : '\u2013'; }

  function renderMiner(body) {
    var m = body.miner;
    setText('card-h10m', m.localHashrateTexts['10m']);
    setText('card-h1h', m.localHashrateTexts['1h']);
    setText('card-h24h', m.localHashrateTexts['24h']);
    setText('card-best', bestText(m.best.allTime));
    setText('card-best-sub', m.best.sinceBlock ? 'since last block ' + diff(m.best.sinceBlock.difficulty) + ' (' + (m.best.sinceBlock.worker || 'default') + ')' : 'none since the last block');
    var p = body.payouts;
    if (p.next) setBtcCard('card-next', p.next.btc);
    else setText('card-next', '\u2013');
    setText('card-next-sub', p.next ? p.next.pct.toFixed(2) + ' % of the next block' : 'no template or no share yet');
    setBtcCard('card-paid', p.pastTotal.btc);
    setText('card-paid-sub', 'from ' + p.pastTotal.blocks + ' block' + (p.pastTotal.blocks === 1 ? '' : 's'));
    var online = m.workers.filter(function (w) { return w.online; }).length;
    setText('workers-note', m.workers.length + ' worker' + (m.workers.length === 1 ? '' : 's') + ', ' + online + ' online');
    fillRows('workers-table', m.workers.map(function (w) {
      var status = h('td');
      status.appendChild(h('span', 'pill ' + (w.online ? 'good' : 'bad'), w.online ? 'online' : 'offline'));
      var best = w.best || { allTime: null, sinceBlock: null };
      var texts = w.hashrateTexts || { '10m': w.hashrateText, '1h': '\u2013', '24h': '\u2013' };
      var last = iso(w.lastShareAt);
      return row([
        cell(w.name || 'default', 'worker-name'),
        status,
        cell(w.coinbaseClass || '\u2013'),
        cell(diff(w.difficulty), 'num'),
        cell(texts['10m'], 'num'),
        cell(texts['1h'], 'num'),
        cell(texts['24h'], 'num'),
        cell(w.accepted, 'num'),
        cell(w.rejected, 'num'),
        cell(w.stale === undefined ? '\u2013' : w.stale, 'num'),
        cell(bestText(best.allTime), 'num'),
        cell(bestText(best.sinceBlock), 'num'),
        cell(last === null ? '\u2013' : ago(last) + ' ago', 'num')
      ]);
    }), 13, 'no worker of this address on this node yet');
    var shown = p.past.slice(0, PAYOUT_ROWS);
    setText('payouts-note', p.pastTotal.blocks + ' block' + (p.pastTotal.blocks === 1 ? '' : 's') + ' paid this address' + (p.pastTotal.blocks > shown.length ? ', latest ' + shown.length + ' shown' : ''));
    fillRows('payouts-table', shown.map(function (x) {
      return row([cell(x.blockHeight, 'num'), cell(short(x.hash, 10, 4), 'mono'), cell(x.btc, 'num mono'), cell(ago(x.time), 'num')]);
    }), 4, 'no found block has paid this address yet');
  }

  function renderChart(c) {
    var frame = chartFrame('miner-chart', c.ticks, c.from, c.to);
    var svg = frame.svg, W = frame.W, H = frame.H, X = frame.X, Y = frame.Y;
    if (!c.points.some(function (p) { return p.hashrate > 0; })) {
      var empty = s('text', { x: (frame.left + W - frame.right) / 2, y: H / 2, 'text-anchor': 'middle', 'class': 'empty' });
      empty.textContent = 'no accepted work from this address on this node in 24 h';
      svg.appendChild(empty);
      return;
    }
    var pts = c.points.map(function (p) { return [X(p.t - c.bucketSeconds / 2), Y(p.hashrate)]; });
    var line = pts.map(function (p, i) { return (i === 0 ? 'M' : 'L') + p[0].toFixed(1) + ' ' + p[1].toFixed(1); }).join(' ');
    var area = line + ' L' + pts[pts.length - 1][0].toFixed(1) + ' ' + Y(0) + ' L' + pts[0][0].toFixed(1) + ' ' + Y(0) + ' Z';
    svg.appendChild(s('path', { d: area, 'class': 'local-area' }));
    svg.appendChild(s('path', { d: line, 'class': 'local-line', id: 'miner-chart-line' }));
    // Best shares: a mark on the line at each interval's best, the overall best labelled.
    var top = null;
    c.bestShares.forEach(function (b) { if (top === null || b.difficulty > top.difficulty) top = b; });
    var byT = {};
    c.points.forEach(function (p) { byT[p.t] = p.hashrate; });
    c.bestShares.forEach(function (b) {
      var cx = X(b.t - c.bucketSeconds / 2), cy = Y(byT[b.t] || 0);
      var mark = s('circle', { cx: cx.toFixed(1), cy: cy.toFixed(1), r: b === top ? 5 : 3, 'class': 'best-mark' });
      var title = s('title', {});
      title.textContent = 'best share ' + diff(b.difficulty) + ' by ' + (b.worker || 'default') + ' at ' + clock(b.t, true);
      mark.appendChild(title);
      svg.appendChild(mark);
      if (b === top) {
        var anchor = cx > W - 80 ? 'end' : cx < frame.left + 40 ? 'start' : 'middle';
        var label = s('text', { x: cx.toFixed(1), y: Math.max(12, cy - 9).toFixed(1), 'text-anchor': anchor, 'class': 'best-label' });
        label.textContent = 'best ' + diff(b.difficulty);
        svg.appendChild(label);
      }
    });
  }

  var busy = false;
  var again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    Promise.all([getJson(path), getJson(path + '/chart?hours=24&points=144')]).then(function (r) {
      if (!r[0].ok) {
        setText('workers-note', r[0].body && r[0].body.error ? r[0].body.error : 'unavailable');
        document.body.setAttribute('data-loaded', 'error');
        return;
      }
      renderMiner(r[0].body);
      if (r[1].ok) renderChart(r[1].body);
      document.body.setAttribute('data-loaded', 'true');
    }).catch(function () {
      badge('badge-updated', 'node unreachable', 'bad');
    }).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  setText('miner-address', address);
  document.title = 'hashcoop miner ' + short(address, 10, 6);
  var soon = debounce(refresh, 250);
  live(['tip', 'block', 'worker'], function (name, data) {
    if (name !== 'worker' || data.address === address) soon();
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
`
