/**
 * The network prefix a connection limit groups addresses by: the /24 of an IPv4 address, the /64
 * of an IPv6 one (one subscriber's allocation, so one host can hold a whole /64). IPv4-mapped IPv6
 * addresses ("::ffff:1.2.3.4", as a dual-stack listener reports them) count as IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net'

export function addressPrefix(ip: string): string {
  const mapped = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip
  if (isIPv4(mapped)) return mapped.slice(0, mapped.lastIndexOf('.')) + '.0/24'
  if (isIPv6(ip)) return ipv6Groups(ip).slice(0, 4).join(':') + '::/64'
  return ip
}

/** The eight 16-bit groups of an IPv6 address, zero-padded (a zone id is dropped). */
function ipv6Groups(ip: string): string[] {
  const [address = ''] = ip.split('%')
  const [head = '', tail] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // An embedded IPv4 tail (::ffff:1.2.3.4 handled above; here e.g. 64:ff9b::1.2.3.4) is two groups.
  const expand = (groups: string[]): string[] =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [g]
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number)
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
    })
  const l = expand(left)
  const r = expand(right)
  const zeros = tail === undefined ? [] : new Array<string>(8 - l.length - r.length).fill('0')
  return [...l, ...zeros, ...r].map((g) => g.padStart(4, '0'))
}
