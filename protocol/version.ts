/**
 * The hashcoop protocol version (SPEC.md, COOP.md). It names the consensus rules: it is the genesis
 * record's version, it is inside the consensus id's domain, and peers compare it in the handshake,
 * so nodes with different rules refuse each other at once instead of diverging.
 *
 * 1: the first release.
 * 2: chain time and a clamped retarget (SPEC.md §5), the median time past over chain times (§6.2).
 */
export const PROTOCOL_VERSION = 2
