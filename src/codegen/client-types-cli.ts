import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../meta.ts'
import { CLIENT_TYPES_FILE, generateClientTypes } from './client-types.ts'

// `npm run client:types`: rewrites the client package's generated types after a schema change.
writeFileSync(join(PROJECT_ROOT, CLIENT_TYPES_FILE), generateClientTypes())
process.stdout.write(`${CLIENT_TYPES_FILE} written\n`)
