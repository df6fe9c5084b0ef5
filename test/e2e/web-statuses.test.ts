import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { WEB_ROOT } from '../../routes/web.ts'
import { WEB_STATUSES_FILE, generateWebStatuses } from '../../src/codegen/web-statuses.ts'
import { PROJECT_ROOT } from '../../src/meta.ts'
import { TASK_EVENT_TYPES, TASK_STATUSES, TERMINAL_STATUSES } from '../../src/tasks/model.ts'

/** A browser module of the page with no DOM use, loaded as the page loads it. */
const load = async <T>(file: string): Promise<T> => await import(pathToFileURL(join(WEB_ROOT, file)).href) as T

// The page has no build step: its statuses come from a module generated from the task model, so a
// status added on the server fails here until `npm run client:types` ran and the page words it.
describe('the demo page\'s task statuses', () => {
  it('come from the task model (run `npm run client:types` after changing it)', async () => {
    expect(readFileSync(join(PROJECT_ROOT, WEB_STATUSES_FILE), 'utf8')).toBe(generateWebStatuses())
    const generated = await load<{ STATUSES: string[], TERMINAL: Set<string>, TASK_EVENTS: string[] }>('statuses.js')
    expect(generated.STATUSES).toEqual([...TASK_STATUSES])
    expect([...generated.TERMINAL]).toEqual([...TERMINAL_STATUSES])
    expect(generated.TASK_EVENTS).toEqual([...TASK_EVENT_TYPES])
  })

  it('each have words on the page, and none that is not a status', async () => {
    const { STATUS_TEXT } = await load<{ STATUS_TEXT: Record<string, string> }>('status-text.js')
    expect(Object.keys(STATUS_TEXT).sort()).toEqual([...TASK_STATUSES].sort())
    for (const text of Object.values(STATUS_TEXT)) expect(text).not.toBe('')
  })

  it('are listed nowhere else on the page', () => {
    // A module may check a status for its meaning ('succeeded', 'processing'); one that quotes three
    // or more is keeping a list of them by hand.
    for (const file of readdirSync(WEB_ROOT).filter((f) => f.endsWith('.js') && f !== 'statuses.js')) {
      const source = readFileSync(join(WEB_ROOT, file), 'utf8')
      const named = TASK_STATUSES.filter((s) => source.includes(`'${s}'`) || source.includes(`"${s}"`))
      expect(named.length, `${file} names ${named.join(', ')}`).toBeLessThan(3)
    }
  })
})
