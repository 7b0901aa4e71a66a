/**
 * The memory floor of `bun run bench gateway-cost`: a Bun server that reads each request's body,
 * holds it a second, then answers the fixed mp3 from memory. No fetch, no framework: what a
 * request in flight costs a Bun process before anything is proxied, against which the RSS goal
 * per request in flight is read.
 *
 * Run by the benchmark as its own process: `PORT=8092 UPSTREAM_BODY_FILE=/tmp/a.mp3 bun bench/bare-hold.ts`.
 */
// A module (for its top-level await), though it exports nothing.
export {}

const file = process.env.UPSTREAM_BODY_FILE
if (!file) throw new Error('UPSTREAM_BODY_FILE: the mp3 to answer with')
const audio = new Uint8Array(await Bun.file(file).arrayBuffer())

Bun.serve({
  port: Number(process.env.PORT ?? 8092),
  hostname: process.env.HOST ?? '127.0.0.1',
  async fetch(req) {
    if (new URL(req.url).pathname === '/readyz') return Response.json({ status: 'ready' })
    // A proxy must have the request's body; reading it or not moved the figure by under 2 KiB.
    await req.arrayBuffer()
    await Bun.sleep(1000)
    return new Response(audio, { headers: { 'content-type': 'audio/mpeg' } })
  },
})
