import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { buildApp } from '../../test/support/in-process-app.ts'

let built: Awaited<ReturnType<typeof buildApp>>

beforeAll(async () => {
  built = await buildApp({ telemetry: false })
})
afterAll(() => built.close())

describe('/openapi.json', () => {
  test('documents every API route the app serves, with the method it answers', async () => {
    const doc = (await (await built.app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    const pages = /^\/($|docs|openapi\.json|web\/)/
    const routes = built.app.routes.filter((r) => r.method !== 'ALL' && !pages.test(r.path))
    expect(routes.length).toBeGreaterThan(12)
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}')
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined()
    }
  })

  test('takes its request schemas from the validators, limits included', async () => {
    const doc = (await (await built.app.request('/openapi.json')).json()) as any
    const speech = doc.paths['/v1/audio/speech'].post.requestBody.content['application/json'].schema
    expect(speech.required).toEqual(expect.arrayContaining(['model', 'input', 'voice']))
    expect(speech.properties.speed).toMatchObject({ minimum: 0.25, maximum: 4 })
    expect(speech.properties.response_format.description).toBe('One of: mp3, opus, aac, flac, wav, pcm')
    expect(Object.keys(doc.paths['/v1/audio/speech'].post.responses['200'].content)).toContain('audio/aac')
    const eleven = doc.paths['/v1/text-to-speech/{voice_id}'].post
    expect(eleven.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['voice_id', 'output_format']))
  })
})

describe('/docs', () => {
  test('serves the interactive page and its assets from this server, with security headers', async () => {
    const page = await built.app.request('/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await page.text()
    for (const asset of html.match(/\/docs\/assets\/[\w.-]+/g) ?? []) {
      const res = await built.app.request(asset)
      expect(res.status, asset).toBe(200)
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10)
    }
    expect((await built.app.request('/docs/assets/../../package.json')).status).toBe(404)
  })
})

describe('routing', () => {
  test('the whole app stays on Hono’s RegExpRouter, and the docs assets still resolve', async () => {
    expect((await built.app.request('/docs/assets/init.js')).headers.get('content-type')).toContain('javascript')
    expect((await built.app.request('/docs/assets/swagger-ui.css')).status).toBe(200)
    expect((await built.app.request('/docs/assets/nope.js')).status).toBe(404)
    // A pattern the RegExpRouter cannot take sends every request of the app through the slower TrieRouter.
    expect((built.app.router as { name: string }).name).toBe('SmartRouter + RegExpRouter')
  })
})
