// Every command module registers itself here, in the order `hashcoop --help` lists them.
import './mine.js'
import './audit.js'
import './export.js'
