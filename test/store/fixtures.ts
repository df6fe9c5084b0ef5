import { afterEach, expect } from 'vitest'
import type { TaskEvent, TaskRecord } from '../../src/tasks/model.ts'
import type { CreateOptions, EventLog, TaskStore } from '../../src/store/types.ts'
import { tempDbPath } from '../helper.ts'

export type Store = TaskStore & EventLog

/** One backend, seen through two connections as two BFF instances would (`peer`). */
export interface StoreHarness { store: Store, peer: Store, close: () => Promise<void> }
export type OpenStore = () => Promise<StoreHarness>
export interface StoreContext { readonly store: Store, readonly peer: Store }

export const BASE = Date.parse('2026-01-01T00:00:00.000Z')
let n = 0

/** A queued task, one second newer than the previous one made. */
export function makeTask (over: Partial<TaskRecord> = {}): TaskRecord {
  n++
  const at = new Date(BASE + n * 1000).toISOString()
  return {
    id: `task-${String(n).padStart(5, '0')}`,
    owner: 'alice',
    capability: 'text-to-speech',
    provider: 'tomoviee',
    status: 'queued',
    progress: 0,
    input: { text: `hello ${n}`, voice: 'nova' },
    outputs: [],
    error: null,
    createdAt: at,
    updatedAt: at,
    upstreamTaskId: null,
    callbackTokenHash: 'c0ffee',
    version: 1,
    nextCheckAt: BASE + 60_000,
    deadlineAt: BASE + 300_000,
    checkAttempts: 0,
    ...over
  }
}

export const createOpts = (over: Partial<CreateOptions> = {}): CreateOptions => ({ maxActive: 100, now: BASE, ...over })

/** Creates a task that must be accepted. */
export async function add (store: Store, over: Partial<TaskRecord> = {}): Promise<{ task: TaskRecord, event: TaskEvent }> {
  const task = makeTask(over)
  const result = await store.create(task, createOpts())
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`)
  return { task, event: result.event }
}

/** The next version of a task, as a writer would produce it. */
export const bump = (task: TaskRecord, changes: Partial<TaskRecord> = {}): TaskRecord =>
  ({ ...task, updatedAt: new Date(Date.parse(task.updatedAt) + 1).toISOString(), ...changes, version: task.version + 1 })

/** Applies an update that must win, with its event. */
export async function advance (store: Store, task: TaskRecord, changes: Partial<TaskRecord>): Promise<{ task: TaskRecord, event: TaskEvent }> {
  const next = bump(task, changes)
  const event = await store.update(next, true)
  if (event === null || event === true) throw new Error('expected an event')
  return { task: next, event }
}

export const ids = (items: { id: string }[]): string[] => items.map((t) => t.id)
export const eventIds = (events: TaskEvent[]): number[] => events.map((e) => e.id)

export function expectAscending (events: TaskEvent[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id)
}

/** Takes the newest migration (status and capability beside metadata) back out. */
export const UNDO_METADATA_FILTER_SQL = `DROP TRIGGER tasks_metadata_status; DROP INDEX task_metadata_status; DROP INDEX task_metadata_capability;
  ALTER TABLE task_metadata DROP COLUMN status; ALTER TABLE task_metadata DROP COLUMN capability;`

/** Takes the metadata migration back out, so a test can stand a file at an earlier schema version. */
export const UNDO_METADATA_SQL = 'DROP TRIGGER IF EXISTS tasks_metadata_status; DROP TRIGGER tasks_metadata_deleted; DROP TABLE task_metadata; ALTER TABLE tasks DROP COLUMN metadata;'

/** For a test file: a fresh database path per call, its directory removed after each test. */
export function tempDbs (): () => string {
  const cleanups: (() => void)[] = []
  afterEach(() => { for (const fn of cleanups.splice(0)) fn() })
  return () => {
    const db = tempDbPath()
    cleanups.push(db.cleanup)
    return db.path
  }
}
