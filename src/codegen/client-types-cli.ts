import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../meta.ts'
import { CLIENT_TYPES_FILE, generateClientTypes } from './client-types.ts'
import { WEB_STATUSES_FILE, generateWebStatuses } from './web-statuses.ts'

// `npm run client:types`: rewrites what clients get from the schemas after a change: the client
// package's generated types and the demo page's module of statuses.
for (const [file, text] of [[CLIENT_TYPES_FILE, generateClientTypes()], [WEB_STATUSES_FILE, generateWebStatuses()]] as const) {
  writeFileSync(join(PROJECT_ROOT, file), text)
  process.stdout.write(`${file} written\n`)
}
