/**
 * The playground page (`GET /`) and its static assets (`/web/*`), from `src/web/`.
 *
 * The files are read once, when the routes are built, and kept in memory: they are small,
 * and a request must never touch the disk. Only the files listed in ASSETS are served, so a
 * path can never reach anything else. The pages carry a strict CSP (same origin only, no
 * inline script), which is why configuration reaches the page through a `<meta>` tag.
 */
import { Hono, type Context } from 'hono'
import { join } from 'node:path'
import type { AppEnv } from '../app-env.ts'

export interface WebOptions {
  /** Link to a trace, with `{traceId}` replaced (e.g. Grafana Explore on Tempo); unset: no link. */
  traceUrlTemplate?: string
}

const WEB_DIR = join(import.meta.dir, '..', 'web')

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
} as const

/** Every file served under /web/, by name. */
const ASSETS: Record<string, keyof typeof TYPES> = {
  'app.js': 'js',
  'api.js': 'js',
  'audio-output.js': 'js',
  'stream-client.js': 'js',
  'stream-job.js': 'js',
  'stream-player.js': 'js',
  'opus-packets.js': 'js',
  'voices.js': 'js',
  'request-info.js': 'js',
  'style.css': 'css',
  'favicon.svg': 'svg',
}

/** The placeholder in index.html that receives the trace URL template. */
const TRACE_META = '<meta name="tts-trace-url-template" content="">'

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    // Same-origin fetches and the /v1/stream WebSocket (ws: or wss: as the page was loaded).
    "connect-src 'self' ws: wss:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

interface StaticFile {
  body: Uint8Array<ArrayBuffer>
  type: string
  etag: string
}

function staticFile(body: Uint8Array<ArrayBuffer>, kind: keyof typeof TYPES): StaticFile {
  return { body, type: TYPES[kind], etag: `"${Bun.hash(body).toString(36)}"` }
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

async function loadIndex(options: WebOptions): Promise<StaticFile> {
  const html = await Bun.file(join(WEB_DIR, 'index.html')).text()
  // Failing loudly here beats a page that silently never shows trace links.
  if (!html.includes(TRACE_META)) throw new Error(`src/web/index.html lost its placeholder ${TRACE_META}`)
  const meta = TRACE_META.replace('content=""', `content="${escapeAttribute(options.traceUrlTemplate ?? '')}"`)
  return staticFile(new TextEncoder().encode(html.replace(TRACE_META, meta)), 'html')
}

async function loadAssets(): Promise<Map<string, StaticFile>> {
  const entries = await Promise.all(
    Object.entries(ASSETS).map(async ([name, kind]) => [name, staticFile(await Bun.file(join(WEB_DIR, name)).bytes(), kind)] as const),
  )
  return new Map(entries)
}

function serve(c: Context<AppEnv>, file: StaticFile): Response {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    etag: file.etag,
    // Asset URLs carry no content hash, so browsers revalidate every time (a cheap 304)
    // rather than keep yesterday's app.js beside today's index.html.
    'cache-control': 'no-cache',
  }
  if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers)
  return c.body(file.body, 200, { ...headers, 'content-type': file.type })
}

/**
 * @example
 * app.route('/', webRoutes({ traceUrlTemplate: 'http://localhost:3000/explore?traceId={traceId}' }))
 */
export function webRoutes(options: WebOptions = {}): Hono<AppEnv> {
  // Started now, awaited per request: the service does not wait on the page to come up.
  const index = loadIndex(options)
  const assets = loadAssets()
  // A missing file shows as a 500 on the page's request; it must not crash the process first.
  index.catch(() => {})
  assets.catch(() => {})

  const app = new Hono<AppEnv>()
  app.get('/', async (c) => serve(c, await index))
  app.get('/web/:name', async (c) => {
    const file = (await assets).get(c.req.param('name'))
    return file ? serve(c, file) : c.notFound()
  })
  return app
}
