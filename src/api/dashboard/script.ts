/**
 * The dashboard's script, served as /dashboard.js. Plain browser JavaScript, no library: it fills
 * the page from the API whenever the node's event stream (/api/events) says something changed,
 * building every element with textContent (never innerHTML from data, so an address or worker name cannot inject markup). The server formats
 * every hashrate and amount; the chart's Y axis ticks come labelled from /api/hashrate.
 * Kept as a string (no bundler in this project); write it without backticks or dollar-brace.
 */
import { COMMON_JS } from './common.js'

export const DASHBOARD_JS = String.raw`'use strict';
(function () {
` + COMMON_JS + String.raw`
  var REFRESH_MS = 30000;
  var CHART_MINUTES = 30;
  var CHART_POINTS = 60;
  var lastOk = 0;
  var params = null;

  function renderStatus(st) {
    var coop = st.cooperative;
    params = coop.params;
    setText('coop-name', coop.params.name + ' \u00b7 ' + short(coop.consensusId, 8, 4));
    badge('badge-network', coop.network, 'accent');
    var b = st.bitcoind;
    badge('badge-bitcoind', b.connected ? 'bitcoind \u2713 height ' + (b.height === null ? '?' : b.height) : 'bitcoind lost', b.connected ? 'good' : 'bad');
    badge('badge-peers', st.peers.count + (st.peers.count === 1 ? ' peer' : ' peers'), st.peers.count > 0 ? 'good' : '');
    badge('badge-role', st.node.indexer ? 'indexer' : st.node.writable ? 'writer' : 'non-writer', '');
    setText('card-coop-hashrate', st.shareChain.hashrateText);
    setText('card-local-hashrate', st.stratum.hashrateText);
    setText('card-local-sub', st.stratum.authorized + ' miner' + (st.stratum.authorized === 1 ? '' : 's') + ' \u00b7 ' + st.stratum.accepted + ' accepted');
    if (st.tip) {
      setText('card-tip', '#' + st.tip.height);
      setText('card-tip-sub', st.tip.id.slice(0, 12) + '\u2026' + (st.tip.time ? ' \u00b7 ' + ago(st.tip.time) + ' ago' : ''));
    } else {
      setText('card-tip', 'none yet');
      setText('card-tip-sub', 'waiting for the first share');
    }
    setText('card-shares', String(st.shareChain.shares));
    setText('card-shares-sub', 'difficulty ' + diff(st.shareChain.shareDifficulty) + ' \u00b7 ' + st.shareChain.invalid + ' invalid');
    setText('card-blocks', String(st.shareChain.blocks));
    var sub = st.bitcoind.blocksSubmitted;
    setText('card-blocks-sub', sub.accepted + ' accepted here' + (sub.rejected > 0 ? ', ' + sub.rejected + ' rejected' : ''));
    if (b.lastTemplate) {
      setBtcCard('card-value', b.lastTemplate.coinbaseValueBtc);
      setText('card-value-sub', 'block ' + b.lastTemplate.height + ' \u00b7 ' + b.lastTemplate.transactions + ' tx' + (b.lastTemplate.segwit ? ' \u00b7 segwit' : ''));
    }
    var key = coop.joinKey || (coop.private ? 'private cooperative: the join key is not shown' : '');
    setText('join-key', key);
  }

  function renderChart(series) {
    var frame = chartFrame('chart', series.ticks, series.from, series.to);
    var svg = frame.svg, W = frame.W, H = frame.H, X = frame.X, Y = frame.Y, left = frame.left, right = frame.right, x1 = series.to;
    var coop = series.cooperative.filter(function (p) { return p.t - series.bucketSeconds / 2 <= x1; });
    var any = coop.some(function (p) { return p.hashrate > 0; }) || series.local.some(function (p) { return p.hashrate > 0; });
    if (!any) {
      var empty = s('text', { x: (left + W - right) / 2, y: H / 2, 'text-anchor': 'middle', 'class': 'empty' });
      empty.textContent = 'no shares in the last ' + CHART_MINUTES + ' minutes yet';
      svg.appendChild(empty);
      return;
    }
    if (coop.length > 0) {
      var pts = coop.map(function (p) { return [X(Math.min(x1, p.t - series.bucketSeconds / 2)), Y(p.hashrate)]; });
      var line = pts.map(function (p, i) { return (i === 0 ? 'M' : 'L') + p[0].toFixed(1) + ' ' + p[1].toFixed(1); }).join(' ');
      var area = line + ' L' + pts[pts.length - 1][0].toFixed(1) + ' ' + Y(0) + ' L' + pts[0][0].toFixed(1) + ' ' + Y(0) + ' Z';
      svg.appendChild(s('path', { d: area, 'class': 'coop-area' }));
      svg.appendChild(s('path', { d: line, 'class': 'coop-line', id: 'chart-coop' }));
    }
    if (series.local.length > 1) {
      var lp = series.local.map(function (p, i) { return (i === 0 ? 'M' : 'L') + X(p.t).toFixed(1) + ' ' + Y(p.hashrate).toFixed(1); }).join(' ');
      svg.appendChild(s('path', { d: lp, 'class': 'local-line', id: 'chart-local' }));
    }
  }

  function renderPayout(res) {
    var bar = $('payout-bar');
    while (bar.firstChild) bar.removeChild(bar.firstChild);
    if (!res.ok) {
      setText('payout-value', '');
      setText('payout-note', res.body && res.body.error ? res.body.error : 'unavailable');
      fillRows('payout-table', [], 3, 'no split yet');
      return;
    }
    var p = res.body;
    setText('payout-value', p.template.coinbaseValueBtc + ' BTC');
    setText('payout-note', 'what a block found now at the tip pays' + (p.finder ? ', if ' + short(p.finder.address, 10, 4) + (p.finder.assumed ? ' (the tip\u2019s miner)' : '') + ' finds it' : ''));
    p.outputs.forEach(function (o) {
      var seg = h('span');
      seg.style.width = Math.max(0.4, o.pct) + '%';
      seg.style.background = colorOf(o.address);
      seg.title = o.address + ': ' + o.btc + ' BTC (' + o.pct + '%)';
      bar.appendChild(seg);
    });
    fillRows('payout-table', p.outputs.map(function (o) {
      return row([addressCell(o.address), cell(o.btc, 'num mono'), cell(o.pct.toFixed(2), 'num')]);
    }), 3, 'no shares in the window yet');
    var facts = $('payout-facts');
    while (facts.firstChild) facts.removeChild(facts.firstChild);
    if (params) {
      facts.appendChild(h('li', null, 'PPLNS over the last ' + params.windowShares + ' shares, weighted by work; uncles credited at ' + params.uncleWeightBps / 100 + ' %'));
      facts.appendChild(h('li', null, 'finder bonus ' + params.finderBonusBps / 100 + ' % · at most ' + params.maxOutputs + ' outputs'));
      facts.appendChild(h('li', null, p.lottery ? 'amounts under ' + params.minPayout + ' sat: one draw of ' + p.lottery.btc + ' BTC among ' + p.lottery.members + ', won by ' + short(p.lottery.winner, 10, 4) : 'amounts under ' + params.minPayout + ' sat are paid by one draw, in proportion'));
    }
  }

  function renderMiners(m) {
    setText('miners-note', m.miners.length + ' miner' + (m.miners.length === 1 ? '' : 's') + ' \u00b7 PPLNS window ' + m.windowShares + ' shares');
    fillRows('miners-table', m.miners.map(function (x) {
      var workers = h('td');
      if (x.workers.length === 0) workers.appendChild(h('span', 'muted', 'other node'));
      x.workers.forEach(function (w) { workers.appendChild(h('span', 'worker', w.name || 'default')); });
      var pct = h('td', 'num');
      var pb = h('span', 'pctbar');
      pb.appendChild(h('i')).style.width = Math.min(100, x.window.pct) + '%';
      pct.appendChild(pb);
      pct.appendChild(document.createTextNode(x.window.pct.toFixed(2) + ' %'));
      var addr = addressCell(x.address);
      if (x.address.indexOf('script:') !== 0) {
        var link = h('a', null, x.address);
        link.href = '/miner/' + encodeURIComponent(x.address);
        addr.replaceChild(link, addr.lastChild);
      }
      return row([
        addr,
        workers,
        cell(x.hashrateText, 'num'),
        cell(x.localHashrateText, 'num'),
        cell(x.shares, 'num'),
        pct,
        cell(x.expectedPayout ? x.expectedPayout.btc + ' BTC' : '\u2013', 'num mono')
      ]);
    }), 7, 'no miner yet: point one at this node\u2019s stratum port');
  }

  function renderShares(sh) {
    setText('shares-note', sh.tip ? 'best chain, tip #' + sh.tip.height : '');
    fillRows('shares-table', sh.shares.map(function (x) {
      var id = h('td', 'mono', x.id.slice(0, 12) + '\u2026');
      id.title = x.id;
      if (x.isBlock) id.appendChild(h('span', 'pill block', 'block'));
      return row([cell(x.height, 'num'), id, addressCell(x.miner, true), cell(diff(x.difficulty), 'num'), cell(ago(x.time), 'num')]);
    }), 5, 'no shares yet');
  }

  // What bitcoind said of a block (src/blocks/store.ts), never the share alone.
  function blockStatusText(st) {
    var state = st ? st.state : 'unchecked';
    switch (state) {
      case 'in-best-chain': return ['in best chain' + (st.confirmations ? ' (' + st.confirmations + ' conf)' : ''), 'good'];
      case 'accepted': return ['accepted by bitcoind', 'good'];
      case 'submitting': return ['submitted', 'muted'];
      case 'unsubmitted': return ['not yet submitted: bitcoind unreachable', 'warn'];
      case 'race-lost': return ['lost a race', 'warn'];
      case 'orphaned': return ['orphaned', 'bad'];
      case 'rejected': return ['rejected', 'bad'];
      case 'abandoned': return ['abandoned', 'bad'];
      case 'unknown-to-bitcoind': return ['unknown to bitcoind', 'bad'];
      default: return ['not checked yet', 'muted'];
    }
  }

  function renderBlocks(bl) {
    setText('blocks-note', bl.total + ' block solutions in the share-chain; status from bitcoind');
    fillRows('blocks-table', bl.blocks.map(function (b) {
      var status = h('td');
      var st = blockStatusText(b.status);
      var pill = h('span', 'pill ' + st[1], st[0]);
      if (b.status && b.status.reason) pill.title = b.status.reason;
      status.appendChild(pill);
      // On its own line: beside the pill it pushed the table past its card.
      if (!b.submittedHere) status.appendChild(h('div', 'muted small', 'sent by another node'));
      return row([cell(b.blockHeight, 'num'), cell(short(b.hash, 10, 4), 'mono'), addressCell(b.finder, true), cell(btcShort(b.coinbaseValueBtc), 'num mono'), cell(b.outputs.length, 'num'), status]);
    }), 6, 'no block found yet');
  }

  var busy = false;
  var again = false;
  /** One refresh at a time; a change during one asks for another right after it. */
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    Promise.all([
      getJson('/api/status'),
      getJson('/api/miners'),
      getJson('/api/shares?limit=10'),
      getJson('/api/blocks?limit=8'),
      getJson('/api/payouts/next'),
      getJson('/api/hashrate?minutes=' + CHART_MINUTES + '&points=' + CHART_POINTS)
    ]).then(function (r) {
      if (!r[0].ok) throw new Error('status ' + r[0].status);
      renderStatus(r[0].body);
      if (r[1].ok) renderMiners(r[1].body);
      if (r[2].ok) renderShares(r[2].body);
      if (r[3].ok) renderBlocks(r[3].body);
      renderPayout(r[4]);
      if (r[5].ok) renderChart(r[5].body);
      lastOk = Date.now();
      document.body.setAttribute('data-loaded', 'true');
    }).catch(function () {
      badge('badge-updated', lastOk ? 'node unreachable since ' + ago(lastOk / 1000) : 'node unreachable', 'bad');
    }).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  // Pushed, not polled: the node says when the tip, a share, a block or a worker changes. The slow
  // timer only keeps the ages and the stratum sample current on a quiet cooperative.
  var soon = debounce(refresh, 250);
  live(['tip', 'share', 'block', 'worker', 'status'], soon);
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
`
