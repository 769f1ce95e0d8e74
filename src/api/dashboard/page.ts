/**
 * The dashboard's HTML: a static shell the script fills from the API. It loads nothing but
 * /dashboard.css and /dashboard.js from this node; the server's Content-Security-Policy forbids
 * any other origin, so the page cannot make an external request even by mistake.
 */
/** The mark: three stacked blocks of a chain, the top one the orange of a found block. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="4" y="19" width="24" height="9" rx="2" fill="#4fc3f7"/><rect x="7" y="10" width="18" height="8" rx="2" fill="#8b98a8"/><rect x="10" y="2" width="12" height="7" rx="2" fill="#f7931a"/></svg>`

/** The pages' common head: this node's stylesheet and one script of its own, nothing else. */
export function pageHead(title: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard.css">
<script src="${script}" defer></script>
</head>
<body>`
}

export const DASHBOARD_HTML = `${pageHead('hashcoop', '/dashboard.js')}
<header class="top">
  <div class="brand">${LOGO_SVG.replace('<svg ', '<svg class="logo" aria-hidden="true" ')}<span>hashcoop</span><span id="coop-name" class="muted"></span></div>
  <div class="badges">
    <span id="badge-network" class="badge">network</span>
    <span id="badge-bitcoind" class="badge">bitcoind</span>
    <span id="badge-peers" class="badge">peers</span>
    <span id="badge-role" class="badge">role</span>
    <span id="badge-updated" class="badge muted">connecting&hellip;</span>
  </div>
</header>
<main>
  <section class="cards">
    <div class="card"><div class="label">Cooperative hashrate</div><div class="value" id="card-coop-hashrate">&ndash;</div><div class="sub" id="card-coop-hashrate-sub">share-chain work, last 10 min</div></div>
    <div class="card"><div class="label">This node</div><div class="value" id="card-local-hashrate">&ndash;</div><div class="sub" id="card-local-sub">stratum</div></div>
    <div class="card"><div class="label">Share-chain tip</div><div class="value" id="card-tip">&ndash;</div><div class="sub mono" id="card-tip-sub"></div></div>
    <div class="card"><div class="label">Shares</div><div class="value" id="card-shares">&ndash;</div><div class="sub" id="card-shares-sub"></div></div>
    <div class="card"><div class="label">Blocks found</div><div class="value" id="card-blocks">&ndash;</div><div class="sub" id="card-blocks-sub"></div></div>
    <div class="card"><div class="label">Next block pays</div><div class="value" id="card-value">&ndash;</div><div class="sub" id="card-value-sub"></div></div>
  </section>
  <section class="row">
    <div class="panel wide">
      <div class="panel-head"><h2>Hashrate</h2><div class="legend"><span class="key coop"></span>cooperative (share-chain) <span class="key local"></span>this node (stratum)</div></div>
      <svg id="chart" viewBox="0 0 720 260" preserveAspectRatio="none" role="img" aria-label="hashrate over time"></svg>
    </div>
    <div class="panel">
      <div class="panel-head"><h2>Next payout split</h2><span class="muted small" id="payout-value"></span></div>
      <div class="muted small note" id="payout-note"></div>
      <div id="payout-bar" class="bar"></div>
      <table class="table compact" id="payout-table"><thead><tr><th>Address</th><th class="num">BTC</th><th class="num">%</th></tr></thead><tbody></tbody></table>
      <ul class="facts muted small" id="payout-facts"></ul>
    </div>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Miners</h2><span class="muted small" id="miners-note"></span></div>
    <table class="table" id="miners-table">
      <thead><tr><th>Address</th><th>Workers</th><th class="num">Hashrate</th><th class="num">On this node</th><th class="num">Shares</th><th class="num">Window</th><th class="num">Expected payout</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="row even">
    <div class="panel">
      <div class="panel-head"><h2>Recent shares</h2><span class="muted small" id="shares-note"></span></div>
      <table class="table compact" id="shares-table"><thead><tr><th class="num">Height</th><th>Share</th><th>Miner</th><th class="num">Difficulty</th><th class="num">Age</th></tr></thead><tbody></tbody></table>
    </div>
    <div class="panel">
      <div class="panel-head"><h2>Blocks found</h2><span class="muted small" id="blocks-note"></span></div>
      <table class="table compact" id="blocks-table"><thead><tr><th class="num">Height</th><th>Block</th><th>Finder</th><th class="num">Value</th><th class="num">Outputs</th><th>Status</th></tr></thead><tbody></tbody></table>
    </div>
  </section>
</main>
<footer>
  <div><span class="muted">join key</span> <code id="join-key" class="mono">&ndash;</code></div>
  <div class="muted small">API: <a href="/api/status">/api/status</a> &middot; <a href="/api/miners">/api/miners</a> &middot; <a href="/api/shares">/api/shares</a> &middot; <a href="/api/blocks">/api/blocks</a> &middot; <a href="/api/payouts/next">/api/payouts/next</a> &middot; <a href="/metrics">/metrics</a></div>
</footer>
</body>
</html>
`
