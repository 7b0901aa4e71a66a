import { describe, expect, test } from 'bun:test'
import { identityText } from '../markup/source-map.ts'
import { stripEmoji } from './emoji.ts'
import { MarkdownCleaner } from './markdown.ts'

const clean = (text: string) => new MarkdownCleaner().clean(identityText(text)).text

describe('MarkdownCleaner', () => {
  test('emphasis, strong and strikethrough markers go, the words stay', () => {
    expect(clean('**Hello** _world_!')).toBe('Hello world!')
    expect(clean('***very*** __much__ ~~not~~ *so*.')).toBe('very much not so.')
  })

  test('an asterisk between spaces and an underscore inside a word are text', () => {
    expect(clean('2 * 3 = 6 and snake_case_name')).toBe('2 * 3 = 6 and snake_case_name')
  })

  test('headings and list items become sentences', () => {
    expect(clean('## Shopping list\n- eggs\n- **milk**\n1. bread!\n> quoted')).toBe('Shopping list.\neggs.\nmilk.\nbread!\nquoted')
  })

  test('links and images become their text, autolinks their address, inline code loses its ticks', () => {
    expect(clean('See [the docs](https://example.com/docs "Docs") or ![a cat](cat.png) at <https://x.io>, run `npm test`.')).toBe(
      'See the docs or a cat at https://x.io, run npm test.',
    )
  })

  test('code fences go, the code inside is left as written', () => {
    expect(clean('Run:\n```bash\nnpm  *install*\n```\nDone.')).toBe('Run:\n\nnpm  *install*\n\nDone.')
  })

  test('a fence left open in one piece of a stream is still open in the next', () => {
    const cleaner = new MarkdownCleaner()
    expect(cleaner.clean(identityText('Here:\n```py\nx = **2**')).text).toBe('Here:\n\nx = **2**')
    expect(cleaner.clean(identityText('y = 3\n```\nThat is **it**.')).text).toBe('y = 3\n\nThat is it.')
  })

  test('tables are read row by row', () => {
    expect(clean('| Name | Age |\n|---|---|\n| Ann | 5 |')).toBe(' Name , Age .\n\n Ann , 5 .')
  })

  test('what remains maps back onto the characters the client sent', () => {
    const source = '**Hello** _world_!'
    const out = new MarkdownCleaner().clean(identityText(source))
    const w = out.text.indexOf('world')
    expect(source.slice(out.toSource(w).start, out.toSource(w + 4).end)).toBe('world')
  })
})

describe('stripEmoji', () => {
  test('emoji, skin tones, flags and families are not read; symbols and keycap digits are', () => {
    expect(stripEmoji(identityText('Great 👍🏽 job 🇫🇷 👨‍👩‍👧 ❤️ © ™ 1️⃣')).text).toBe('Great  job    © ™ 1')
  })
})
