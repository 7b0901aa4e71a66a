import { expect, test } from 'bun:test'
import { StitchingIds } from './stitching-ids.ts'

test('an engine is sent the ids it made and those nobody here handed out, never another engine\'s', () => {
  const ids = new StitchingIds()
  ids.record('gen-1', 'eleven')
  ids.record('req-2', 'local')
  expect(['gen-1', 'req-2', 'from-elsewhere'].filter((id) => ids.mayKnow(id, 'eleven'))).toEqual(['gen-1', 'from-elsewhere'])
  expect(ids.mayKnow('req-2', 'local')).toBe(true)
})

test('it remembers a bounded number of ids, forgetting the oldest first', () => {
  const ids = new StitchingIds(2)
  ids.record('a', 'x')
  ids.record('b', 'x')
  ids.record('a', 'x') // recent again
  ids.record('c', 'x')
  expect([ids.madeBy('a'), ids.madeBy('b'), ids.madeBy('c')]).toEqual(['x', undefined, 'x'])
})
