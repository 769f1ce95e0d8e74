import { guardCompletion } from './exit-guard.js'
import { main } from './main.js'

guardCompletion(main(process.argv.slice(2)))
