/**
 * API docs: `/openapi.json` (generated from the validating zod schemas) and `/docs`, an
 * interactive page (Swagger UI, served from the installed package: no CDN, works offline).
 */
import { dirname, join } from 'node:path'
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { version } from '../version.ts'
import { openApiDocument } from './openapi.ts'

// Swagger UI injects inline styles; scripts stay same-origin only.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"

export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>tts-edge API</title>
  <link rel="icon" href="/web/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: true });`

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
}

/**
 * @example
 * app.route('/', docsRoutes())
 */
export function docsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  let document: string | undefined
  // Resolved on first use, not at import: createApp does no I/O.
  let assetDir: string | undefined

  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(openApiDocument(version))
    return c.body(document, 200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
  })
  app.get('/docs', (c) => c.html(PAGE, 200, { ...PAGE_SECURITY_HEADERS, 'content-security-policy': CSP }))
  // One route for every asset: a static path beside a parameter in the same place would make
  // Hono fall back from its RegExpRouter to the slower TrieRouter for every route of the app.
  app.get('/docs/assets/:file', async (c) => {
    if (c.req.param('file') === 'init.js') {
      return c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', ...PAGE_SECURITY_HEADERS })
    }
    const type = ASSETS[c.req.param('file')]
    if (!type) return c.notFound()
    assetDir ??= dirname(Bun.resolveSync('swagger-ui-dist/package.json', import.meta.dir))
    const file = Bun.file(join(assetDir, c.req.param('file')))
    return new Response(file, { headers: { 'content-type': type, 'cache-control': 'public, max-age=86400', ...PAGE_SECURITY_HEADERS } })
  })
  return app
}
