// log/: the pino logger the node and the demo run with, and the chain events worth a line.
export { createLogger, coopLogger, stratumLogger, clientLogger, LOG_LEVELS, LOG_FORMATS, REDACT_PATHS, type LogLevel, type LogFormat, type Logger, type LoggerOptions } from './logger.js'
export { watchTip, type TipSource, type TipChange } from './chain-events.js'
