import { describe, expect, test } from 'bun:test'
import { maskConstructs } from './construct-mask.ts'

const masked = (text: string, tags = false) => maskConstructs(text, { tags })

describe('maskConstructs', () => {
  test('tags and entities are masked whole, and an unfinished one to the end', () => {
    expect(masked('Hi. <break time="1.5s"/> Go. <bre', true)).toBe(`Hi. ${'_'.repeat(20)} Go. ____`)
    expect(masked('Tom &amp; Jerry &am', true)).toBe('Tom _____ Jerry ___')
    expect(masked('Hi. <break time="1.5s"/>')).toBe('Hi. <break time="1.5s"/>')
  })

  test('a link is masked whole, titles and parentheses in its address included', () => {
    const link = '[the docs](https://a.io/x_(y) "Docs. Here")'
    expect(masked(`See ${link}. Next.`)).toBe(`See ${'_'.repeat(link.length)}. Next.`)
  })

  test('a link still arriving is masked to the end, whichever part has arrived', () => {
    for (const text of ['See [the do', 'See [the docs]', 'See [the docs](https://a.io/x.', 'See [the docs](https://a.io/x "Do']) {
      expect(masked(text)).toBe(`See ${'_'.repeat(text.length - 4)}`)
    }
  })

  test('brackets that cannot be a link any more are text: the sentences after them are not held back', () => {
    expect(masked('See [the docs](https://a.io/x. More text. ')).toBe('See [the docs](https://a.io/x. More text. ')
    expect(masked('Array [1, 2] then. More.')).toBe('Array [1, 2] then. More.')
    const long = `Open [${'word '.repeat(70)}`
    expect(masked(long)).toBe(long)
  })
})
