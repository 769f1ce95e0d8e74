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
  /** Bitcoin Core's defaults for this network: its RPC port, and the datadir subdirectory and bitcoin.conf section ('' on mainnet). */
  core: { rpcPort: number; dataSubdir: string; confSection: string }
}

export const NETWORKS: Record<NetworkName, NetworkInfo> = {
  mainnet: { name: 'mainnet', coreChain: 'main', address: bjsNetworks.bitcoin, powLimitBits: 0x1d00ffff, core: { rpcPort: 8332, dataSubdir: '', confSection: '' } },
  testnet: { name: 'testnet', coreChain: 'test', address: bjsNetworks.testnet, powLimitBits: 0x1d00ffff, core: { rpcPort: 18332, dataSubdir: 'testnet3', confSection: 'test' } },
  testnet4: { name: 'testnet4', coreChain: 'testnet4', address: bjsNetworks.testnet, powLimitBits: 0x1d00ffff, core: { rpcPort: 48332, dataSubdir: 'testnet4', confSection: 'testnet4' } },
  signet: { name: 'signet', coreChain: 'signet', address: bjsNetworks.testnet, powLimitBits: 0x1e0377ae, core: { rpcPort: 38332, dataSubdir: 'signet', confSection: 'signet' } },
  regtest: { name: 'regtest', coreChain: 'regtest', address: bjsNetworks.regtest, powLimitBits: 0x207fffff, core: { rpcPort: 18443, dataSubdir: 'regtest', confSection: 'regtest' } }
}

export function isNetworkName(s: string): s is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(s)
}

export function network(name: string): NetworkInfo {
  if (!isNetworkName(name)) throw new Error(`unknown network '${name}' (expected one of: ${NETWORK_NAMES.join(', ')})`)
  return NETWORKS[name]
}
