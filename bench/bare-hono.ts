/**
 * The hit-path baseline (`bun run bench hit-path`): bare Hono on Bun answering the speech
 * route with the same audio bytes from memory, after reading and parsing the same JSON body.
 * What any Hono service must spend per request; tts-edge's cache hit is measured against it.
 *
 * Run by the benchmark as its own process: `PORT=8081 BARE_BODY_FILE=/tmp/hit.mp3 bun bench/bare-hono.ts`.
 */
import { Hono } from 'hono'

const file = process.env.BARE_BODY_FILE
if (!file) throw new Error('BARE_BODY_FILE: the audio bytes to answer with')
const audio = new Uint8Array(await Bun.file(file).arrayBuffer())
const contentType = process.env.BARE_CONTENT_TYPE ?? 'audio/mpeg'

const app = new Hono()
app.get('/readyz', (c) => c.json({ status: 'ready' }))
app.post('/v1/audio/speech', async (c) => {
  // Parsed, and looked at, so the runtime cannot skip the work.
  const body = (await c.req.json()) as { input?: unknown }
  if (typeof body.input !== 'string') return c.json({ error: 'input must be a string' }, 400)
  return c.body(audio, 200, { 'content-type': contentType })
})

Bun.serve({ port: Number(process.env.PORT ?? 8081), hostname: process.env.HOST ?? '127.0.0.1', fetch: app.fetch })
