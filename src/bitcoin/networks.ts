import { networks as bjsNetworks, type Network as BjsNetwork } from 'bitcoinjs-lib'

/** The Bitcoin networks hashcoop runs on. testnet3, testnet4 and signet share address prefixes. */
export type NetworkName = 'mainnet' | 'testnet' | 'testnet4' | 'signet' | 'regtest'

export const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet', 'testnet4', 'signet', 'regtest']

export interface NetworkInfo {
  name: NetworkName
  /** The `chain` value Bitcoin Core's getblockchaininfo reports for this network. */
  coreChain: string
  /** Address encoding parameters (bitcoinjs-lib's Network). */
  address: BjsNetwork
  /** Proof-of-work limit: no valid block (and so no share) has an easier target. */
  powLimitBits: number
}

export const NETWORKS: Record<NetworkName, NetworkInfo> = {
  mainnet: { name: 'mainnet', coreChain: 'main', address: bjsNetworks.bitcoin, powLimitBits: 0x1d00ffff },
  testnet: { name: 'testnet', coreChain: 'test', address: bjsNetworks.testnet, powLimitBits: 0x1d00ffff },
  testnet4: { name: 'testnet4', coreChain: 'testnet4', address: bjsNetworks.testnet, powLimitBits: 0x1d00ffff },
  signet: { name: 'signet', coreChain: 'signet', address: bjsNetworks.testnet, powLimitBits: 0x1e0377ae },
  regtest: { name: 'regtest', coreChain: 'regtest', address: bjsNetworks.regtest, powLimitBits: 0x207fffff }
}

export function isNetworkName(s: string): s is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(s)
}

export function network(name: string): NetworkInfo {
  if (!isNetworkName(name)) throw new Error(`unknown network '${name}' (expected one of: ${NETWORK_NAMES.join(', ')})`)
  return NETWORKS[name]
}
