/**
 * The upstream create call of scenario 1's baseline and floor: the same endpoint, headers, body
 * shape and pool settings as the BFF's gateway client (src/providers/tomoviee/client.ts), to the
 * benchmark's simulator.
 */
import { Agent, request } from 'undici'
import { APP_KEY, APP_SECRET } from './common.ts'

export interface VideoInput { videoUrl: string, prompt: string, duration?: number }

const agent = new Agent({ connect: { timeout: 5_000 }, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 })
const headers = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${APP_KEY}:${APP_SECRET}`, 'utf8').toString('base64')}`,
  'x-app-key': APP_KEY
}

export async function createUpstream (simUrl: string, callbackPort: number, id: string, input: VideoInput): Promise<{ ok: boolean, upstreamTaskId: string | null }> {
  const body = {
    file_link: input.videoUrl,
    video: input.videoUrl,
    prompt: input.prompt,
    ...(input.duration !== undefined ? { duration: input.duration } : {}),
    callback: `http://127.0.0.1:${callbackPort}/webhooks/tomoviee?task=${id}&token=none`,
    params: id
  }
  const up = await request(`${simUrl}/v1/open/capacity/application/tm_video_scoring`, { method: 'POST', headers, body: JSON.stringify(body), dispatcher: agent })
  const answer = await up.body.json() as { data?: { task_id?: string } }
  return { ok: up.statusCode === 200, upstreamTaskId: answer.data?.task_id ?? null }
}

export const closeUpstream = async (): Promise<void> => { await agent.close() }
