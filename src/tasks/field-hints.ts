/**
 * "Did you mean" for unknown request fields: upstream spellings (aspect_ratio, qty) and near
 * misses (durration) point to the field that was meant, so a typo is a 400, not a silently
 * dropped setting on a task that is charged anyway.
 */

// Upstream names that are not simply the snake_case of ours (those are found by camelCasing).
const UPSTREAM_NAMES: Readonly<Record<string, readonly string[]>> = {
  qty: ['count'],
  batch_size: ['count'],
  image_num: ['count'],
  file_link: ['videoUrl'],
  video: ['videoUrl'],
  image: ['imageUrl', 'firstFrameUrl'],
  image_tail: ['lastFrameUrl'],
  reference_image: ['imageUrl'],
  init_image: ['initImageUrl'],
  mask: ['maskUrl'],
  camera_move_index: ['cameraMove'],
  control_type: ['controlType', 'mode']
}

const camelCase = (name: string): string => name.replace(/[_-]+([a-z0-9])/gi, (_m, c: string) => c.toUpperCase())

function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The known field an unknown one most likely meant, if any. */
export function suggestField (unknown: string, known: readonly string[]): string | undefined {
  const fromUpstream = UPSTREAM_NAMES[unknown]?.find((name) => known.includes(name))
  if (fromUpstream) return fromUpstream
  const camel = camelCase(unknown).toLowerCase()
  const same = known.find((k) => k.toLowerCase() === camel || k.toLowerCase() === `${camel}url`)
  if (same) return same
  // A near miss: at most two edits, and fewer than a third of the name.
  let best: { name: string, d: number } | undefined
  for (const name of known) {
    const d = distance(unknown.toLowerCase(), name.toLowerCase())
    if (d <= 2 && d * 3 < name.length && (!best || d < best.d)) best = { name, d }
  }
  return best?.name
}

/** The issue message for one unknown field. */
export function unknownFieldMessage (unknown: string, known: readonly string[]): string {
  const hint = suggestField(unknown, known)
  if (hint) return `is not a known field; did you mean "${hint}"?`
  return known.length ? `is not a known field (known: ${known.join(', ')})` : 'is not a known field'
}
