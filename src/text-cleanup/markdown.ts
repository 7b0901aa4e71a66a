/**
 * Markdown an LLM writes, made speakable: the syntax goes, the words stay.
 * - emphasis, strong and strikethrough markers (`*`, `**`, `_`, `__`, `~~`) where they open or
 *   close a span; a `*` between spaces ("2 * 3") or a `_` inside a word (snake_case) stays;
 * - headings, list markers and block quotes at the start of a line; a heading, list item or
 *   table row that ends without punctuation gets a full stop, so it is said as a sentence;
 * - links and images become their text (`[docs](https://…)` → "docs"), autolinks their URL;
 * - inline code loses its backticks; code fence lines (```` ```ts ````) go, the code inside
 *   stays as written (no inline clean-up inside it); horizontal rules and table rules go.
 *
 * The cleaner keeps one piece of state, whether a code fence is open, so a streaming session
 * cleans each released piece of text in turn and a fence spanning pieces still works.
 */
import { applyEdits, type Edit, type MappedText } from '../markup/source-map.ts'

const FENCE = /^\s{0,3}(```|~~~)/
const HEADING = /^(\s{0,3}#{1,6}\s+)(.*?)(\s+#+)?\s*$/
const RULE_LINE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/
const QUOTE = /^\s{0,3}(?:>\s?)+/
const LIST = /^(\s*(?:[-*+]|\d{1,3}[.)])\s+)(?=\S)/
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/
const TABLE_ROW = /^\s*\|.*\|\s*$/
const ENDS_CLAUSE = /[.!?:;,…。！？]["'”’)\]]*$/

const INLINE: ReadonlyArray<[RegExp, (m: RegExpExecArray) => Edit[]]> = [
  // ![alt](src "title") and [text](href "title"): keep alt / text.
  [/!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)/g, (m) => {
    const open = m[0].startsWith('!') ? 2 : 1
    const textEnd = m.index + open + m[1]!.length
    return [cut(m.index, m.index + open), cut(textEnd, m.index + m[0].length)]
  }],
  [/<(https?:\/\/[^>\s]+)>/g, (m) => [cut(m.index, m.index + 1), cut(m.index + m[0].length - 1, m.index + m[0].length)]],
  [/(`+)(?!`)([^\n]*?[^`\n])\1(?!`)/g, (m) => [cut(m.index, m.index + m[1]!.length), cut(m.index + m[0].length - m[1]!.length, m.index + m[0].length)]],
  [/(?<=^|[\s\p{P}\p{S}])(\*{1,3}|_{1,3}|~~)(?=[^\s*_~])/gu, (m) => [cut(m.index, m.index + m[0].length)]],
  [/(?<=[^\s*_~])(\*{1,3}|_{1,3}|~~)(?=$|[\s\p{P}\p{S}])/gu, (m) => [cut(m.index, m.index + m[0].length)]],
]

const cut = (start: number, end: number): Edit => ({ start, end, replacement: '' })

/**
 * @example
 * const cleaner = new MarkdownCleaner()
 * cleaner.clean(identityText('## Plan\n- **Buy** milk')).text // 'Plan.\nBuy milk.'
 */
export class MarkdownCleaner {
  #inFence = false

  /** A code fence is open (what follows is code until the closing fence). */
  get inFence(): boolean {
    return this.#inFence
  }

  clean(text: MappedText): MappedText {
    const source = text.text
    const edits: Edit[] = []
    let lineStart = 0
    while (lineStart <= source.length) {
      const newline = source.indexOf('\n', lineStart)
      const lineEnd = newline === -1 ? source.length : newline
      this.#line(source, lineStart, lineEnd, edits)
      if (newline === -1) break
      lineStart = newline + 1
    }
    return applyEdits(text, edits)
  }

  #line(source: string, start: number, end: number, edits: Edit[]): void {
    const line = source.slice(start, end)
    if (FENCE.test(line)) {
      this.#inFence = !this.#inFence
      edits.push(cut(start, end))
      return
    }
    if (this.#inFence) return
    if (RULE_LINE.test(line) || TABLE_RULE.test(line)) {
      edits.push(cut(start, end))
      return
    }
    let bodyStart = start
    let bodyEnd = end
    let sentence = false
    const heading = HEADING.exec(line)
    if (heading) {
      bodyStart = start + heading[1]!.length
      bodyEnd = bodyStart + heading[2]!.length
      edits.push(cut(start, bodyStart))
      if (bodyEnd < end) edits.push(cut(bodyEnd, end))
      sentence = true
    } else {
      const quote = QUOTE.exec(line)
      const afterQuote = quote ? quote[0].length : 0
      const list = LIST.exec(line.slice(afterQuote))
      const prefix = afterQuote + (list ? list[1]!.length : 0)
      if (prefix > 0) edits.push(cut(start, start + prefix))
      bodyStart = start + prefix
      sentence = Boolean(list)
      if (TABLE_ROW.test(line)) {
        this.#tableRow(source, start, end, edits)
        sentence = true
        bodyStart = end
      }
    }
    if (bodyStart < bodyEnd) this.#inline(source, bodyStart, bodyEnd, edits)
    const body = source.slice(bodyStart, bodyEnd).trimEnd()
    if (sentence && body && !ENDS_CLAUSE.test(stripClosers(body))) {
      edits.push({ start: bodyStart + body.length, end: bodyStart + body.length, replacement: '.' })
    } else if (sentence && bodyStart === end && !ENDS_CLAUSE.test(line.replace(/[|\s]+$/, ''))) {
      edits.push({ start: end, end, replacement: '.' })
    }
  }

  #tableRow(source: string, start: number, end: number, edits: Edit[]): void {
    const line = source.slice(start, end)
    const first = line.indexOf('|')
    const last = line.lastIndexOf('|')
    edits.push(cut(start, start + first + 1))
    for (let i = first + 1; i < last; i++) if (line[i] === '|') edits.push({ start: start + i, end: start + i + 1, replacement: ',' })
    edits.push(cut(start + last, end))
    this.#inline(source, start + first + 1, start + last, edits)
  }

  #inline(source: string, start: number, end: number, edits: Edit[]): void {
    const body = source.slice(start, end)
    for (const [pattern, toEdits] of INLINE) {
      pattern.lastIndex = 0
      for (const m of body.matchAll(pattern)) {
        for (const e of toEdits(m as RegExpExecArray)) edits.push({ start: e.start + start, end: e.end + start, replacement: e.replacement })
      }
    }
  }
}

// Emphasis markers after the last word ("**Done**") do not hide its punctuation.
const stripClosers = (s: string) => s.replace(/[*_~`]+$/, '')
