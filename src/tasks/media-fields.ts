export type MediaKind = 'video' | 'image'

/** One media value of a request: a single URL field, or one element of a URL array field (`imageUrls.0`). */
export interface MediaValue { path: string, field: string, index?: number | undefined, value: unknown, kind: MediaKind }

/**
 * The media values of `input` for a capability's `media` fields. An array field (Media.io's
 * `imageUrls`) yields one value per element, each checked like a single URL field; absent fields
 * yield none.
 */
export function mediaValues (input: Readonly<Record<string, unknown>>, media: Readonly<Record<string, MediaKind>>): MediaValue[] {
  const values: MediaValue[] = []
  for (const [field, kind] of Object.entries(media)) {
    const value = input[field]
    if (value === undefined) continue
    if (Array.isArray(value)) value.forEach((v: unknown, index) => values.push({ path: `${field}.${index}`, field, index, value: v, kind }))
    else values.push({ path: field, field, value, kind })
  }
  return values
}
