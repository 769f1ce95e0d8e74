// The Stratum V1 endpoint miners connect to. Knows Bitcoin work, not the share-chain.
export { StratumServer } from './server.js'
export { ErrorCode } from './errors.js'
export type * from './types.js'
