import { describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const ROOT = join(import.meta.dir, '..')

/** Runs `bun test` on one file in this checkout (its bunfig.toml preload) with TMPDIR at `tmp`. */
async function bunTest(file: string, tmp: string): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([process.execPath, 'test', file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: tmp },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, output: out + err }
}

describe('scratch directories of a test run', () => {
  test('a test run removes every directory its tests made under the temp dir', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tts-temp-root-'))
    const fixtures = mkdtempSync(join(tmpdir(), 'tts-temp-fixture-'))
    const file = join(fixtures, 'makes-dirs.test.ts')
    writeFileSync(
      file,
      `import { test, expect } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
test('makes a scratch dir and leaves it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'left-behind-'))
  writeFileSync(join(dir, 'audio.bin'), new Uint8Array(1024))
  expect(dir.startsWith(${JSON.stringify(tmp)})).toBe(true)
})
`,
    )
    const run = await bunTest(file, tmp)
    expect(run.output).toContain('1 pass')
    expect(run.code).toBe(0)
    expect(readdirSync(tmp)).toEqual([])
  })

  test('a run killed before it could clean up is swept by the next run', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tts-temp-root-'))
    // Process ids are below 2^22 on Linux: this one belongs to nobody.
    const abandoned = join(tmp, 'tts-edge-test-run-99999999-abcdef')
    mkdirSync(join(abandoned, 'cache'), { recursive: true })
    const file = join(mkdtempSync(join(tmpdir(), 'tts-temp-fixture-')), 'passes.test.ts')
    writeFileSync(file, `import { test, expect } from 'bun:test'\ntest('passes', () => expect(1).toBe(1))\n`)
    const run = await bunTest(file, tmp)
    expect(run.code).toBe(0)
    expect(readdirSync(tmp)).toEqual([])
  })

  test('a one-off bench driver importing bench/service.ts gets one run directory, reused if it made one, removed at exit', async () => {
    for (const madeOwn of [false, true]) {
      const tmp = mkdtempSync(join(tmpdir(), 'tts-temp-root-'))
      const file = join(mkdtempSync(join(tmpdir(), 'tts-temp-fixture-')), 'driver.ts')
      writeFileSync(
        file,
        `import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useRunTempDir } from ${JSON.stringify(join(ROOT, 'test/support/run-temp-dir.ts'))}
if (${madeOwn}) process.once('exit', useRunTempDir('bench'))
await import(${JSON.stringify(join(ROOT, 'bench/service.ts'))})
console.log(mkdtempSync(join(tmpdir(), 'cache-')))
`,
      )
      const proc = Bun.spawn([process.execPath, file], { env: { PATH: process.env.PATH ?? '', TMPDIR: tmp }, stdout: 'pipe', stderr: 'pipe' })
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
      expect({ code, err }).toEqual({ code: 0, err: '' })
      // One level: the run directory directly under TMPDIR, not one run directory inside another.
      expect(dirname(dirname(out.trim()))).toBe(tmp)
      expect(dirname(out.trim())).toStartWith(join(tmp, `tts-edge-bench-run-${proc.pid}-`))
      expect(readdirSync(tmp)).toEqual([])
    }
  })
})
