/**
 * Links that cannot rot silently: every relative link and #anchor in README.md and docs/
 * resolves to a file inside the repository and a heading in it; so does every link into
 * this repository's GitHub pages (the alert rules' runbook_url, anything in grafana/ or
 * deploy/), and every `docs/<topic>.md` that a comment or config file names. Nothing in the
 * repository points outside it (docs/contributing.md, "Docs that are tested").
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { docFiles, headingAnchors, markdownLinks } from './support/markdown.ts'

const root = resolve(import.meta.dir, '..')
const read = (path: string) => readFileSync(join(root, path), 'utf8')

// Where the repository is published: absolute links to it (Prometheus needs absolute
// runbook URLs) are checked like relative ones.
const PUBLISHED = /https:\/\/github\.com\/tts-edge\/tts-edge\/(?:blob|tree)\/main\/([^\s"'`)#>]*)(?:#([\w-]+))?/g

const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', '.data', 'test-output'])
const TEXT_FILE = /\.(md|ts|js|json|ya?ml|toml|sh|html|css|txt)$|^(Dockerfile|run)$/

/** Every text file of the repository, repository-relative. */
function repoFiles(dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (SKIP_DIRS.has(name)) return []
    if (statSync(path).isDirectory()) return repoFiles(path)
    return TEXT_FILE.test(name) ? [relative(root, path)] : []
  })
}

const anchorsOf = new Map<string, Set<string>>()
function anchors(path: string): Set<string> {
  if (!anchorsOf.has(path)) anchorsOf.set(path, headingAnchors(read(path)))
  return anchorsOf.get(path)!
}

/** Why `target`, linked from `from`, does not resolve; undefined when it does. */
function brokenLink(from: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined // http:, mailto:, ... (published links: below)
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined]
  const path = decodeURIComponent(rawPath)
  const file = path === '' ? from : relative(root, resolve(root, dirname(from), path))
  if (file.startsWith('..') || file.split(sep)[0] === '..') return `${target} points outside the repository`
  if (!existsSync(join(root, file))) return `${target}: no file ${file}`
  if (anchor !== undefined) {
    if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not Markdown`
    if (!anchors(file).has(anchor)) return `${target}: ${file} has no heading with anchor #${anchor}`
  }
  return undefined
}

describe('docs links', () => {
  const files = docFiles(root)

  test('README.md and the docs/ topics exist', () => {
    for (const topic of ['architecture', 'api', 'configuration', 'observability', 'gateway', 'operations', 'runbooks', 'performance']) {
      expect(files, `docs/${topic}.md`).toContain(join('docs', `${topic}.md`))
    }
  })

  test('README.md links every docs/ file and stays readable in five minutes (under 12 KB)', () => {
    const readme = read('README.md')
    for (const file of files.filter((f) => f !== 'README.md')) expect(readme, `README.md links ${file}`).toContain(`](${file})`)
    expect(Buffer.byteLength(readme)).toBeLessThan(12 * 1024)
  })

  test('every relative link and anchor in README.md and docs/ resolves inside the repository', () => {
    const broken: string[] = []
    let checked = 0
    for (const file of files) {
      for (const { target, line } of markdownLinks(read(file))) {
        checked++
        const why = brokenLink(file, target)
        if (why) broken.push(`${file}:${line}: ${why}`)
      }
    }
    expect(broken).toEqual([])
    expect(checked).toBeGreaterThan(50)
  })

  test('every repository path README.md and docs/ name in code spans exists', () => {
    const top = 'src|test|bench|scripts|examples|deploy|grafana|prometheus|otel|tempo|loki|docs|\\.ci'
    const path = new RegExp(`\`((?:${top})/[\\w./-]*)\``, 'g')
    const missing: string[] = []
    let checked = 0
    for (const file of files) {
      for (const m of read(file).matchAll(path)) {
        checked++
        // A glob or placeholder names no one file; without an extension or a trailing slash it
        // may be something else with a slash in its name (a Helm chart: `grafana/loki`).
        if (/[*<>{}]/.test(m[1]!) || !/(\.\w+|\/)$/.test(m[1]!)) continue
        if (!existsSync(join(root, m[1]!))) missing.push(`${file}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
    expect(checked).toBeGreaterThan(30)
  })

  test('relative links in the other Markdown files of the repository resolve too', () => {
    const broken: string[] = []
    for (const file of repoFiles().filter((f) => f.endsWith('.md') && !files.includes(f))) {
      for (const { target, line } of markdownLinks(read(file))) {
        const why = brokenLink(file, target)
        if (why) broken.push(`${file}:${line}: ${why}`)
      }
    }
    expect(broken).toEqual([])
  })

  test("links to the repository's published pages (runbook_url, grafana/, deploy/) resolve to a file and heading", () => {
    const broken: string[] = []
    let checked = 0
    for (const file of repoFiles()) {
      for (const m of read(file).matchAll(PUBLISHED)) {
        checked++
        const why = brokenLink('README.md', m[1]! + (m[2] ? `#${m[2]}` : ''))
        if (why) broken.push(`${file}: ${m[0]}: ${why}`)
      }
    }
    expect(broken).toEqual([])
    expect(checked, 'the alert rules link their runbooks').toBeGreaterThan(0)
  })

  test('every alert rule links its section of docs/runbooks.md, which names the alert and its severity', () => {
    type Rule = { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
    const rules = (Bun.YAML.parse(read('prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups
      .flatMap((g) => g.rules)
      .filter((r) => r.alert)
    expect(rules.length).toBeGreaterThan(0)
    const runbooks = read('docs/runbooks.md')
    for (const rule of rules) {
      const url = rule.annotations?.runbook_url ?? ''
      expect(url, rule.alert).toMatch(/\/docs\/runbooks\.md#runbook-[a-z0-9-]+$/)
      const anchor = url.split('#')[1]!
      expect(anchors('docs/runbooks.md').has(anchor), `${rule.alert}: ${url}`).toBe(true)
      const section = runbooks.split(/\n(?=## )/).find((s) => headingAnchors(s.split('\n')[0]!).has(anchor))!
      expect(section, `${anchor} names ${rule.alert}`).toContain(`\`${rule.alert}\``)
      expect(section, `${anchor} gives the severity of ${rule.alert}`).toContain(`severity ${rule.labels?.severity}`)
    }
  })

  test('every docs/<topic>.md that a source comment or config file names exists', () => {
    const missing: string[] = []
    for (const file of repoFiles()) {
      for (const m of read(file).matchAll(/(?<![\w./-])docs\/([a-z0-9-]+\.md)/g)) {
        if (!existsSync(join(root, 'docs', m[1]!))) missing.push(`${file}: docs/${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  test('nothing in the repository points at a design document outside it', () => {
    // Built from parts so this file does not match itself.
    const outside = new RegExp(['shared', 'DESIGN'].join('/') + '|' + ['DESIGN', 'md'].join('\\.'))
    const found = repoFiles()
      .filter((file) => outside.test(read(file)))
      .map((file) => `${file}: cite the docs/ file that holds the contract instead`)
    expect(found).toEqual([])
  })
})
