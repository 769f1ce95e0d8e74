// config/: command options from flags, HASHCOOP_* environment variables and a JSON config file.
// Precedence: flags > environment > file > defaults. See spec.ts and sources.ts.
export { ConfigError } from './errors.js'
export { envName, optionsHelp, PRECEDENCE_HELP, type OptionSpec } from './spec.js'
export { resolveOptions, ResolvedOptions, type Resolved, type Source } from './sources.js'
export { parseHostPort, parseInteger, parseChoice, parseHttpUrl, parseZmqUrl, parsePositiveNumber, redactUrl, type HostPort } from './values.js'
export { nodeSettings, NODE_OPTIONS, NODE_HELP, DATA_OPTION, CONFIG_OPTION, HELP_OPTION, LOG_OPTIONS, DEFAULT_DATA_DIR, type NodeSettings } from './node.js'
export { initSettings, INIT_OPTIONS, INIT_HELP, checkOverrides, type InitSettings } from './init.js'
