/**
 * What planning an engines-file entry yields for one model family: the sherpa-onnx model
 * config to hand the workers, and what the service needs to know to list its voices.
 */
import type { OfflineTtsModelConfig } from 'sherpa-onnx-node'

export type SherpaFamily = 'piper' | 'vits' | 'kokoro' | 'kitten' | 'matcha'

export interface FamilyPlan {
  family: SherpaFamily
  /** One family's section of sherpa-onnx's model config (paths, data dir). */
  model: Omit<OfflineTtsModelConfig, 'numThreads' | 'provider' | 'debug'>
  sampleRate: number
  /** Speaker names in id order; empty for a single-speaker model. */
  speakers: string[]
  /** BCP-47 language the model speaks (`und` when it does not say). */
  language: string
  /** The espeak-ng voice it phonemises with, when it uses espeak-ng. */
  espeakVoice?: string
  /** Kokoro's naming (`af_bella`) says each voice's language and gender. */
  namesSayLanguage?: boolean
  /** The voice id of a single-speaker model. */
  stem: string
  /** The model's own length scale at speed 1 (Piper's `inference.length_scale`); 1 when it has none. */
  lengthScale?: number
}
