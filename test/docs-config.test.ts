/**
 * docs/configuration.md and the configuration schema stay equal: every variable loadConfig
 * accepts (the keys of its zod schema, OTEL_* included) is in a table of the page, every
 * variable in those tables is accepted, and every default the page states as a literal is
 * the default loadConfig applies.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CONFIG_VARIABLES, loadConfig } from '../src/config.ts'

const root = resolve(import.meta.dir, '..')
const page = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8')

interface Row {
  name: string
  defaultCell: string
}

/** Table rows `| `NAME` | default | ...` of the "Environment variables" section. */
function documentedVariables(markdown: string): Row[] {
  const start = markdown.indexOf('\n## Environment variables')
  expect(start, 'docs/configuration.md has a section "Environment variables"').toBeGreaterThan(0)
  const end = markdown.indexOf('\n## ', start + 1)
  const section = markdown.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/gm)].map((m) => ({ name: m[1]!, defaultCell: m[2]!.trim() }))
}

const rows = documentedVariables(page)
const documented = rows.map((r) => r.name)

describe('docs/configuration.md', () => {
  test('lists every variable loadConfig accepts', () => {
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40)
    expect(CONFIG_VARIABLES.filter((name) => !documented.includes(name))).toEqual([])
  })

  test('lists only variables loadConfig accepts, each once', () => {
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([])
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([])
  })

  test('states the defaults loadConfig applies', () => {
    const defaults = loadConfig({}) as Record<string, unknown>
    const wrong: string[] = []
    for (const { name, defaultCell } of rows) {
      const literal = /^`([^`]*)`/.exec(defaultCell)?.[1]
      const actual = defaults[name]
      if (literal !== undefined) {
        if (String(actual) !== literal) wrong.push(`${name}: page says ${literal}, loadConfig gives ${JSON.stringify(actual)}`)
      } else if (/^unset\b/.test(defaultCell)) {
        if (actual !== undefined) wrong.push(`${name}: page says unset, loadConfig gives ${JSON.stringify(actual)}`)
      } else if (/^empty\b/.test(defaultCell)) {
        if (actual !== '' && JSON.stringify(actual) !== '{}') wrong.push(`${name}: page says empty, loadConfig gives ${JSON.stringify(actual)}`)
      }
    }
    expect(wrong).toEqual([])
    // Most defaults are literals, so the comparison above is not vacuous.
    expect(rows.filter((r) => r.defaultCell.startsWith('`')).length).toBeGreaterThan(40)
  })

  test('documents the variables read outside loadConfig', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) return sources(path)
        return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : []
      })
    const read = new Set<string>()
    for (const file of sources(join(root, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:process|Bun)\.env\.([A-Z][A-Z0-9_]*)/g)) read.add(m[1]!)
    }
    expect([...read].filter((name) => !page.includes(`\`${name}\``))).toEqual([])
  })
})
