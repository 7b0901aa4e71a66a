/**
 * Just enough Markdown reading for the docs tests: GitHub's heading anchors, the links a
 * page makes, and the code blocks marked runnable (docs/contributing.md, "Docs that are
 * tested"). Fenced code is skipped for anchors and links, as GitHub renders it verbatim.
 */
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/** A line-numbered view of a file that skips fenced code blocks. */
function* proseLines(markdown: string): Generator<{ text: string; line: number }> {
  let fence: string | undefined
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!
    const marker = /^\s*(```+|~~~+)/.exec(text)?.[1]
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker
      continue
    }
    if (!fence) yield { text, line: i + 1 }
  }
}

/**
 * The anchors GitHub gives a page's headings (lower-cased, punctuation dropped, spaces as
 * `-`, repeats numbered `-1`, `-2`), plus explicit `<a name|id="...">` anchors.
 *
 * @example
 * headingAnchors('## Drain (SIGTERM)\n') // Set { 'drain-sigterm' }
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)
    if (heading) {
      const plain = heading[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/`/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      const base = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
      const n = seen.get(base) ?? 0
      seen.set(base, n + 1)
      anchors.add(n === 0 ? base : `${base}-${n}`)
    }
    for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!)
  }
  return anchors
}

export interface Link {
  target: string
  line: number
}

/**
 * Every link target in prose: inline `[text](target "title")`, images, reference
 * definitions `[name]: target` and `<a href>`; inline code is not a link.
 */
export function markdownLinks(markdown: string): Link[] {
  const links: Link[] = []
  for (const { text, line } of proseLines(markdown)) {
    const prose = text.replace(/`[^`]*`/g, '``')
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: m[1]!, line })
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose)
    if (definition) links.push({ target: definition[1]!, line })
    for (const m of prose.matchAll(/<a\s[^>]*href="([^"]+)"/g)) links.push({ target: m[1]!, line })
  }
  return links
}

export interface RunnableBlock {
  lang: 'sh' | 'ts'
  code: string
  /** Line of the opening fence, for failure messages. */
  line: number
  /** Texts the block's standard output must contain, from `<!-- runnable stdout="..." stdout='...' -->`. */
  stdout: string[]
}

const MARKER = /^\s*<!--\s*runnable((?:\s+stdout=(?:"[^"]*"|'[^']*'))*)\s*-->\s*$/

/**
 * The fenced `sh`/`bash`/`ts` blocks that follow a `<!-- runnable -->` line. A marker not
 * followed by such a block throws: a marker that selects nothing would hide an example.
 */
export function runnableBlocks(markdown: string): RunnableBlock[] {
  const lines = markdown.split('\n')
  const blocks: RunnableBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]!)
    if (!marker) continue
    const open = /^```(sh|bash|shell|ts|typescript)\s*$/.exec(lines[i + 1] ?? '')
    if (!open) throw new Error(`line ${i + 1}: <!-- runnable --> must be followed by a \`\`\`sh or \`\`\`ts block`)
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l))
    if (end < 0) throw new Error(`line ${i + 2}: the runnable block is never closed`)
    blocks.push({
      lang: open[1]!.startsWith('t') ? 'ts' : 'sh',
      code: lines.slice(i + 2, end).join('\n'),
      line: i + 2,
      stdout: [...marker[1]!.matchAll(/stdout=(?:"([^"]*)"|'([^']*)')/g)].map((m) => m[1] ?? m[2]!),
    })
    i = end
  }
  return blocks
}

/**
 * The fenced blocks of one language (e.g. `mermaid`), with the line of their opening fence.
 *
 * @example
 * fencedBlocks('```mermaid\nflowchart LR\n  a --> b\n```\n', 'mermaid') // [{ code: 'flowchart LR\n  a --> b', line: 1 }]
 */
export function fencedBlocks(markdown: string, lang: string): { code: string; line: number }[] {
  const lines = markdown.split('\n')
  const blocks: { code: string; line: number }[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```' + lang) continue
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```')
    if (end < 0) throw new Error(`line ${i + 1}: the ${lang} block is never closed`)
    blocks.push({ code: lines.slice(i + 1, end).join('\n'), line: i + 1 })
    i = end
  }
  return blocks
}

/** README.md and every Markdown file under docs/, as repository-relative paths. */
export function docFiles(root: string): string[] {
  const docs = join(root, 'docs')
  const under = readdirSync(docs, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.md') && statSync(join(docs, p)).isFile())
    .map((p) => relative(root, join(docs, p)))
  return ['README.md', ...under.sort()]
}
