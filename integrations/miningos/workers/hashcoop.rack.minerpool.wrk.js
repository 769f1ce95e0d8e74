'use strict'

// MiningOS worker type wrk-minerpool-rack-hashcoop: MiningOS's worker base class, made a hashcoop
// minerpool worker by integrations/miningos/src/wrk.ts (built to dist/ by `npm run build` in the
// hashcoop repository). require() of that ES module needs Node >= 22.12 (or 20.17+ with
// --experimental-require-module).
const TetherWrkBase = require('@tetherto/tether-wrk-base/workers/base.wrk.tether')
const { createHashcoopWorker } = require('../../../dist/integrations/miningos/src/wrk.js')

module.exports = createHashcoopWorker(TetherWrkBase)
