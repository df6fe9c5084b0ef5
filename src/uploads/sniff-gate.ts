import { Transform, type Readable } from 'node:stream'
import { ACCEPTED_TYPES, MIN_SNIFF_BYTES, sniff, SNIFF_BYTES } from '../media/sniff.ts'
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

/**
 * Runs a datastore's write with the type check on the bytes that open a file (offset 0). A
 * refused upload can never become valid: `drop` deletes it at once, so it neither waits for its
 * expiry nor counts toward the owner's uploads in progress.
 */
export async function sniffedWrite (readable: Readable, offset: number, write: (body: Readable) => Promise<number>, drop: () => Promise<void>): Promise<number> {
  if (offset > 0) return write(readable)
  const gate = sniffGate()
  let refused: TusRefusal | undefined
  gate.on('error', (err) => { if (err instanceof TusRefusal) refused = err })
  readable.on('error', (err) => gate.destroy(err))
  try {
    return await write(readable.pipe(gate))
  } catch (err) {
    if (refused) {
      await drop().catch(() => {})
      throw refused
    }
    // The store reports every stream failure as a generic write error; ours says why.
    throw err
  }
}
