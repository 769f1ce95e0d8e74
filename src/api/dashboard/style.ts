/** The dashboard's stylesheet: a dark, dense page that reads at a glance; no web fonts. */
export const DASHBOARD_CSS = `
:root {
  --bg: #0d1117; --panel: #151b23; --panel2: #1b2330; --line: #263041; --text: #dce3ea; --muted: #8b98a8;
  --accent: #f7931a; --accent2: #4fc3f7; --good: #3fb950; --bad: #f85149; --warn: #d29922;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font-size: 14px; }
a { color: var(--accent2); text-decoration: none; }
a:hover { text-decoration: underline; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.top { display: flex; justify-content: space-between; align-items: center; padding: 14px 24px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 1; }
.brand { font-size: 20px; font-weight: 650; letter-spacing: .2px; display: flex; align-items: center; gap: 10px; }
.brand .logo { width: 26px; height: 26px; }
.brand .muted { font-weight: 400; font-size: 14px; }
.badges { display: flex; gap: 8px; flex-wrap: wrap; }
.badge { border: 1px solid var(--line); background: var(--panel2); border-radius: 999px; padding: 3px 10px; font-size: 12px; white-space: nowrap; }
.badge.good { border-color: #2b6a3a; color: #7ee2a0; }
.badge.bad { border-color: #7a2d2b; color: #ff9c94; }
.badge.accent { border-color: #7a4d12; color: #ffbf69; }
main { padding: 18px 24px; display: flex; flex-direction: column; gap: 18px; max-width: 1500px; margin: 0 auto; }
.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.card .value { font-size: 24px; font-weight: 650; margin-top: 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .sub { color: var(--muted); font-size: 12px; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.row.even { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; overflow-x: auto; }
.note { margin: -4px 0 10px; }
.panel-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; margin-bottom: 10px; }
h2 { font-size: 15px; margin: 0; font-weight: 600; }
.legend { color: var(--muted); font-size: 12px; display: flex; align-items: center; gap: 6px; }
.legend .key { display: inline-block; width: 14px; height: 3px; border-radius: 2px; margin-left: 8px; }
.legend .key.coop { background: var(--accent); }
.legend .key.local { background: var(--accent2); }
#chart { width: 100%; height: 260px; display: block; }
#chart .grid { stroke: var(--line); stroke-width: 1; }
#chart .axis { fill: var(--muted); font-size: 11px; }
#chart .coop-line { fill: none; stroke: var(--accent); stroke-width: 2; vector-effect: non-scaling-stroke; }
#chart .coop-area { fill: rgba(247, 147, 26, .14); stroke: none; }
#chart .local-line { fill: none; stroke: var(--accent2); stroke-width: 1.6; stroke-dasharray: 5 3; vector-effect: non-scaling-stroke; }
#chart .empty { fill: var(--muted); font-size: 13px; }
.bar { display: flex; height: 22px; border-radius: 6px; overflow: hidden; background: var(--panel2); margin-bottom: 10px; }
.bar span { display: block; height: 100%; min-width: 2px; }
.table { width: 100%; border-collapse: collapse; table-layout: auto; }
.table th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.table td { padding: 7px 8px; border-bottom: 1px solid #1e2632; vertical-align: middle; white-space: nowrap; }
.table.compact td { padding: 5px 8px; }
.table tr:last-child td { border-bottom: none; }
.table .num { text-align: right; font-variant-numeric: tabular-nums; }
.table td.addr { max-width: 330px; overflow: hidden; text-overflow: ellipsis; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 8px; vertical-align: -1px; }
.pill { font-size: 11px; padding: 1px 7px; border-radius: 999px; border: 1px solid var(--line); }
.pill.good { color: #7ee2a0; border-color: #2b6a3a; }
.pill.bad { color: #ff9c94; border-color: #7a2d2b; }
.pill.warn { color: #ffbf69; border-color: #7a4d12; }
.pill.muted { color: var(--muted, #8b949e); }
.pill.block { color: #ffbf69; border-color: #7a4d12; margin-left: 6px; }
.worker { display: inline-block; background: var(--panel2); border: 1px solid var(--line); border-radius: 6px; padding: 0 6px; margin-right: 4px; font-size: 12px; }
.pctbar { display: inline-block; width: 60px; height: 6px; background: var(--panel2); border-radius: 3px; margin-right: 8px; vertical-align: middle; overflow: hidden; }
.pctbar i { display: block; height: 100%; background: var(--accent); }
.facts { margin: 14px 0 0; padding: 10px 0 0 18px; border-top: 1px solid var(--line); line-height: 1.7; }
.empty-row td { color: var(--muted); text-align: center; padding: 18px; }
footer { padding: 14px 24px 28px; box-sizing: border-box; width: 100%; display: flex; justify-content: space-between; gap: 18px; flex-wrap: wrap; border-top: 1px solid var(--line); max-width: 1500px; margin: 0 auto; }
footer code { word-break: break-all; color: var(--text); }
#miner-chart { width: 100%; height: 260px; display: block; }
#miner-chart .grid { stroke: var(--line); stroke-width: 1; }
#miner-chart .axis { fill: var(--muted); font-size: 11px; }
#miner-chart .local-line { fill: none; stroke: var(--accent2); stroke-width: 2; vector-effect: non-scaling-stroke; }
#miner-chart .local-area { fill: rgba(79, 195, 247, .12); stroke: none; }
#miner-chart .best-mark { fill: var(--accent); stroke: var(--bg); stroke-width: 1; }
#miner-chart .best-label { fill: #ffbf69; font-size: 10px; }
#miner-chart .empty { fill: var(--muted); font-size: 13px; }
.legend .key.best { width: 8px; height: 8px; border-radius: 50%; background: var(--accent); }
.home { display: inline-flex; }
@media (max-width: 1100px) { .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); } .row, .row.even { grid-template-columns: minmax(0, 1fr); } }
`
