import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { FileStore } from '@tus/file-store'
import { sniffedWrite } from './sniff-gate.ts'

/** tus's file store, with the type check on the bytes that open a file. */
export class SniffingFileStore extends FileStore {
  override async write (readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    return sniffedWrite(readable, offset, (body) => super.write(body, id, offset), () => this.remove(id))
  }
}
