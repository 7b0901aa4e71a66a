/** For tests: a real engine that counts how many syntheses it was asked for. */
import type { Engine } from '../../src/tts/engine.ts'

/**
 * @example
 * const counted = countingEngine(engine)
 * await speech.speak(request) // ...
 * expect(counted.calls).toBe(1)
 */
export function countingEngine(inner: Engine): Engine & { calls: number } {
  const counted = Object.create(inner) as Engine & { calls: number }
  counted.calls = 0
  counted.synthesize = (...args) => {
    counted.calls++
    return inner.synthesize(...args)
  }
  return counted
}
