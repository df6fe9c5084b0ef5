/**
 * The benchmark measures the BFF as the image runs it: JavaScript compiled by tsc, not the
 * sources through tsx. tsx compiles with esbuild's keepNames, which wraps every nested function
 * in `__name(fn, 'name')`; redefining `name` gives each closure its own property dictionary
 * (about 256 bytes), so per-stream memory read higher than in production (CPU per request did not
 * move within the noise).
 * `--source` measures the sources through tsx instead.
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ROOT } from './common.ts'
import { flag } from './options.ts'

/** Inside the project, so the compiled files resolve node_modules and the project root as dist/ does. */
const BUILD_DIR = join(ROOT, 'test-artifacts', 'bench-build')
export const FROM_SOURCE = flag('source') !== undefined

/** The environment that points test/bench/bff-server.ts at the compiled BFF (empty with --source). */
export const bffBuildEnv = (): Record<string, string> => FROM_SOURCE ? {} : { BENCH_BFF_BUILD: BUILD_DIR }

export function buildBff (): void {
  if (FROM_SOURCE) return
  rmSync(BUILD_DIR, { recursive: true, force: true })
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc')
  const out = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--declaration', 'false', '--sourceMap', 'false', '--noEmitOnError'], { cwd: ROOT, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`tsc could not build the BFF for the benchmark:\n${out.stdout}${out.stderr}`)
}
