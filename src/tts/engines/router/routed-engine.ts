/**
 * What the router needs from each configured engine besides the Engine interface: its
 * name, resolving a voice by the engine's own id, what keys its audio in the cache, and
 * what it does with the request's extras. Every kind's factory returns one.
 */
import type { Engine, SpeechReading, Voice } from '../../engine.ts'
import type { ParamSupport } from '../../params/voice-params.ts'

export interface RoutedEngine extends Engine {
  /** The name the engines file gives it (`kokoro`, `local`): voice id prefix, `X-TTS-Engine`, metric label. */
  readonly name: string
  /** The voice with this id in the engine's own catalogue (no `engine:` prefix). */
  resolve(id: string): Voice | undefined
  /** What identifies this engine's audio in cache keys (upstream URL and model, or the local build). */
  scope(): string
  /**
   * What this engine does with the request's voice parameters (tts/params/): the ones it
   * honours reach it and key the cache; the rest are named in `X-TTS-Ignored`.
   */
  params(voice: Voice): ParamSupport
  /** How the kind reads speech with markup (each kind renders the internal form its own way). */
  speech(voice: Voice): SpeechReading
}
