import { describe, expect, test } from 'bun:test'
import { EngineBusyError, EngineUnavailableError } from '../tts/engine.ts'
import { UpstreamsDownError } from '../tts/engines/router/engines-down-error.ts'
import { QueueFullError } from '../tts/stream-session.ts'
import { BufferOverflowError } from '../tts/text-buffer.ts'
import { protocolErrorOf } from './protocol-error-of.ts'
import { ProtocolError } from './stream-context.ts'

describe('protocolErrorOf', () => {
  test("a protocol's own error reaches the client as it is", () => {
    const own = new ProtocolError('invalid_message', 'text: required')
    expect(protocolErrorOf(own)).toBe(own)
  })

  test('too much text is the client\'s doing: 1008 with the reason', () => {
    for (const err of [new QueueFullError('more than 64 pieces'), new BufferOverflowError('too long')]) {
      expect(protocolErrorOf(err)).toMatchObject({ code: 'too_much_text', closeCode: 1008, message: err.message })
    }
  })

  test('a busy or unreachable engine says "try again later" (1013); a failed one or anything else is 1011', () => {
    expect(protocolErrorOf(new EngineBusyError(8, 8))).toMatchObject({ code: 'server_busy', closeCode: 1013 })
    // Every upstream down is an unavailable engine too, but one worth retrying soon.
    const down = new UpstreamsDownError([new Error('connection refused')])
    expect(protocolErrorOf(down)).toMatchObject({ code: 'engine_unavailable', closeCode: 1013, message: down.message })
    expect(protocolErrorOf(new EngineUnavailableError('crashed'))).toMatchObject({ code: 'engine_unavailable', closeCode: 1011 })
    expect(protocolErrorOf(new Error('secret internals'))).toMatchObject({ code: 'internal_error', closeCode: 1011, message: 'The session failed; please reconnect.' })
  })
})
