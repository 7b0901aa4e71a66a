import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { SECURITY_HEADERS, webRoutes } from './web.ts'

const WEB_DIR = join(import.meta.dir, '..', 'web')

function expectSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value)
  const csp = res.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("connect-src 'self' ws: wss:")
  expect(csp).not.toContain('unsafe-inline')
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  expect(res.headers.get('x-frame-options')).toBe('DENY')
}

describe('webRoutes', () => {
  test('GET / is the playground, with security and cache headers', async () => {
    const res = await webRoutes().request('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expectSecurityHeaders(res)
    const html = await res.text()
    expect(html).toContain('<script type="module" src="/web/app.js"></script>')
    // No inline script: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull()
    expect(html).toContain('<meta name="tts-trace-url-template" content="">')
  })

  test('the trace URL template reaches the page escaped, in a meta tag', async () => {
    const template = 'http://grafana:3000/explore?left={"datasource":"tempo","queries":[{"query":"{traceId}"}]}&x=<b>'
    const html = await (await webRoutes({ traceUrlTemplate: template }).request('/')).text()
    const content = /<meta name="tts-trace-url-template" content="([^"]*)">/.exec(html)?.[1]
    expect(content).toBe(template.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
  })

  test.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['stream-player.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
  ])('GET /web/%s is served as %s', async (name, type) => {
    const res = await webRoutes().request(`/web/${name}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(type)
    expectSecurityHeaders(res)
    expect(await res.text()).toBe(await Bun.file(join(WEB_DIR, name)).text())
  })

  test('every asset in src/web is served (a new module cannot be forgotten)', async () => {
    const app = webRoutes()
    const names = readdirSync(WEB_DIR).filter((name) => name !== 'index.html')
    expect(names.length).toBeGreaterThan(3)
    for (const name of names) expect([name, (await app.request(`/web/${name}`)).status]).toEqual([name, 200])
  })

  test('an unchanged file answers 304 to its ETag', async () => {
    const app = webRoutes()
    const first = await app.request('/web/app.js')
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[0-9a-z]+"$/)
    const again = await app.request('/web/app.js', { headers: { 'if-none-match': etag! } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
  })

  test.each(['/web/nope.js', '/web/index.html', '/web/..%2Fapp.ts', '/web/', '/web/%2e%2e%2f%2e%2e%2fpackage.json'])('unknown asset %s is 404', async (path) => {
    const res = await webRoutes().request(path)
    expect(res.status).toBe(404)
  })
})
