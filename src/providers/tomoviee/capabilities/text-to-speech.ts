import { z } from 'zod'
import { defineCapability } from '../../../tasks/capabilities/types.ts'

const example = { text: 'Welcome back! Your video is ready to share.', voiceId: 'en-US-JennyNeural' }

// The full voice list is not published; these are the documented examples.
const KNOWN_VOICES = ['zh-CN-YunxiNeural', 'zh-CN-XiaoxiaoNeural', 'zh-CN-YunjianNeural', 'en-US-JennyNeural', 'en-US-GuyNeural', 'en-US-AriaNeural', 'en-GB-SoniaNeural', 'en-GB-RyanNeural']
const VoiceId = z.string().regex(/^[a-z]{2,3}-[A-Z]{2,4}-[A-Za-z0-9]+$/, 'must look like "en-US-JennyNeural"').max(64)

const Input = z.strictObject({
  text: z.string().trim().min(1).max(5000).describe('What to say, natural spoken text (spell numbers out); at most 5000 characters'),
  voiceId: VoiceId.optional().describe(`Voice (upstream default zh-CN-YunxiNeural), e.g. ${KNOWN_VOICES.join(', ')}`)
}).meta({ id: 'TextToSpeech', examples: [example] })

const Upstream = z.object({
  text: z.string().min(1).max(5000),
  voice_id: z.string().min(1).optional()
})

export const textToSpeech = defineCapability({
  name: 'text-to-speech',
  endpoint: 'tm_text2speech',
  summary: 'Speech from text',
  description: 'Reads a text aloud with the chosen voice. Output: one audio file.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ text: i.text, ...(i.voiceId !== undefined ? { voice_id: i.voiceId } : {}) }),
  media: {},
  outputs: [{ key: 'audio_path', type: 'audio' }],
  typicalSeconds: { min: 5, max: 30 },
  example
})
