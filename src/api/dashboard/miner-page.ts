/**
 * The miner page (/miner/ADDRESS): one payout address's workers on this node, its 24 h hashrate
 * with best shares marked, what the next block would pay it and what found blocks paid it. A
 * static shell like the dashboard's; /miner.js fills it and keeps it live from /api/events.
 */
import { LOGO_SVG, pageHead } from './page.js'

export const MINER_HTML = `${pageHead('hashcoop miner', '/miner.js')}
<header class="top">
  <div class="brand"><a href="/" class="home">${LOGO_SVG.replace('<svg ', '<svg class="logo" aria-hidden="true" ')}</a><span>miner</span><span id="miner-address" class="muted mono"></span></div>
  <div class="badges"><span id="badge-updated" class="badge muted">connecting&hellip;</span></div>
</header>
<main>
  <section class="cards">
    <div class="card"><div class="label">Hashrate 10 min</div><div class="value" id="card-h10m">&ndash;</div><div class="sub">on this node</div></div>
    <div class="card"><div class="label">Hashrate 1 h</div><div class="value" id="card-h1h">&ndash;</div><div class="sub">on this node</div></div>
    <div class="card"><div class="label">Hashrate 24 h</div><div class="value" id="card-h24h">&ndash;</div><div class="sub">on this node</div></div>
    <div class="card"><div class="label">Best share</div><div class="value" id="card-best">&ndash;</div><div class="sub" id="card-best-sub"></div></div>
    <div class="card"><div class="label">Next block pays</div><div class="value" id="card-next">&ndash;</div><div class="sub" id="card-next-sub"></div></div>
    <div class="card"><div class="label">Paid so far</div><div class="value" id="card-paid">&ndash;</div><div class="sub" id="card-paid-sub"></div></div>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Hashrate, last 24 h</h2><div class="legend"><span class="key local"></span>this node <span class="key best"></span>best share of the interval</div></div>
    <svg id="miner-chart" viewBox="0 0 720 260" preserveAspectRatio="none" role="img" aria-label="hashrate over 24 hours with best shares"></svg>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Workers</h2><span class="muted small" id="workers-note"></span></div>
    <table class="table" id="workers-table">
      <thead><tr><th>Worker</th><th>Status</th><th title="coinbase class built for the worker's firmware (SPEC.md §7.6)">Coinbase</th><th class="num">Difficulty</th><th class="num">10 min</th><th class="num">1 h</th><th class="num">24 h</th><th class="num">Accepted</th><th class="num">Rejected</th><th class="num">Stale</th><th class="num">Best (all time)</th><th class="num">Best since block</th><th class="num">Last share</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Payouts from found blocks</h2><span class="muted small" id="payouts-note"></span></div>
    <table class="table compact" id="payouts-table"><thead><tr><th class="num">Block</th><th>Hash</th><th class="num">Paid (BTC)</th><th class="num">Age</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<footer><div class="muted small"><a href="/">&larr; cooperative dashboard</a></div></footer>
</body>
</html>
`
