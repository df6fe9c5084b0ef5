import { createHash } from 'node:crypto'

/** tus's default names: 16 random bytes in hex. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/

export const UPLOAD_REF_PREFIX = 'upload:'

// Owner names may hold any character; a short hash keeps keys path-safe, and a key built from
// another owner's name simply does not exist, which is what makes their uploads invisible.
const ownerDir = (owner: string): string => createHash('sha256').update(owner).digest('hex').slice(0, 24)

export const ownerPrefix = (owner: string): string => `uploads/${ownerDir(owner)}/`

/** Where a finished upload of `owner` lives in the media store. */
export const uploadKey = (owner: string, id: string): string => `${ownerPrefix(owner)}${id}`
