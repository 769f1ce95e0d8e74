// api/: the node's HTTP JSON API, Prometheus metrics and dashboard. See server.ts for the routes.
export { ApiServer, type ApiServerOptions } from './server.js'
export type { ApiNode } from './source.js'
export { API_FILE, ADMIN_OPS, isAdminOp, parseWriterKey, readApiFile, writeApiFile, removeApiFile, newToken, type AdminOpName, type ApiFile } from './admin.js'
export { formatHashrate, formatBtc, formatDuration, HASHRATE_UNITS } from './units.js'
