import { describe, expect, test } from 'bun:test'
import { CorruptRecordError, decodeRecord, encodeRecord, encodeRecordParts } from './record-codec.ts'

const value = { body: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), contentType: 'audio/wav', meta: { durationS: 0.5, alignment: '{"chars":[]}' } }

function reasonOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof CorruptRecordError) return err.reason
    throw err
  }
  return 'accepted'
}

describe('record codec', () => {
  test('round trip', () => {
    const decoded = decodeRecord('k', encodeRecord('k', value))
    expect(decoded.contentType).toBe('audio/wav')
    expect(decoded.meta).toEqual(value.meta)
    expect(Array.from(decoded.body)).toEqual(Array.from(value.body))
  })

  test('a record in parts is the same bytes, its body the caller\'s own buffer', () => {
    const { head, body } = encodeRecordParts('k', value)
    expect(body).toBe(value.body)
    const joined = new Uint8Array(head.length + body.length)
    joined.set(head)
    joined.set(body, head.length)
    expect(Array.from(joined)).toEqual(Array.from(encodeRecord('k', value)))
    expect(decodeRecord('k', joined).meta).toEqual(value.meta)
  })

  test('every single-byte flip is detected', () => {
    const record = encodeRecord('k', value)
    for (let i = 0; i < record.length; i++) {
      const copy = record.slice()
      copy[i]! ^= 0x80
      expect(reasonOf(() => decodeRecord('k', copy))).not.toBe('accepted')
    }
  })

  test('truncation and trailing bytes are detected', () => {
    const record = encodeRecord('k', value)
    expect(reasonOf(() => decodeRecord('k', record.subarray(0, record.length - 1)))).toStartWith('length')
    expect(reasonOf(() => decodeRecord('k', record.subarray(0, 10)))).toBe('shorter than the fixed prefix')
    const longer = new Uint8Array(record.length + 1)
    longer.set(record)
    expect(reasonOf(() => decodeRecord('k', longer))).toStartWith('length')
  })

  test('a record stored for another key is rejected', () => {
    expect(reasonOf(() => decodeRecord('other', encodeRecord('k', value)))).toBe('record belongs to another key')
  })

  test('an empty body is valid', () => {
    expect(decodeRecord('k', encodeRecord('k', { ...value, body: new Uint8Array() })).body.length).toBe(0)
  })
})
