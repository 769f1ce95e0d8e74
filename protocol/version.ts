/**
 * The hashcoop protocol version (SPEC.md, COOP.md). It names the consensus rules: it is the genesis
 * record's version, it is inside the consensus id's domain, and peers compare it in the handshake,
 * so nodes with different rules refuse each other at once instead of diverging.
 *
 * 1: the first release.
 * 2: chain time and a retarget on chain-time differences (SPEC.md §5), the median time past over
 *    chain times (§6.2); coinbase classes (genesis coinbaseClasses, a share's coinbaseClass, §7.6).
 *    Both changed what is valid, in one release, so they share this version.
 */
export const PROTOCOL_VERSION = 2
