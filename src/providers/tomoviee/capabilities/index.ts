import { framesToVideo } from './frames-to-video.ts'
import { imageRecognition } from './image-recognition.ts'
import { imageRedraw } from './image-redraw.ts'
import { imageToImage } from './image-to-image.ts'
import { imageToVideo } from './image-to-video.ts'
import { textToMusic } from './text-to-music.ts'
import { textToSfx } from './text-to-sfx.ts'
import { textToSpeech } from './text-to-speech.ts'
import { textToVideo } from './text-to-video.ts'
import type { CapabilityDefinition } from '../../../tasks/capabilities/types.ts'
import { videoContinuation } from './video-continuation.ts'
import { videoScoring } from './video-scoring.ts'

// Each definition is precisely typed where it is written; here only the shared shape matters.
const all = [
  videoScoring, textToMusic, textToSfx, textToSpeech,
  textToVideo, imageToVideo, framesToVideo, videoContinuation,
  imageToImage, imageRedraw, imageRecognition
] as unknown as CapabilityDefinition[]

/** ToMoviee's eleven capabilities, in the order they are documented. */
export const TOMOVIEE_CAPABILITIES: readonly CapabilityDefinition[] = all

const byName = new Map(TOMOVIEE_CAPABILITIES.map((c) => [c.name, c]))
const byEndpoint = new Map(TOMOVIEE_CAPABILITIES.map((c) => [c.endpoint, c]))

export function findTomovieeCapability (name: string): CapabilityDefinition | undefined {
  return byName.get(name)
}

/** The simulator routes by upstream path segment. */
export function findCapabilityByEndpoint (endpoint: string): CapabilityDefinition | undefined {
  return byEndpoint.get(endpoint)
}
