// coop/: joining a cooperative, its Autobase, its swarm. See each module's header for the why.
export { decodeJoinKey, encodeJoinKey, JoinKeyError, JOIN_KEY_PREFIX, type JoinKey } from './join-key.js'
export { openCoopStore, DataDirLockedError, type CoopStore } from './store.js'
export { CoopBase, CoopBaseError, existingCooperativeKey, type CoopBaseOptions, type ApplyFn, type OpenFn } from './base.js'
export {
  applyAdminOp,
  authorRole,
  decodeAdminOp,
  encodeAdminOp,
  ADMIN_OP_VERSION,
  type AdminOp,
  type AdminOpKind,
  type AdminOpOutcome,
  type AuthorRole
} from './admin-op.js'
export { waitForConvergence, ConvergenceTimeout, type ConvergeOptions } from './converge.js'
export { CoopSwarm, RelayError, type CoopPeer, type CoopSwarmOptions, type RelayVerdict, type SwarmBase } from './swarm.js'
export { hyperswarmOptions, parseBootstrapAddress, privateDht, DhtOptionError, type DhtChoice } from './dht-options.js'
export { PROTOCOL, PROTOCOL_VERSION, MAX_RELAY_BYTES, ProtocolError } from './protocol.js'
export { silentLogger, shortKey, type CoopLogger, type LogFields } from './log.js'
