/**
 * Every Mermaid diagram in README.md and docs/ renders: GitHub draws them with Mermaid in
 * the reader's browser, and a syntax error shows there as an error box instead of the
 * diagram. Rendered here by Mermaid itself (npm `mermaid`) in Debian's Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from './support/browser.ts'
import { docFiles, fencedBlocks } from './support/markdown.ts'

const root = resolve(import.meta.dir, '..')
const diagrams = docFiles(root).flatMap((file) =>
  fencedBlocks(readFileSync(join(root, file), 'utf8'), 'mermaid').map((block) => ({ ...block, where: `${file}:${block.line}` })),
)

let browser: Browser
let page: Page

beforeAll(async () => {
  browser = await launchChromium()
  page = await browser.newPage()
  await page.setContent('<!doctype html><html><body></body></html>')
  await page.addScriptTag({ path: join(root, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') })
  await page.evaluate(() => (globalThis as any).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }))
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

/** The diagram's SVG, or the error Mermaid reports for it. */
function render(code: string, id: string): Promise<{ svg?: string; error?: string }> {
  return page.evaluate(
    async ([code, id]) => {
      try {
        const { svg } = await (globalThis as any).mermaid.render(id, code)
        return { svg }
      } catch (err) {
        return { error: String((err as Error)?.message ?? err) }
      }
    },
    [code, id] as const,
  )
}

describe('Mermaid diagrams in README.md and docs/', () => {
  test('the docs have diagrams (architecture, observability, operations)', () => {
    for (const file of ['docs/architecture.md', 'docs/observability.md', 'docs/operations.md']) {
      expect(diagrams.some((d) => d.where.startsWith(`${file}:`)), file).toBe(true)
    }
  })

  test('a broken diagram is reported, so the check below can fail', async () => {
    expect((await render('flowchart LR\n  a --> ', 'broken')).error).toBeDefined()
  })

  diagrams.forEach((diagram, i) => {
    test(`${diagram.where} renders`, async () => {
      const result = await render(diagram.code, `diagram-${i}`)
      expect(result.error, diagram.where).toBeUndefined()
      expect(result.svg).toContain('<svg')
    })
  })
})
