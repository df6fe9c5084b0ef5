/** The picture the simulator's videos show: rendered as 4:2:0 planes and cut into macroblocks for the encoder. */

/** One frame in 4:2:0: full-size luma, quarter-size chroma, all in limited (video) range. */
export interface Planes {
  y: Uint8Array
  cb: Uint8Array
  cr: Uint8Array
}

export interface Scene {
  width: number
  height: number
  fps: number
  seed: number
}

const BALL_RADIUS = 7

/**
 * A diagonal two-colour gradient whose hues change every second, and a white ball bouncing along
 * one macroblock row (a different row each second). Staying within one row keeps the changed area
 * of each P frame to two or three macroblocks.
 */
export function renderFrame (scene: Scene, frame: number): Planes {
  const { width, height, fps } = scene
  const second = Math.floor(frame / fps)
  const hue = fract(scene.seed * 0.618_034 + second * 0.27)
  const [r0, g0, b0] = hsv(hue, 0.65, 0.95)
  const [r1, g1, b1] = hsv(fract(hue + 0.4), 0.8, 0.45)
  const rows = height / 16
  const ballY = ((scene.seed + second) % rows) * 16 + 8
  // Crosses the picture about once per second whatever the frame rate.
  const travel = Math.max(1, width - 2 * BALL_RADIUS)
  const step = travel / fps
  const along = (frame * step) % (2 * travel)
  const ballX = BALL_RADIUS + (along <= travel ? along : 2 * travel - along)

  const rgb = new Float32Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = 0.6 * (x / Math.max(1, width - 1)) + 0.4 * (y / Math.max(1, height - 1))
      // Anti-aliased edge: partial coverage of the pixel centre by the disc.
      const ball = Math.min(1, Math.max(0, BALL_RADIUS + 0.5 - Math.hypot(x + 0.5 - ballX, y + 0.5 - ballY)))
      const at = (y * width + x) * 3
      rgb[at] = mix(r0 + (r1 - r0) * t, 1, ball)
      rgb[at + 1] = mix(g0 + (g1 - g0) * t, 1, ball)
      rgb[at + 2] = mix(b0 + (b1 - b0) * t, 1, ball)
    }
  }

  const y = new Uint8Array(width * height)
  const cb = new Uint8Array((width / 2) * (height / 2))
  const cr = new Uint8Array(cb.length)
  for (let i = 0; i < width * height; i++) {
    // BT.601 limited range, signalled as such in the SPS; PCM samples therefore never hit 0.
    y[i] = Math.round(16 + 65.481 * (rgb[i * 3] ?? 0) + 128.553 * (rgb[i * 3 + 1] ?? 0) + 24.966 * (rgb[i * 3 + 2] ?? 0))
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < width / 2; cx++) {
      let r = 0
      let g = 0
      let b = 0
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const at = ((cy * 2 + dy) * width + cx * 2 + dx) * 3
        r += (rgb[at] ?? 0) / 4
        g += (rgb[at + 1] ?? 0) / 4
        b += (rgb[at + 2] ?? 0) / 4
      }
      cb[cy * (width / 2) + cx] = Math.round(128 - 37.797 * r - 74.203 * g + 112 * b)
      cr[cy * (width / 2) + cx] = Math.round(128 + 112 * r - 93.786 * g - 18.214 * b)
    }
  }
  return { y, cb, cr }
}

function fract (x: number): number {
  return x - Math.floor(x)
}

function mix (a: number, b: number, t: number): number {
  return a + (b - a) * t
}

function hsv (h: number, s: number, v: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1))
  }
  return [f(5), f(3), f(1)]
}

/** The 384 samples of one macroblock in I_PCM order: 16x16 luma, then 8x8 Cb, then 8x8 Cr, each in raster order. */
export function macroblockSamples (planes: Planes, width: number, mbX: number, mbY: number): Uint8Array {
  const out = new Uint8Array(384)
  for (let row = 0; row < 16; row++) {
    const from = (mbY * 16 + row) * width + mbX * 16
    out.set(planes.y.subarray(from, from + 16), row * 16)
  }
  const chromaWidth = width / 2
  for (let row = 0; row < 8; row++) {
    const from = (mbY * 8 + row) * chromaWidth + mbX * 8
    out.set(planes.cb.subarray(from, from + 8), 256 + row * 8)
    out.set(planes.cr.subarray(from, from + 8), 320 + row * 8)
  }
  return out
}
