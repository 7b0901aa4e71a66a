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

/** End of a markdown link starting at `[` (or the text's end when it is still arriving), -1 when it is no link. */
function linkEnd(text: string, at: number): number {
  const close = text.indexOf(']', at)
  if (close === -1) return text.length - at <= LINK_TEXT_MAX ? text.length : -1
  if (close - at > LINK_TEXT_MAX) return -1
  if (close === text.length - 1) return text.length // "](" may still come
  if (text[close + 1] !== '(') return -1
  const paren = text.indexOf(')', close)
  return paren === -1 ? text.length : paren + 1
}
