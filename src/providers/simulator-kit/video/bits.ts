/** The bit-level layer of the H.264 encoder: RBSP syntax writing and NAL unit framing. */

/** MSB-first bit writer for RBSP syntax: fixed-width fields and Exp-Golomb codes. */
export class BitWriter {
  private readonly bytes: number[] = []
  private current = 0
  private bitCount = 0

  bit (value: number): void {
    this.current = (this.current << 1) | (value & 1)
    if (++this.bitCount === 8) {
      this.bytes.push(this.current)
      this.current = 0
      this.bitCount = 0
    }
  }

  /** `n` bits of `value`, n up to 32 (division rather than shifts, which would wrap at 32 bits). */
  u (n: number, value: number): void {
    for (let i = n - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2)
  }

  ue (value: number): void {
    const code = value + 1
    const length = Math.floor(Math.log2(code))
    this.u(length, 0)
    this.u(length + 1, code)
  }

  se (value: number): void {
    this.ue(value > 0 ? 2 * value - 1 : -2 * value)
  }

  /** pcm_alignment_zero_bit (and the zero padding of trailing bits). */
  alignZero (): void {
    while (this.bitCount !== 0) this.bit(0)
  }

  /** Whole bytes; only valid when byte-aligned, as PCM samples are. */
  raw (data: Uint8Array): void {
    for (const byte of data) this.bytes.push(byte)
  }

  /** rbsp_trailing_bits: a stop bit, then zeros to the byte boundary. */
  finish (): Uint8Array {
    this.bit(1)
    this.alignZero()
    return Uint8Array.from(this.bytes)
  }
}

/**
 * A NAL unit: header byte, then the RBSP with emulation prevention, so that no 0x000000..0x000003
 * pattern appears in the payload (an 0x03 goes in after any two zero bytes followed by a byte <= 3).
 */
export function nalUnit (refIdc: number, type: number, rbsp: Uint8Array): Buffer {
  const out: number[] = [(refIdc << 5) | type]
  let zeros = 0
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(byte)
    zeros = byte === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}
