/**
 * The gateway-cost baseline (`bun run bench gateway-cost`): a bare Bun `fetch` passthrough to
 * one upstream, with no validation, telemetry or cache: what carrying a request and its body
 * across costs a Bun process at the least. The response body streams through as it arrives.
 *
 * Run by the benchmark as its own process: `PORT=8091 PASSTHROUGH_UPSTREAM=http://127.0.0.1:8090 bun bench/bare-passthrough.ts`.
 */
const upstream = process.env.PASSTHROUGH_UPSTREAM
if (!upstream) throw new Error('PASSTHROUGH_UPSTREAM: the origin to forward to')

Bun.serve({
  port: Number(process.env.PORT ?? 8091),
  hostname: process.env.HOST ?? '127.0.0.1',
  async fetch(req) {
    const { pathname, search } = new URL(req.url)
    if (pathname === '/readyz') return Response.json({ status: 'ready' })
    const res = await fetch(`${upstream}${pathname}${search}`, { method: req.method, headers: req.headers, body: req.body })
    return new Response(res.body, { status: res.status, headers: res.headers })
  },
})
