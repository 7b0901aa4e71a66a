import { afterEach, describe, expect, test } from 'bun:test'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from '../../test/support/wait.ts'
import { batchedLines, type BatchedLines, type BatchedLinesOptions } from './batched-lines.ts'

const opened: { fd: number; dir: string }[] = []
const streams: BatchedLines[] = []

function stream(options: BatchedLinesOptions): BatchedLines {
  const out = batchedLines(options)
  streams.push(out)
  return out
}

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'batched-lines-'))
  const path = join(dir, 'out.log')
  const fd = openSync(path, 'w')
  opened.push({ fd, dir })
  return { fd, read: () => readFileSync(path, 'utf8') }
}

const flushed = (out: { flush(done: (err?: Error) => void): void }) => new Promise<void>((resolve) => out.flush(() => resolve()))
const ended = (out: BatchedLines) => new Promise<void>((resolve) => out.end(() => resolve()))

afterEach(async () => {
  // Each stream is ended before its file closes. One closed with lines waiting wrote them at its
  // next tick to whatever had the descriptor number by then: in the whole suite, a minute later,
  // an engine worker's IPC channel, which closed on the garbage (the worker exited 0, not ready).
  await Promise.all(streams.splice(0).map(ended))
  for (const { fd, dir } of opened.splice(0)) {
    closeSync(fd)
    rmSync(dir, { recursive: true, force: true })
  }
})

describe('batchedLines', () => {
  test('every line reaches the file, in order and whole, once flushed', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 100, flushMs: 60_000 })
    const lines = Array.from({ length: 500 }, (_, i) => `{"n":${i},"msg":"caf\u00e9 ${'x'.repeat(i % 37)}"}\n`)
    for (const line of lines) out.write(line)
    await flushed(out)
    expect(file.read()).toBe(lines.join(''))
  })

  test('a line longer than a whole batch, among short ones and across many batches, arrives whole and in order', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 100, flushMs: 60_000 })
    const lines: string[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) lines.push(`{"round":${round},"n":${i},"msg":"\u00e9\u6f22 ${'y'.repeat(i % 53)}"}\n`)
      lines.push(`{"long":"${'\u00fc'.repeat(20_000)}"}\n`)
      for (const line of lines.slice(-301)) out.write(line)
      await flushed(out)
    }
    expect(file.read()).toBe(lines.join(''))
  })

  test('holds lines until a batch is full, then writes without being asked', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 1000, flushMs: 60_000 })
    out.write('first\n')
    expect(file.read()).toBe('')
    const lines = ['first\n', ...Array.from({ length: 200 }, (_, i) => `line ${i}\n`)]
    for (const line of lines.slice(1)) out.write(line)
    await waitUntil(() => file.read().startsWith('first\nline 0\n'), 5000, 'the full batch written')
    // The rest is under a batch and waits for the next tick, a minute away: end writes it now.
    expect(file.read()).not.toBe(lines.join(''))
    await ended(out)
    expect(file.read()).toBe(lines.join(''))
  })

  test('writes what waits at least every flushMs, with no further line to trigger it', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 1 << 20, flushMs: 20 })
    out.write('lonely line\n')
    await waitUntil(() => file.read() === 'lonely line\n', 5000, 'the periodic write')
  })

  test('drops and counts lines past the pending limit instead of hoarding them', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 1 << 20, flushMs: 60_000, maxPendingChars: 50 })
    for (let i = 0; i < 10; i++) out.write(`line number ${i}\n`) // 15 characters each: 3 fit
    expect(out.dropped).toBe(7)
    await flushed(out)
    expect(file.read()).toBe('line number 0\nline number 1\nline number 2\n')
  })

  test('end writes what waits, then stops: a later line is dropped and counted, never written', async () => {
    const file = tempFile()
    const out = stream({ fd: file.fd, batchChars: 1 << 20, flushMs: 60_000 })
    out.write('last line\n')
    await ended(out)
    expect(file.read()).toBe('last line\n')
    out.write('too late\n')
    await flushed(out)
    expect(file.read()).toBe('last line\n')
    expect(out.dropped).toBe(1)
  })

  test('a flush with nothing waiting calls back at once', () => {
    const out = stream({ fd: tempFile().fd })
    let called = false
    out.flush(() => {
      called = true
    })
    expect(called).toBe(true)
  })

  test('a write error (a closed descriptor) loses that batch, not the process, and flush still answers', async () => {
    const file = tempFile()
    const out = stream({ fd: 987_654, batchChars: 1 << 20, flushMs: 60_000 })
    out.write('nowhere to go\n')
    const err = await new Promise<Error | undefined>((resolve) => out.flush(resolve))
    expect(err).toBeInstanceOf(Error)
    expect(file.read()).toBe('')
  })
})
