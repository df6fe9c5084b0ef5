import type { FileOutput, FileOutputType } from '../../tasks/model.ts'

/**
 * Output URLs from Media.io's `data.result`, whose layout the document never states. Accepted: a
 * URL string; an array of URL strings or of objects with a url field; an object with a url field;
 * an object whose values are any of these (`{images: [...]}`, `{videos: [{url}]}`, `{url, cover}`).
 * Only http(s) URLs count, each once, in the order met.
 */
const URL_KEYS = ['url', 'image_url', 'video_url', 'file_url', 'download_url', 'imageUrl', 'videoUrl', 'fileUrl', 'uri', 'src']
// Keys whose URLs are previews, not the generated file.
const PREVIEW_KEYS = /^(cover|thumbnail|thumb|poster|preview)(_?url)?$/i
const MAX_DEPTH = 4
const MAX_OUTPUTS = 32

const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\//i.test(v) && URL.canParse(v)

function collect (value: unknown, depth: number, into: string[]): void {
  if (depth > MAX_DEPTH || into.length >= MAX_OUTPUTS) return
  if (isHttpUrl(value)) {
    if (!into.includes(value)) into.push(value)
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, depth + 1, into)
    return
  }
  if (typeof value !== 'object' || value === null) return
  const record = value as Record<string, unknown>
  const direct = URL_KEYS.map((k) => record[k]).find(isHttpUrl)
  if (direct !== undefined) {
    collect(direct, depth + 1, into)
    return
  }
  for (const [key, item] of Object.entries(record)) {
    if (!PREVIEW_KEYS.test(key)) collect(item, depth + 1, into)
  }
}

export function resultUrls (result: unknown): string[] {
  const urls: string[] = []
  collect(result, 0, urls)
  return urls
}

const VIDEO_PATH = /\.(mp4|mov|webm|mkv|m4v)$/i
const IMAGE_PATH = /\.(png|jpe?g|webp|gif|bmp|heic|avif)$/i

/** The outputs of a finished task; a URL's own extension wins over the model's kind. */
export function resultOutputs (result: unknown, expected: FileOutputType): FileOutput[] {
  return resultUrls(result).map((url) => {
    const path = new URL(url).pathname
    const type: FileOutputType = VIDEO_PATH.test(path) ? 'video' : IMAGE_PATH.test(path) ? 'image' : expected
    return { type, url }
  })
}
