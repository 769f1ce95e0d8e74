// Every command module registers itself here, in the order `hashcoop --help` lists them.
import './demo.js'
import './init.js'
import './node.js'
import './coop.js'
import './mine.js'
import './audit.js'
import './export.js'
import './sim.js'
