/**
 * The dashboard in a real browser: Debian's headless Chromium (installed by .ci/run) loads the page
 * from a running demo cooperative (bcoin regtest, a loopback DHT, two nodes, two CPU miners) and
 * must show the miners table and a hashrate chart drawn from real share-chain data, with no request
 * leaving the node. It must update live (a new share appears without a reload, pushed over
 * /api/events), and a miner's page must show its workers, a 24 h chart with best shares marked and
 * its payouts. Screenshots are kept as CI artifacts: artifacts/dashboard.png, artifacts/miner.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Demo } from '../../src/demo/cooperative.js'
import { createLogger } from '../../src/log/logger.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOT = join(ROOT, 'artifacts', 'dashboard.png')
const MINER_SCREENSHOT = join(ROOT, 'artifacts', 'miner.png')

let demo: Demo
let browser: BrowserContext | null = null
const profile = mkdtempSync(join(tmpdir(), 'hashcoop-chromium-'))

async function json<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (npm test installs it itself when run as root)`)
  demo = new Demo({ nodes: 2, miners: 2, httpPort: 0, logger: createLogger({ level: 'silent', format: 'json' }) })
  await demo.start()
  // Real data first: shares from both miners and a few points of the chart's series.
  const base = demo.dashboardUrl.replace(/\/$/, '')
  const deadline = Date.now() + 60_000
  for (;;) {
    const miners = await json<{ miners: { shares: number }[] }>(`${base}/api/miners`)
    const series = await json<{ cooperative: { hashrate: number }[] }>(`${base}/api/hashrate?minutes=30&points=60`)
    if (miners.miners.filter((m) => m.shares > 0).length >= 2 && series.cooperative.filter((p) => p.hashrate > 0).length >= 8) break
    if (Date.now() > deadline) throw new Error('no shares from both miners and no chart data within 60 s')
    await new Promise((r) => setTimeout(r, 500))
  }
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await demo?.stop()
  rmSync(profile, { recursive: true, force: true })
}, 30_000)

describe('the dashboard in headless Chromium', () => {
  it('shows the miners table and a chart filled with real data, and asks nothing of any other host', async () => {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
    const page = await browser.newPage()
    const origin = new URL(demo.dashboardUrl).origin
    const foreign: string[] = []
    const failed: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(origin + '/')) foreign.push(r.url())
    })
    page.on('requestfailed', (r) => failed.push(r.url()))
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))

    await page.goto(demo.dashboardUrl)
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 })

    // The miners table: one row per demo miner, its address and a hashrate.
    const rows = await page.$$eval('#miners-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    expect(rows.length).toBeGreaterThanOrEqual(2)
    for (const m of demo.miners) expect(rows.some((cells) => cells[0] === m.address)).toBe(true)
    for (const cells of rows) expect(cells[2]).toMatch(/^[\d.]+ [kMG]?H\/s$/)

    // The chart: the cooperative's line has real points, and its axis is labelled in H/s units.
    const d = await page.getAttribute('#chart-coop', 'd')
    expect(d).not.toBeNull()
    const points = (d ?? '').split(/[ML]/).filter((s) => s.trim() !== '').map((p) => p.trim().split(' ').map(Number))
    expect(points.length, d ?? '').toBeGreaterThanOrEqual(3)
    const ys = new Set(points.map((p) => p[1]))
    expect(ys.size).toBeGreaterThan(1) // not a flat line at zero
    const labels = await page.$$eval('#chart text.axis', (ts) => ts.map((t) => t.textContent ?? ''))
    expect(labels.filter((l) => /H\/s$/.test(l)).length).toBeGreaterThanOrEqual(2)

    // The next payout split and the blocks found are filled too.
    expect(await page.$$eval('#payout-table tbody tr', (trs) => trs.length)).toBeGreaterThanOrEqual(1)
    expect(await page.textContent('#card-blocks')).toMatch(/^[1-9]\d*$/)
    // The badge follows the liveness probe: on a loaded machine the in-process regtest node can miss
    // one deadline, so wait for the badge to say connected rather than read it at one instant.
    type Page = { document: { querySelector(s: string): { textContent: string | null } | null } }
    await page.waitForFunction(() => /^bitcoind ✓ height \d+$/.test((globalThis as unknown as Page).document.querySelector('#badge-bitcoind')?.textContent ?? ''), null, { timeout: 30_000, polling: 200 })

    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect(existsSync(SCREENSHOT)).toBe(true)
    expect(foreign).toEqual([])
    expect(failed).toEqual([])
    expect(errors).toEqual([])
  }, 60_000)

  it('shows a new share without a reload, pushed over the event stream', async () => {
    if (browser === null) throw new Error('the first test opens the browser')
    const page = await browser.newPage()
    const streams: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/events') streams.push(r.url())
    })
    let navigations = 0
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations += 1
    })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(demo.dashboardUrl)
    await page.waitForSelector('body[data-loaded="true"][data-live="true"]', { timeout: 20_000 })
    expect(streams).toHaveLength(1)
    const topHeight = async (): Promise<number> => Number(await page.$eval('#shares-table tbody tr td', (td) => td.textContent ?? '-1'))
    const first = await topHeight()
    expect(first).toBeGreaterThanOrEqual(0)
    // The miners keep mining: the next share must reach the table by itself.
    // A function, not a string: the page's policy forbids eval.
    type Doc = { document: { querySelector(s: string): { textContent: string | null } | null } }
    await page.waitForFunction((h) => Number((globalThis as unknown as Doc).document.querySelector('#shares-table tbody tr td')?.textContent ?? '-1') > h, first, { timeout: 30_000, polling: 200 })
    expect(await topHeight()).toBeGreaterThan(first)
    expect(navigations).toBe(1)
    expect(await page.textContent('#badge-updated')).toBe('live')
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it("shows a miner's page: workers, a 24 h chart with best shares marked, payouts", async () => {
    if (browser === null) throw new Error('the first test opens the browser')
    const page = await browser.newPage()
    await page.setViewportSize({ width: 1400, height: 1100 })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const origin = new URL(demo.dashboardUrl).origin
    const foreign: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(origin + '/')) foreign.push(r.url())
    })
    await page.goto(demo.dashboardUrl)
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 })
    const address = demo.miners[0]?.address as string
    // Reached from the dashboard: the miners table links each address to its page.
    await page.click(`#miners-table a[href="/miner/${encodeURIComponent(address)}"]`)
    await page.waitForURL(`**/miner/${encodeURIComponent(address)}`)
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 })
    expect(await page.textContent('#miner-address')).toBe(address)
    const workers = await page.$$eval('#workers-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    expect(workers.length).toBeGreaterThanOrEqual(1)
    for (const cells of workers) {
      expect(cells[1]).toBe('online')
      expect(cells[2]).toBe('full') // the demo's CPU drivers say hashcoop/VERSION: no coinbase limit
      expect(cells[4]).toMatch(/^[\d.]+ [kMG]?H\/s$/) // 10 min hashrate
      expect(Number(cells[7])).toBeGreaterThan(0) // accepted
    }
    expect(await page.textContent('#card-h10m')).toMatch(/^[\d.]+ [kMG]?H\/s$/)
    // The chart: a line over real buckets and at least one best-share mark, the top one labelled.
    expect(await page.getAttribute('#miner-chart-line', 'd')).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/)
    expect(await page.$$eval('#miner-chart circle.best-mark', (cs) => cs.length)).toBeGreaterThanOrEqual(1)
    expect(await page.textContent('#miner-chart text.best-label')).toMatch(/^best [\d.]+[kM]?$/)
    // Payouts from found blocks (the demo finds blocks) and the next block's part.
    expect(await page.$$eval('#payouts-table tbody tr:not(.empty-row)', (trs) => trs.length)).toBeGreaterThanOrEqual(1)
    expect(await page.textContent('#card-next')).toMatch(/^([\d.]+ BTC|[\d,]+ sat)$/)
    expect(await page.getAttribute('#card-next', 'title')).toMatch(/^[\d.]+ BTC$/) // the exact amount
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    await page.screenshot({ path: MINER_SCREENSHOT, fullPage: true })
    expect(existsSync(MINER_SCREENSHOT)).toBe(true)
    expect(foreign).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})
