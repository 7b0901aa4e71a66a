/**
 * Model ids clients may send. Every one is served by the configured engine: they exist
 * so the official SDKs' defaults (OpenAI `tts-1`, ElevenLabs `eleven_multilingual_v2`)
 * work unmodified. The model still takes part in the cache key, as docs/architecture.md ("The cache") says.
 */

export interface ModelInfo {
  id: string
  /** Which vendor's clients use this id. */
  vendor: 'openai' | 'elevenlabs' | 'tts-edge'
  name: string
}

export const MODELS: readonly ModelInfo[] = [
  { id: 'tts-edge', vendor: 'tts-edge', name: 'tts-edge (espeak-ng)' },
  { id: 'tts-1', vendor: 'openai', name: 'OpenAI-compatible tts-1' },
  { id: 'tts-1-hd', vendor: 'openai', name: 'OpenAI-compatible tts-1-hd' },
  { id: 'gpt-4o-mini-tts', vendor: 'openai', name: 'OpenAI-compatible gpt-4o-mini-tts' },
  { id: 'eleven_multilingual_v2', vendor: 'elevenlabs', name: 'ElevenLabs-compatible Multilingual v2' },
  { id: 'eleven_flash_v2_5', vendor: 'elevenlabs', name: 'ElevenLabs-compatible Flash v2.5' },
  { id: 'eleven_turbo_v2_5', vendor: 'elevenlabs', name: 'ElevenLabs-compatible Turbo v2.5' },
  { id: 'eleven_v3', vendor: 'elevenlabs', name: 'ElevenLabs-compatible v3' },
  { id: 'eleven_monolingual_v1', vendor: 'elevenlabs', name: 'ElevenLabs-compatible English v1' },
]

const BY_ID = new Map(MODELS.map((m) => [m.id, m]))

/**
 * @example
 * findModel('tts-1')?.vendor // 'openai'
 */
export function findModel(id: string): ModelInfo | undefined {
  return BY_ID.get(id)
}
