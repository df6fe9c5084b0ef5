import { BffError, type ErrorCode } from '../errors.ts'
import type { MediaObject } from '../media/types.ts'
import { mediaValues } from '../tasks/media-fields.ts'
import { UPLOAD_REF_PREFIX } from './keys.ts'

export interface UploadReferences {
  /**
   * Replaces each `"upload:<id>"` media field of `input` with a short-lived URL the gateway can
   * fetch, after checking the upload is the caller's, finished, and of the kind the field expects.
   * Each element of an array field is resolved alike. Returns the input to send upstream and the
   * paths it replaced (`field`, or `field.<index>` in an array), which skip the URL policy: they
   * point at our own storage.
   */
  resolve: (owner: string, media: Readonly<Record<string, 'video' | 'image'>>, input: Record<string, unknown>) => Promise<{ input: Record<string, unknown>, resolved: string[] }>
}

export interface UploadReferenceDeps {
  find: (owner: string, id: string) => Promise<MediaObject | null>
  /** True when the owner has this upload in progress (to say "not finished" rather than "not found"). */
  inProgress: (owner: string, id: string) => Promise<boolean>
  sign: (key: string, ttlSec: number) => Promise<string>
  ttlSec: number
  now: () => number
}

export const isUploadRef = (value: unknown): value is string => typeof value === 'string' && value.startsWith(UPLOAD_REF_PREFIX)

export function createUploadReferences (deps: UploadReferenceDeps): UploadReferences {
  const refuse = (code: ErrorCode, field: string, message: string): BffError =>
    new BffError(code, `body.${field}: ${message}`, { issues: [{ path: `body.${field}`, message }] })

  async function link (owner: string, field: string, kind: 'video' | 'image', ref: string): Promise<string> {
    const id = ref.slice(UPLOAD_REF_PREFIX.length)
    const object = await deps.find(owner, id)
    if (!object || (object.expiresAt !== null && object.expiresAt <= deps.now())) {
      if (!object && await deps.inProgress(owner, id)) throw refuse('BFF_ERR_UPLOAD_UNFINISHED', field, `upload ${id} is not complete yet`)
      throw refuse('BFF_ERR_UPLOAD_NOT_FOUND', field, `no finished upload ${id}`)
    }
    if (object.meta.kind !== kind) throw refuse('BFF_ERR_UPLOAD_KIND', field, `expects a ${kind}, but upload ${id} is ${object.contentType}`)
    return deps.sign(object.key, deps.ttlSec)
  }

  return {
    async resolve (owner, media, input) {
      const refs = mediaValues(input, media).filter((v) => isUploadRef(v.value))
      if (refs.length === 0) return { input, resolved: [] }
      const urls = await Promise.all(refs.map((v) => link(owner, v.path, v.kind, v.value as string)))
      const sent = { ...input }
      refs.forEach((v, i) => {
        if (v.index === undefined) sent[v.field] = urls[i]
        else {
          // A copy: the caller's input is recorded as sent, references and all.
          const list = sent[v.field] === input[v.field] ? [...input[v.field] as unknown[]] : sent[v.field] as unknown[]
          list[v.index] = urls[i]
          sent[v.field] = list
        }
      })
      return { input: sent, resolved: refs.map((v) => v.path) }
    }
  }
}
