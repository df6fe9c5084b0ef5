import { crc32, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ASSET_FORMATS, audioSeconds, generatePng, generateWav, renderAsset, WAV_SAMPLE_RATE } from '../../src/providers/simulator-kit/assets.ts'
import { generateMp4 } from '../../src/providers/simulator-kit/video.ts'

function samplesOf (wav: Buffer): Int16Array {
  const data = wav.subarray(44)
  return new Int16Array(data.buffer, data.byteOffset, data.length / 2)
}

describe('generateWav', () => {
  it('writes a canonical 16-bit mono PCM RIFF/WAVE header', () => {
    const wav = generateWav({ seconds: 3 })
    const dataBytes = 3 * WAV_SAMPLE_RATE * 2
    expect(wav.length).toBe(44 + dataBytes)
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF')
    expect(wav.readUInt32LE(4)).toBe(36 + dataBytes)
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE')
    expect(wav.toString('ascii', 12, 16)).toBe('fmt ')
    expect(wav.readUInt32LE(16)).toBe(16)
    expect(wav.readUInt16LE(20)).toBe(1) // PCM
    expect(wav.readUInt16LE(22)).toBe(1) // mono
    expect(wav.readUInt32LE(24)).toBe(WAV_SAMPLE_RATE)
    expect(wav.readUInt32LE(28)).toBe(WAV_SAMPLE_RATE * 2)
    expect(wav.readUInt16LE(32)).toBe(2)
    expect(wav.readUInt16LE(34)).toBe(16)
    expect(wav.toString('ascii', 36, 40)).toBe('data')
    expect(wav.readUInt32LE(40)).toBe(dataBytes)
  })

  it('holds audible sound that fades in and out without clipping', () => {
    const samples = samplesOf(generateWav({ seconds: 4, seed: 7 }))
    expect(samples[0]).toBe(0)
    expect(samples[samples.length - 1]).toBe(0)
    let peak = 0
    for (const s of samples) peak = Math.max(peak, Math.abs(s))
    expect(peak).toBeGreaterThan(3000)
    expect(peak).toBeLessThan(32767)
    // The middle is loud, the first 10 ms are still fading in.
    const early = Math.max(...Array.from(samples.subarray(0, WAV_SAMPLE_RATE / 100), Math.abs))
    expect(early).toBeLessThan(peak / 10)
  })

  it('varies the melody with the seed and is deterministic per seed', () => {
    expect(generateWav({ seconds: 3, seed: 1 }).equals(generateWav({ seconds: 3, seed: 1 }))).toBe(true)
    expect(generateWav({ seconds: 3, seed: 1 }).equals(generateWav({ seconds: 3, seed: 2 }))).toBe(false)
  })
})

describe('audioSeconds', () => {
  it('clamps the requested duration to 3..30 s and defaults to 8 s', () => {
    expect(audioSeconds(undefined)).toBe(8)
    expect(audioSeconds('20')).toBe(8)
    expect(audioSeconds(Number.NaN)).toBe(8)
    expect(audioSeconds(1)).toBe(3)
    expect(audioSeconds(12)).toBe(12)
    expect(audioSeconds(900)).toBe(30)
  })
})

interface PngChunk { type: string, data: Buffer, crcOk: boolean }

function chunks (png: Buffer): PngChunk[] {
  const out: PngChunk[] = []
  let at = 8
  while (at < png.length) {
    const length = png.readUInt32BE(at)
    const type = png.toString('ascii', at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + length)
    const crcOk = png.readUInt32BE(at + 8 + length) === crc32(png.subarray(at + 4, at + 8 + length))
    out.push({ type, data, crcOk })
    at += 12 + length
  }
  return out
}

describe('generatePng', () => {
  it('writes the signature, a valid IHDR, IDAT and IEND with correct CRCs', () => {
    const png = generatePng({ kind: 'image' })
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const list = chunks(png)
    expect(list.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect(list.every((c) => c.crcOk)).toBe(true)
    const ihdr = list[0]?.data ?? Buffer.alloc(0)
    expect(ihdr.length).toBe(13)
    expect(ihdr.readUInt32BE(0)).toBe(256)
    expect(ihdr.readUInt32BE(4)).toBe(256)
    expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0])
    const raw = inflateSync(list[1]?.data ?? Buffer.alloc(0))
    expect(raw.length).toBe(256 * (1 + 256 * 3))
    // Top-left is dark red/green, bottom-right bright: a gradient.
    const stride = 1 + 256 * 3
    expect([raw[1], raw[2]]).toEqual([0, 0])
    expect([raw[255 * stride + 1 + 255 * 3], raw[255 * stride + 2 + 255 * 3]]).toEqual([255, 255])
  })

  it('writes masks as 8-bit grayscale holding only black and white, white in the centre', () => {
    const png = generatePng({ kind: 'mask', size: 64 })
    const list = chunks(png)
    const ihdr = list[0]?.data ?? Buffer.alloc(0)
    expect(ihdr.readUInt32BE(0)).toBe(64)
    expect([...ihdr.subarray(8)]).toEqual([8, 0, 0, 0, 0])
    const raw = inflateSync(list[1]?.data ?? Buffer.alloc(0))
    const stride = 1 + 64
    expect(raw.length).toBe(64 * stride)
    const pixels = new Set<number>()
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) pixels.add(raw[y * stride + 1 + x] ?? -1)
    expect([...pixels].sort((a, b) => a - b)).toEqual([0, 255])
    expect(raw[32 * stride + 1 + 32]).toBe(255)
    expect(raw[1]).toBe(0)
  })
})

describe('renderAsset', () => {
  it('renders every output type', () => {
    expect(renderAsset('audio', { seconds: 3, seed: 1 }).toString('ascii', 8, 12)).toBe('WAVE')
    expect(renderAsset('image', { seconds: 3, seed: 1 }).toString('ascii', 1, 4)).toBe('PNG')
    expect(renderAsset('mask', { seconds: 3, seed: 1 }).toString('ascii', 1, 4)).toBe('PNG')
    const video = renderAsset('video', { seconds: 3, seed: 1 })
    expect(video.toString('ascii', 4, 8)).toBe('ftyp')
    expect(video.equals(generateMp4({ seconds: 3, seed: 1 }))).toBe(true)
    expect(ASSET_FORMATS.video).toEqual({ ext: 'mp4', contentType: 'video/mp4' })
    expect(ASSET_FORMATS.audio).toEqual({ ext: 'wav', contentType: 'audio/wav' })
  })
})
