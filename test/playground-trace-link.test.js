import { describe, expect, test } from 'bun:test'
import { traceIdFrom, traceKeptFrom } from '../src/web/api.js'

describe('the playground reads traceresponse', () => {
  test('links a trace only when the sampled flag says the service kept it', () => {
    const id = '0af7651916cd43dd8448eb211c80319c'
    expect(traceIdFrom(`00-${id}-b7ad6b7169203331-01`)).toBe(id)
    expect(traceKeptFrom(`00-${id}-b7ad6b7169203331-01`)).toBe(true)
    expect(traceKeptFrom(`00-${id}-b7ad6b7169203331-00`)).toBe(false)
    expect(traceKeptFrom(null)).toBe(false)
  })
})
