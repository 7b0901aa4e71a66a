/**
 * What a streaming session must not cut through when it releases text for synthesis:
 * markup tags (whole, or unfinished at the end of what has arrived), entity references, and
 * markdown links `[text](url)`. The mask is the text with those constructs replaced by
 * underscores (same length, no spaces, no punctuation), so the sentence splitter finds no
 * sentence end and no word break inside them and holds back only an unfinished one.
 */

// Not a letter, digit, space or punctuation the splitter reads (a letter would hide "Dr." after a tag).
const FILL = '_'
const LINK_TEXT_MAX = 300

/**
 * @example
 * maskConstructs('Hi. <break time="1.5s"/> Go. <bre', { tags: true })
 * // 'Hi. ____________________ Go. ____'
 */
export function maskConstructs(text: string, options: { tags: boolean }): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    let end = -1
    if (options.tags && ch === '<' && /[A-Za-z/!?]/.test(text[i + 1] ?? 'x')) {
      const close = text.indexOf('>', i)
      end = close === -1 ? text.length : close + 1
    } else if (options.tags && ch === '&') {
      const m = /^&[#\w]{0,12}(;|$)/.exec(text.slice(i, i + 14))
      if (m) end = i + m[0].length
    } else if (ch === '[') {
      end = linkEnd(text, i)
    }
    if (end > i) {
      out += FILL.repeat(end - i)
      i = end
    } else {
      out += ch
      i++
    }
  }
  return out
}

// The destination the markdown cleaner takes (no spaces, balanced parentheses, an optional
// "title"), whole, or cut short by the end of what has arrived.
const DESTINATION = /\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)/y
const DESTINATION_ARRIVING = /\((?:[^()\s]|\([^()\s]*\))*(?:\([^()\s]*|\s+(?:"[^"\n]*)?)?$/y

/** End of a markdown link starting at `[` (or the text's end when it is still arriving), -1 when it is no link. */
function linkEnd(text: string, at: number): number {
  const close = text.indexOf(']', at)
  if (close === -1) return text.length - at <= LINK_TEXT_MAX ? text.length : -1
  if (close - at > LINK_TEXT_MAX) return -1
  if (close === text.length - 1) return text.length // "](" may still come
  if (text[close + 1] !== '(') return -1
  // A "(" whose destination a space has already ended, with no title or ")" after it, is
  // text: it must not hold back every sentence after it.
  DESTINATION.lastIndex = close + 1
  if (DESTINATION.test(text)) return DESTINATION.lastIndex
  DESTINATION_ARRIVING.lastIndex = close + 1
  return DESTINATION_ARRIVING.test(text) ? text.length : -1
}
