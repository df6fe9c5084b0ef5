import { z } from 'zod'
import { defineCapability, promptSchema, type CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import { DIAGRAMS, DiagramRequestSchema, EDRAWMAX_LANGS, EDRAWMAX_PLATFORMS, MAX_PROMPT_LENGTH, type DiagramKind } from './wire.ts'

export const EDRAWMAX_PROVIDER_ID = 'edrawmax'

/** The shared definition plus what the EdrawMax provider needs to call and read it. */
export type EdrawmaxCapability = CapabilityDefinition<typeof Input, typeof DiagramRequestSchema> & {
  provider: typeof EDRAWMAX_PROVIDER_ID
  diagram: DiagramKind
}

const Input = z.strictObject({
  prompt: promptSchema(MAX_PROMPT_LENGTH).describe('What the diagram should show, in plain words'),
  lang: z.enum(EDRAWMAX_LANGS).default('cn')
    .describe('Language of the diagram text: en, cn (Simplified Chinese), jp, kr, es, fr, de, it, tw (Traditional Chinese), pt, ru, id'),
  platform: z.enum(EDRAWMAX_PLATFORMS).optional().describe('The platform the request comes from, as EdrawMax counts it')
})

const TEXTS: Record<DiagramKind, { summary: string, description: string, example: string, typical: { min: number, max: number } }> = {
  flowchart: {
    summary: 'Flowchart from a description (EdrawMax)',
    description: 'Draws a flowchart of a process described in words. Output: a PNG, an SVG and the Mermaid source.',
    example: 'How a support ticket moves from opened to resolved, with an escalation branch',
    typical: { min: 5, max: 60 }
  },
  infographic: {
    summary: 'Infographic from a description (EdrawMax)',
    description: 'Lays out an infographic of facts or steps described in words. Output: a PNG, an SVG and the EdrawMax source.',
    example: 'Five habits for better sleep, one sentence each',
    typical: { min: 5, max: 60 }
  },
  gantt: {
    summary: 'Gantt chart from a description (EdrawMax)',
    description: 'Draws a Gantt chart of a plan described in words. Output: a PNG, an SVG and the EdrawMax source.',
    example: 'A six-week website launch: design, build, test and release phases',
    typical: { min: 5, max: 60 }
  },
  mindmap: {
    summary: 'Mind map from a description (EdrawMax)',
    description: 'Draws a mind map of a topic described in words. Output: a PNG, an SVG and the EdrawMax source.',
    example: 'The main branches of machine learning and one example of each',
    typical: { min: 5, max: 60 }
  }
}

function diagramCapability (diagram: DiagramKind): EdrawmaxCapability {
  const text = TEXTS[diagram]
  const example = { prompt: text.example, lang: 'en' } as const
  return {
    ...defineCapability({
      name: `edrawmax-${diagram}`,
      // The path under the EdrawMax base URL, where ToMoviee's capability path segment stands.
      endpoint: DIAGRAMS[diagram].path,
      summary: text.summary,
      description: text.description,
      input: Input.meta({ id: `Edrawmax${diagram[0]!.toUpperCase()}${diagram.slice(1)}`, examples: [example] }),
      upstream: DiagramRequestSchema,
      toUpstream: (i) => ({ prompt: i.prompt, lang: i.lang, ...(i.platform !== undefined ? { platform: i.platform } : {}) }),
      media: {},
      // The source text is no URL; the provider reads it from DIAGRAMS[diagram].sourceField.
      outputs: [{ key: 'png_url', type: 'image' }, { key: 'svg_url', type: 'vector' }],
      inlineOutputs: ['source'],
      typicalSeconds: text.typical,
      example
    }),
    provider: EDRAWMAX_PROVIDER_ID,
    diagram
  }
}

export const edrawmaxFlowchart = diagramCapability('flowchart')
export const edrawmaxInfographic = diagramCapability('infographic')
export const edrawmaxGantt = diagramCapability('gantt')
export const edrawmaxMindmap = diagramCapability('mindmap')

export const EDRAWMAX_CAPABILITIES: readonly EdrawmaxCapability[] = [edrawmaxFlowchart, edrawmaxInfographic, edrawmaxGantt, edrawmaxMindmap]
