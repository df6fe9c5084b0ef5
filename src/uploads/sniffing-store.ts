import type { IncomingMessage } from 'node:http'
import { Transform, type Readable } from 'node:stream'
import { FileStore } from '@tus/file-store'
import { MIN_SNIFF_BYTES, sniff, SNIFF_BYTES, ACCEPTED_TYPES } from '../media/sniff.ts'
import { TusRefusal } from './tus-error.ts'

const refusal = (): TusRefusal => new TusRefusal('BFF_ERR_UPLOAD_TYPE', `The file is not a supported video or image (its first bytes match none of ${ACCEPTED_TYPES.join(', ')})`)

/**
 * Holds back a file's first bytes until they prove an accepted media type, so a refused file
 * never gets a single byte stored, whatever name or type the client declared.
 */
function sniffGate (): Transform {
  const held: Buffer[] = []
  let heldBytes = 0
  let decided = false
  const decide = (gate: Transform): Error | null => {
    decided = true
    if (!sniff(Buffer.concat(held))) return refusal()
    for (const chunk of held.splice(0)) gate.push(chunk)
    return null
  }
  return new Transform({
    transform (chunk: Buffer, _enc, done) {
      if (decided) return done(null, chunk)
      held.push(chunk)
      heldBytes += chunk.length
      done(heldBytes >= SNIFF_BYTES ? decide(this) : null)
    },
    flush (done) {
      // Nothing at all (an empty PATCH, or a client that disconnected at once) is not a verdict.
      if (decided || heldBytes === 0) return done()
      done(heldBytes < MIN_SNIFF_BYTES ? refusal() : decide(this))
    }
  })
}

/** tus's file store, with the type check on the bytes that open a file. */
export class SniffingFileStore extends FileStore {
  override async write (readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    if (offset > 0) return super.write(readable, id, offset)
    const gate = sniffGate()
    let refused: TusRefusal | undefined
    gate.on('error', (err) => { if (err instanceof TusRefusal) refused = err })
    readable.on('error', (err) => gate.destroy(err))
    try {
      return await super.write(readable.pipe(gate), id, offset)
    } catch (err) {
      if (refused) {
        // A refused upload can never become valid: dropped at once, so it neither waits for its
        // expiry nor counts toward the owner's uploads in progress.
        await this.remove(id).catch(() => {})
        throw refused
      }
      // The file store reports every stream failure as a generic write error; ours says why.
      throw err
    }
  }
}
