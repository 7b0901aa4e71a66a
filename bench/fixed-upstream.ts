/**
 * The upstream of `bun run bench gateway-cost`: an OpenAI-compatible speech route that answers
 * every request with the same mp3 bytes (UPSTREAM_BODY_FILE), after reading its JSON body, so
 * whatever sits in front of it streams the mp3 through untranscoded. UPSTREAM_DELAY_MS holds
 * each answer that long before its headers (requests pile up in the proxy, for the memory
 * figure). No voices endpoint: a gateway then speaks OpenAI's voice names.
 *
 * Run by the benchmark as its own process: `PORT=8090 UPSTREAM_BODY_FILE=/tmp/a.mp3 bun bench/fixed-upstream.ts`.
 */
// A module (for its top-level await), though it exports nothing.
export {}

const file = process.env.UPSTREAM_BODY_FILE
if (!file) throw new Error('UPSTREAM_BODY_FILE: the mp3 to answer with')
const audio = new Uint8Array(await Bun.file(file).arrayBuffer())
const delayMs = Number(process.env.UPSTREAM_DELAY_MS ?? 0)

Bun.serve({
  port: Number(process.env.PORT ?? 8090),
  hostname: process.env.HOST ?? '127.0.0.1',
  async fetch(req) {
    const { pathname } = new URL(req.url)
    if (pathname === '/readyz') return Response.json({ status: 'ready' })
    if (req.method !== 'POST' || pathname !== '/v1/audio/speech') return new Response('not found', { status: 404 })
    const body = (await req.json()) as { input?: unknown }
    if (typeof body.input !== 'string') return Response.json({ error: { message: 'input must be a string' } }, { status: 400 })
    if (delayMs > 0) await Bun.sleep(delayMs)
    return new Response(audio, { headers: { 'content-type': 'audio/mpeg' } })
  },
})
