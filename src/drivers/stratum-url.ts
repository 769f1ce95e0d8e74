/** A Stratum V1 endpoint from its URL form, stratum+tcp://HOST:PORT (IPv6 hosts in brackets). */
export interface StratumEndpoint {
  host: string
  port: number
}

export function parseStratumUrl(url: string): StratumEndpoint {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (expected stratum+tcp://HOST:PORT)`)
  }
  if (parsed.protocol !== 'stratum+tcp:') throw new Error(`unsupported scheme ${JSON.stringify(parsed.protocol.replace(/:$/, ''))} (expected stratum+tcp://HOST:PORT)`)
  if (parsed.username !== '' || parsed.password !== '') throw new Error('put the credentials in --address/--password, not in the URL')
  if (parsed.hostname === '') throw new Error(`no host in ${JSON.stringify(url)}`)
  if (parsed.port === '') throw new Error(`no port in ${JSON.stringify(url)} (expected stratum+tcp://HOST:PORT)`)
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') throw new Error(`unexpected path or query in ${JSON.stringify(url)}`)
  const port = Number(parsed.port)
  if (port < 1) throw new Error(`port must be 1-65535 in ${JSON.stringify(url)}`)
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port }
}
