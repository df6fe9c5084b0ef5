// The size budget of the browser bundle: what a frontend adds to its app by importing the client,
// bundled and minified as a bundler would, then gzipped. Fails above the budget. Run after the build.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const BUDGET_BYTES = 8 * 1024
const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url))
if (!existsSync(entry)) {
  console.error('client size: packages/client/dist/index.js is missing; run `npm run build` first')
  process.exit(1)
}
const result = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'silent'
})
const code = result.outputFiles[0].contents
const gzipped = gzipSync(code, { level: 9 }).length
const line = `client size: ${code.length} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`
if (gzipped > BUDGET_BYTES) {
  console.error(`${line}: over budget`)
  process.exit(1)
}
console.log(line)
