/**
 * One temporary directory per test, bench or soak run, removed when the run ends.
 *
 * Tests and benches make their scratch directories with `mkdtemp` under `os.tmpdir()` (a
 * hundred-odd places). Pointing `TMPDIR` at the run's own directory means none of them
 * outlives the run, however a test ends, without each place cleaning up after itself.
 * Before, every bench run left about 500 MB of cache directories in /tmp and every test run
 * a few hundred MB, until the disk filled. A run killed before it could clean up (SIGKILL,
 * a CI timeout) is swept by the next run: the directory's name carries its process id.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

const NAME = /^(tts-edge-(?:test|bench|soak|stress)-run)-(\d+)-/

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but is not ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes run directories whose process is gone (runs of other checkouts may be going on). */
function sweepAbandoned(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = Number(NAME.exec(name)?.[2])
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(root, name), { recursive: true, force: true })
  }
}

/**
 * Makes the run's directory and points `TMPDIR` at it; the caller removes it at the run's
 * end (`bun test` fires no process `exit` event: its preload uses `afterAll`).
 *
 * @example
 * const remove = useRunTempDir('test') // mkdtemp(tmpdir()) now lands in /tmp/tts-edge-test-run-<pid>-XXXXXX/
 * afterAll(remove)
 */
export function useRunTempDir(kind: 'test' | 'bench' | 'soak' | 'stress'): () => void {
  const root = tmpdir()
  // Already inside this process's own run directory (bench/index.ts, then bench/service.ts): nothing to add.
  if (Number(NAME.exec(basename(root))?.[2]) === process.pid) return () => {}
  sweepAbandoned(root)
  const dir = mkdtempSync(join(root, `tts-edge-${kind}-run-${process.pid}-`))
  // Read at each call by os.tmpdir(), and inherited by the tools and runs a test spawns with process.env.
  process.env.TMPDIR = dir
  return () => {
    process.env.TMPDIR = root
    rmSync(dir, { recursive: true, force: true })
  }
}
