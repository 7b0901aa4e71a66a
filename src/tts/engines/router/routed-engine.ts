/**
 * What the router needs from each configured engine besides the Engine interface: its
 * name, resolving a voice by the engine's own id, what keys its audio in the cache, and
 * what it does with the request's extras. Every kind's factory returns one.
 */
import type { Engine, SpeechReading, Voice } from '../../engine.ts'

export interface RoutedEngine extends Engine {
  /** The name the engines file gives it (`kokoro`, `local`): voice id prefix, `X-TTS-Engine`, metric label. */
  readonly name: string
  /** The voice with this id in the engine's own catalogue (no `engine:` prefix). */
  resolve(id: string): Voice | undefined
  /** What identifies this engine's audio in cache keys (upstream URL and model, or the local build). */
  scope(): string
  /**
   * True when OpenAI `instructions` reach something that may change the audio (an upstream
   * that is sent them): they then key the cache. Engines that ignore them leave keys as they are.
   */
  keysInstructions(voice: Voice): boolean
  /** How the kind reads speech with markup (each kind renders the internal form its own way). */
  speech(voice: Voice): SpeechReading
}
