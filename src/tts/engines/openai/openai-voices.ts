/**
 * OpenAI's voice names, with the language and gender each speaks: the voices an
 * OpenAI-compatible upstream without a voices list is taken to have (sent as they are).
 * espeak maps the same names onto its own catalogue (espeak-voices.ts; a test holds the
 * two to the same languages and genders).
 */
import type { Gender } from '../../engine.ts'

export interface OpenAIVoiceName {
  /** The name on the wire, e.g. `alloy`. */
  id: string
  /** How pickers show it, e.g. `Alloy`. */
  name: string
  language: string
  gender: Gender
}

const entry = (id: string, language: string, gender: Gender): OpenAIVoiceName => ({ id, name: id[0]!.toUpperCase() + id.slice(1), language, gender })

export const OPENAI_VOICE_NAMES: readonly OpenAIVoiceName[] = Object.freeze([
  entry('alloy', 'en-US', 'female'),
  entry('ash', 'en-US', 'male'),
  entry('ballad', 'en-GB', 'male'),
  entry('coral', 'en-US', 'female'),
  entry('echo', 'en-US', 'male'),
  entry('fable', 'en-GB', 'male'),
  entry('onyx', 'en-US', 'male'),
  entry('nova', 'en-US', 'female'),
  entry('sage', 'en-GB', 'female'),
  entry('shimmer', 'en-GB', 'female'),
  entry('verse', 'en-GB-x-rp', 'male'),
  entry('marin', 'en-GB-x-rp', 'female'),
  entry('cedar', 'en-GB-scotland', 'male'),
])
