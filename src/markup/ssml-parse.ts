/**
 * SSML (the subset docs/api.md lists) into the internal form, parsed by saxes.
 *
 * Why saxes: it is a strict XML 1.0 parser (well-formedness errors, not guesses, with line
 * and column), it never expands entities beyond XML's five and character references (a
 * DTD is reported, never processed: no billion laughs, no external entities), it is
 * small, pure JavaScript and carried by jsdom's millions of users. Its position counter is
 * what lets every error name where it is and every text piece keep its map.
 *
 * Hostile input: the text is already bounded by the route's character limit; on top of it a
 * DOCTYPE is refused outright, nesting is limited to {@link MAX_DEPTH}, attributes to
 * {@link MAX_ATTRIBUTE_CHARS} each and {@link MAX_ATTRIBUTES} per element, and the pauses of
 * one text to {@link MAX_TOTAL_BREAK_MS} in all.
 *
 * Elements outside the subset (`<voice>`, `<mark>`, `<audio>`, vendor extensions) are not
 * an error: their tags are dropped, their text is spoken, and the element is reported in
 * `ignored` (`ssml:voice`), which the routes put in X-TTS-Ignored.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { markupErrorAt } from './markup-error.ts'
import { MappedTextBuilder, type MappedText } from './source-map.ts'
import type { SpeechDoc, SpeechPart, Style } from './speech-doc.ts'
import { MAX_TOTAL_BREAK_MS, readBreak, readEmphasis, readLang, readPhoneme, readProsody, readSayAs, readSub } from './ssml-attributes.ts'

export const MAX_DEPTH = 32
export const MAX_ATTRIBUTES = 16
export const MAX_ATTRIBUTE_CHARS = 2000

const STRUCTURE = new Set(['speak', 'p', 's', 'prosody', 'emphasis', 'lang'])
const TEXT_ONLY = new Set(['phoneme', 'sub', 'say-as'])

export interface SsmlParseOptions {
  /**
   * The text is a fragment with inline tags (ElevenLabs' `Hello <break time="1s"/> there`):
   * it is parsed as if wrapped in `<speak>`, and a bare `&` or a `<` that starts no tag
   * (`x < 5`) counts as text, not markup.
   */
  fragment?: boolean
}

/**
 * @example
 * const doc = parseSsml('<speak>Hello <break time="1s"/> world</speak>')
 * doc.parts.map((p) => p.type) // ['text', 'break', 'text']
 * parseSsml('Say <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme>.', { fragment: true })
 */
export function parseSsml(source: string, options: SsmlParseOptions = {}): SpeechDoc {
  const prepared = new MappedTextBuilder()
  if (options.fragment) {
    prepared.insert('<speak>')
    copyFragment(prepared, source)
    prepared.insert('</speak>')
  } else {
    prepared.copy(source, 0)
  }
  return parsePrepared(source, prepared.build())
}

// An `&` that starts no entity reference, and a `<` that starts no tag ("x < 5", "I <3 it").
const BARE = /&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)|<(?![A-Za-z_/!?])/g

/** Copies text with inline tags (a fragment) into `prepared`, its bare `&` and `<` escaped as the text they are. */
export function copyFragment(prepared: MappedTextBuilder, source: string): void {
  let last = 0
  for (const m of source.matchAll(BARE)) {
    prepared.copy(source.slice(last, m.index), last)
    prepared.replace(m[0] === '&' ? '&amp;' : '&lt;', { start: m.index, end: m.index + 1 })
    last = m.index + 1
  }
  prepared.copy(source.slice(last), last)
}

interface Frame {
  name: string
  style: Style
  /** Inside `<phoneme>`, `<sub>`, `<say-as>`: their text, kept apart. */
  collect?: MappedTextBuilder
  attrs: Record<string, string>
  /** Where the start tag began (prepared offsets). */
  at: number
}

/**
 * Parses `prepared` (the XML, mapped to `source`): the streaming parser wraps a piece of a
 * session's text in the tags still open from earlier pieces this way.
 */
export function parsePrepared(source: string, prepared: MappedText): SpeechDoc {
  const xml = prepared.text
  const parts: SpeechPart[] = []
  const ignored = new Set<string>()
  const stack: Frame[] = []
  const fail = (at: number, reason: string): never => {
    throw markupErrorAt(source, prepared.toSource(Math.min(at, xml.length - 1)).start, reason)
  }
  const parser = new SaxesParser({ position: true, xmlns: false })
  let cursor = 0 // prepared offset just past the last markup seen
  let tagStart = 0
  let pausedMs = 0

  const addText = (raw: string) => {
    const text = decode(prepared, cursor, raw, fail)
    cursor = text.end
    const top = stack.at(-1)
    if (top?.name === 'break' && raw.trim()) fail(cursor - raw.length, '<break> must be empty')
    if (top?.collect) top.collect.copyMapped(text.mapped)
    else if (stack.length === 0) {
      if (raw.trim()) fail(text.end - raw.length, 'text outside the root element')
    } else parts.push({ type: 'text', text: text.mapped, style: top?.style ?? {} })
  }

  parser.on('error', (err) => fail(parser.position - 1, err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '')))
  parser.on('doctype', () => fail(xml.indexOf('<!DOCTYPE'), 'DOCTYPE declarations are not allowed (no DTD, no entity definitions)'))
  parser.on('text', addText)
  parser.on('cdata', (data) => {
    const start = xml.indexOf('<![CDATA[', cursor) + 9
    const top = stack.at(-1)
    const text = new MappedTextBuilder().copyMapped(prepared, start, start + data.length).build()
    if (top?.collect) top.collect.copyMapped(text)
    else if (top) parts.push({ type: 'text', text, style: top.style })
    cursor = parser.position
  })
  for (const skipped of ['comment', 'processinginstruction', 'xmldecl'] as const) parser.on(skipped, () => void (cursor = parser.position))
  parser.on('opentagstart', () => void (tagStart = xml.lastIndexOf('<', parser.position - 1)))
  parser.on('opentag', (tag: SaxesTagPlain) => {
    cursor = parser.position
    const attrs = tag.attributes as Record<string, string>
    const names = Object.keys(attrs)
    if (names.length > MAX_ATTRIBUTES) fail(tagStart, `<${tag.name}> has more than ${MAX_ATTRIBUTES} attributes`)
    for (const name of names) if (attrs[name]!.length > MAX_ATTRIBUTE_CHARS) fail(tagStart, `attribute ${name} of <${tag.name}> is longer than ${MAX_ATTRIBUTE_CHARS} characters`)
    if (stack.length >= MAX_DEPTH) fail(tagStart, `elements nested deeper than ${MAX_DEPTH}`)
    const parent = stack.at(-1)
    if (!parent && tag.name !== 'speak') fail(tagStart, `the root element must be <speak>, not <${tag.name}>`)
    if (parent && tag.name === 'speak') fail(tagStart, '<speak> inside <speak>')
    if (parent?.collect) fail(tagStart, `<${parent.name}> may contain only text, not <${tag.name}>`)
    const style = styleFor(tag.name, attrs, parent?.style ?? {}, (reason) => fail(tagStart, reason))
    const frame: Frame = { name: tag.name, style, attrs, at: tagStart }
    if (TEXT_ONLY.has(tag.name)) frame.collect = new MappedTextBuilder()
    if (tag.name === 'break') {
      const ms = readBreak(attrs)
      if (!ms.ok) fail(tagStart, ms.reason)
      else {
        pausedMs += ms.value
        if (pausedMs > MAX_TOTAL_BREAK_MS) fail(tagStart, `pauses add up to more than ${MAX_TOTAL_BREAK_MS / 1000}s in one text`)
        parts.push({ type: 'break', ms: ms.value, source: prepared.spanToSource(tagStart, parser.position) })
      }
    } else if (tag.name === 'p' || tag.name === 's') {
      boundary(parts, tag.name, prepared.spanToSource(tagStart, tagStart))
    } else if (!STRUCTURE.has(tag.name) && !TEXT_ONLY.has(tag.name)) {
      ignored.add(`ssml:${tag.name}`)
    }
    stack.push(frame)
  })
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const frame = stack.pop()!
    const end = parser.position
    cursor = end
    closeFrame(frame, tag.name, parts, (reason) => fail(frame.at, reason), prepared.spanToSource(end, end))
  })

  parser.write(xml).close()
  if (stack.length > 0) fail(xml.length, `<${stack.at(-1)!.name}> is not closed`)
  return { source, parts, ignored: [...ignored] }
}

function styleFor(name: string, attrs: Record<string, string>, inherited: Style, fail: (reason: string) => never): Style {
  let style = inherited
  const lang = readLang(attrs['xml:lang'])
  if (!lang.ok) fail(lang.reason)
  if (lang.ok && lang.value) style = { ...style, lang: lang.value }
  if (name === 'lang' && !lang.ok) fail('<lang> needs xml:lang')
  if (name === 'lang' && lang.ok && !lang.value) fail('<lang> needs xml:lang')
  if (name === 'prosody') {
    const prosody = readProsody(attrs)
    if (!prosody.ok) fail(prosody.reason)
    else style = { ...style, prosody: { ...style.prosody, ...prosody.value } }
  }
  if (name === 'emphasis') {
    const level = readEmphasis(attrs)
    if (!level.ok) fail(level.reason)
    else style = { ...style, emphasis: level.value }
  }
  return style
}

function closeFrame(frame: Frame, name: string, parts: SpeechPart[], fail: (reason: string) => never, end: { start: number; end: number }): void {
  const text = frame.collect?.build()
  if (name === 'p' || name === 's') boundary(parts, name, end)
  if (!text) return
  if (name === 'phoneme') {
    const phoneme = readPhoneme(frame.attrs)
    if (!phoneme.ok) fail(phoneme.reason)
    else if (text.text.trim()) parts.push({ type: 'phoneme', text, ...phoneme.value, style: frame.style })
  } else if (name === 'sub') {
    const alias = readSub(frame.attrs)
    if (!alias.ok) fail(alias.reason)
    else {
      const span = text.spanToSource(0, text.text.length)
      parts.push({ type: 'text', text: new MappedTextBuilder().replace(alias.value, span).build(), style: frame.style })
    }
  } else if (name === 'say-as') {
    const sayAs = readSayAs(frame.attrs)
    if (!sayAs.ok) fail(sayAs.reason)
    else parts.push({ type: 'text', text, style: frame.style, sayAs: sayAs.value })
  }
}

function boundary(parts: SpeechPart[], name: string, source: { start: number; end: number }): void {
  const last = parts.at(-1)
  if (!last || last.type === 'boundary') return
  parts.push({ type: 'boundary', level: name === 'p' ? 'paragraph' : 'sentence', source })
}

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9A-Fa-f]+));/y
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * Maps the text saxes decoded back onto the raw XML after `from`: entity and character
 * references and XML's line-end normalisation make the two differ in length.
 */
function decode(prepared: MappedText, from: number, decoded: string, fail: (at: number, reason: string) => never): { mapped: MappedText; end: number } {
  const xml = prepared.text
  const out = new MappedTextBuilder()
  let i = from
  let plainFrom = from
  const flushPlain = () => {
    out.copyMapped(prepared, plainFrom, i)
  }
  while (out.length + (i - plainFrom) < decoded.length) {
    if (i >= xml.length) fail(from, 'text could not be mapped to the input')
    const ch = xml[i]
    if (ch === '&') {
      ENTITY.lastIndex = i
      const m = ENTITY.exec(xml)
      if (!m) fail(i, 'unknown entity')
      flushPlain()
      const value = m![1] ? NAMED[m![1]]! : String.fromCodePoint(Number.parseInt(m![2] ?? m![3]!, m![2] ? 10 : 16))
      out.replaceMapped(value, prepared, i, i + m![0].length)
      i += m![0].length
      plainFrom = i
    } else if (ch === '\r') {
      flushPlain()
      const len = xml[i + 1] === '\n' ? 2 : 1
      out.replaceMapped('\n', prepared, i, i + len)
      i += len
      plainFrom = i
    } else {
      i++
    }
  }
  flushPlain()
  return { mapped: out.build(), end: i }
}
