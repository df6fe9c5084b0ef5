import type { Output } from '../../tasks/model.ts'
import type { UpstreamReport } from '../types.ts'
import type { EdrawmaxCapability } from './capability.ts'
import { untrustedReason, type ResultHostPolicy } from './trust.ts'
import { DIAGRAMS, EDRAWMAX_CODE, type Envelope } from './wire.ts'

/** The final answer's envelope as a report, or null for codes that are upstream errors rather than outcomes. */
export function envelopeReport (def: EdrawmaxCapability, envelope: Envelope, hosts: ResultHostPolicy, warn: (reason: string) => void): UpstreamReport | null {
  switch (envelope.code) {
    case EDRAWMAX_CODE.OK: return successReport(def, envelope.data ?? {}, hosts, warn)
    case EDRAWMAX_CODE.CONTENT_REJECTED:
      return failed('BFF_ERR_TASK_CONTENT_REJECTED', 'EdrawMax refused the prompt under its content rules; rephrase it and try again')
    case EDRAWMAX_CODE.USER_CONCURRENCY:
      return failed('BFF_ERR_RATE_LIMITED', 'EdrawMax is still drawing other diagrams for this user; try again shortly')
    case EDRAWMAX_CODE.GENERATION_FAILED:
      return failed('BFF_ERR_TASK_FAILED', 'EdrawMax could not generate the diagram')
    case EDRAWMAX_CODE.RENDERING_FAILED:
      return failed('BFF_ERR_TASK_FAILED', 'EdrawMax generated the diagram but could not render it')
    default: return null
  }
}

function failed (code: NonNullable<UpstreamReport['error']>['code'], message: string): UpstreamReport {
  return { status: 'failed', error: { code, message } }
}

function successReport (def: EdrawmaxCapability, data: NonNullable<Envelope['data']>, hosts: ResultHostPolicy, warn: (reason: string) => void): UpstreamReport {
  const bad = (message: string) => failed('BFF_ERR_TASK_BAD_RESULT', message)
  if (typeof data.png_url !== 'string' || data.png_url === '') return bad('EdrawMax answered without a diagram image')
  const outputs: Output[] = []
  for (const [url, type] of [[data.png_url, 'image'], [data.svg_url, 'vector']] as const) {
    if (url === undefined || url === '') continue
    const reason = untrustedReason(url, hosts)
    if (reason !== null) {
      warn(reason)
      return bad('EdrawMax answered with a result URL that is not on its storage hosts')
    }
    outputs.push({ type, url })
  }
  const { sourceField, format } = DIAGRAMS[def.diagram]
  const text = data[sourceField]
  if (typeof text === 'string' && text.trim() !== '') outputs.push({ type: 'source', format, text })
  return { status: 'succeeded', progress: 100, outputs }
}
