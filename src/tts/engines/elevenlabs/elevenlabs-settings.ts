/**
 * An `elevenlabs` engine's entry in the engines file: ElevenLabs, or anything speaking its API.
 */
import { z } from 'zod'
import { upstreamFields, upstreamUrl } from '../upstream/upstream-settings.ts'

export const elevenlabsSettings = z.strictObject({
  kind: z.literal('elevenlabs'),
  url: upstreamUrl.default('https://api.elevenlabs.io'),
  ...upstreamFields,
  /** Our streaming sessions speak through one upstream stream-input WebSocket each (else one HTTP call per sentence). */
  stream_input: z.boolean().default(true),
})

export type ElevenLabsEngineSettings = z.output<typeof elevenlabsSettings> & { name: string; apiKey?: string }
