/**
 * The `elevenlabs` kind: an ElevenLabs-compatible upstream (elevenlabs-engine.ts) behind the router.
 */
import { defineKind } from '../router/engine-kind.ts'
import { createElevenLabsEngine } from './elevenlabs-engine.ts'
import { elevenlabsSettings } from './elevenlabs-settings.ts'

export const elevenlabsKind = defineKind({
  kind: 'elevenlabs',
  settings: elevenlabsSettings,
  // PCM from the network (stream-input, timed calls) is encoded on this side.
  transcodes: true,
  create: (settings, deps) => createElevenLabsEngine(settings, deps),
})
