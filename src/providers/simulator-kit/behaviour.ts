/** How a simulated task ends when it is not a plain success. */
export type Outcome = 'success' | 'fail' | 'timeout' | 'cancel' | 'hang'

/** What the simulator does with one task; chosen by markers in the prompt or by a default. */
export interface Behaviour {
  outcome: Outcome
  /** Finish normally but never call back. */
  noCallback: boolean
  /** Send the terminal callback twice, to exercise idempotent webhook handling. */
  doubleCallback: boolean
  /** After the terminal callback, send one with status 2, to exercise out-of-order handling. */
  staleCallback: boolean
  /** Replaces the simulator's processMs for this task. */
  delayMs?: number
}

export const PLAIN_BEHAVIOUR: Readonly<Behaviour> = Object.freeze({
  outcome: 'success',
  noCallback: false,
  doubleCallback: false,
  staleCallback: false
})

// setTimeout stores delays as a signed 32-bit int and fires at once above that.
const MAX_DELAY_MS = 2 ** 31 - 1

// A marker is a whole word: "#fail," counts, "#failure" and "x#fail" do not.
const MARKER = /(?<![\w#-])#(fail|timeout|cancel|hang|no-callback|double-callback|stale-callback|delay=(\d+))(?![\w-])/gi

/**
 * Reads behaviour markers (`#fail`, `#timeout`, `#cancel`, `#hang`, `#no-callback`,
 * `#double-callback`, `#stale-callback`, `#delay=<ms>`) from free text. Markers combine; when
 * several outcomes are given the last one wins. Returns null when the text holds no marker, so the
 * caller can fall back to its default.
 */
export function parseBehaviour (text: string): Behaviour | null {
  const found: Behaviour = { ...PLAIN_BEHAVIOUR }
  let matched = false
  for (const m of text.matchAll(MARKER)) {
    matched = true
    const word = (m[1] ?? '').toLowerCase()
    if (word === 'fail' || word === 'timeout' || word === 'cancel' || word === 'hang') found.outcome = word
    else if (word === 'no-callback') found.noCallback = true
    else if (word === 'double-callback') found.doubleCallback = true
    else if (word === 'stale-callback') found.staleCallback = true
    else found.delayMs = Math.min(Number(m[2]), MAX_DELAY_MS)
  }
  return matched ? found : null
}

/** The behaviour of a task created with `body`: its own markers, else the default, else plain success. */
export function behaviourFor (body: Record<string, unknown>, fallback?: Partial<Behaviour>): Behaviour {
  const text = [body.prompt, body.text].filter((v): v is string => typeof v === 'string').join(' ')
  return parseBehaviour(text) ?? { ...PLAIN_BEHAVIOUR, ...fallback }
}
