/**
 * `GET /v1/models`: both vendors use this path with different shapes. ElevenLabs' SDK
 * is recognised by its `xi-api-key` or Fern SDK headers and gets a bare array; everyone
 * else gets OpenAI's `{object:"list",data:[...]}`.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { MODELS } from '../tts/models.ts'

const CREATED = Date.UTC(2026, 0, 1) / 1000

export function modelsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/v1/models', (c) => {
    if (c.get('apiStyle') === 'elevenlabs') {
      return c.json(
        MODELS.map((m) => ({
          model_id: m.id,
          name: m.name,
          can_do_text_to_speech: true,
          can_do_voice_conversion: false,
          can_use_style: false,
          can_use_speaker_boost: false,
          serves_pro_voices: false,
          token_cost_factor: 1,
          description: m.name,
          requires_alpha_access: false,
          max_characters_request_free_user: 4096,
          max_characters_request_subscribed_user: 4096,
          languages: [],
        })),
      )
    }
    return c.json({
      object: 'list',
      data: MODELS.map((m) => ({ id: m.id, object: 'model', created: CREATED, owned_by: 'tts-edge' })),
    })
  })
  return app
}
