/**
 * The `openai` kind: an OpenAI-compatible upstream (openai-engine.ts) behind the router.
 */
import { defineKind } from '../router/engine-kind.ts'
import { createOpenAIEngine } from './openai-engine.ts'
import { openaiSettings } from './openai-settings.ts'

export const openaiKind = defineKind({
  kind: 'openai',
  settings: openaiSettings,
  // PCM from the network is encoded on this side for formats the upstream does not produce.
  transcodes: true,
  create: (settings, deps) => createOpenAIEngine(settings, deps),
})
