/**
 * `npm test` starts with scripts/ensure-system-packages.sh (package.json "pretest"): with every
 * program present it does nothing; where it cannot install (not root) it stops at once and
 * names the one command to run. Run here with a PATH holding only what the case needs.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SCRIPT = join(import.meta.dir, '..', 'scripts', 'ensure-system-packages.sh')
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A bin directory with the real bash and grep, plus small stand-ins for `id` and `apt-get`. */
function binDir(uid: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tts-pretest-'))
  dirs.push(dir)
  for (const tool of ['bash', 'grep']) symlinkSync(Bun.which(tool)!, join(dir, tool))
  writeFileSync(join(dir, 'id'), `#!${Bun.which('bash')}\necho ${uid}\n`, { mode: 0o755 })
  writeFileSync(join(dir, 'apt-get'), `#!${Bun.which('bash')}\necho "apt-get must not run" >&2\nexit 99\n`, { mode: 0o755 })
  return dir
}

describe('npm test checks system packages first', () => {
  test('passes at once when every program is installed (this machine)', () => {
    const run = Bun.spawnSync(['bash', SCRIPT], { env: { PATH: process.env.PATH ?? '' } })
    expect(run.exitCode).toBe(0)
  })

  test('without root it stops with the one apt-get command that installs what is missing', () => {
    const run = Bun.spawnSync([Bun.which('bash')!, SCRIPT], { env: { PATH: binDir(1000) } })
    const stderr = run.stderr.toString()
    expect(run.exitCode).toBe(1)
    expect(stderr).toContain("sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends ffmpeg sox espeak-ng redis-server prometheus haproxy")
    expect(stderr).not.toContain('apt-get must not run')
  })
})
