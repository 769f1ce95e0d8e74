// The local HyperDHT testnet lives in src/demo/ (the demo needs it at run time); tests import it
// from here as before.
export { startLocalDht, type LocalDht } from '../../src/demo/local-dht.js'
