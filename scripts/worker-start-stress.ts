/**
 * `bun scripts/worker-start-stress.ts`: a bounded stress of engine worker processes starting, for
 * the day one is lost while starting again (CI once saw a sherpa worker exit with code 0 before it
 * was ready, and no run here reproduced it).
 *
 *   bun scripts/worker-start-stress.ts -- [--rounds 40] [--per-round 6] [--worker sherpa|scripted]
 *
 * Each round starts --per-round workers at once through the pool's own link (worker-link.ts), the
 * way every engine's warmup does, and waits until each is ready or lost. Meanwhile this process
 * spawns and reaps short children (ps, true, espeak-ng, ffmpeg, sh) as the test suite does, and two
 * busy loops keep both cores busy. Every worker process is preloaded with worker-exit-trace.ts, which
 * writes how it ends (process.exit and its caller, its event loop emptying, a signal, its exit code);
 * the trace of each worker that never became ready is printed. Exits 1 when a worker was lost.
 *
 * Bun without pidfd_open (gVisor, kernels before 5.6, a seccomp profile that refuses it) watches
 * children from a waiter thread instead; to take that path here:
 *   strace -f --seccomp-bpf -e trace=pidfd_open -e inject=pidfd_open:error=ENOSYS -o /dev/null bun scripts/worker-start-stress.ts
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openWorker } from '../src/tts/worker-link.ts'
import { planSherpaModel } from '../src/tts/engines/sherpa/model-plan.ts'
import { sherpaEngineSchema } from '../src/tts/engines/sherpa/sherpa-settings.ts'
import { writePiperVoice } from '../test/support/sherpa-models/piper-voice.ts'
import { useRunTempDir } from '../test/support/run-temp-dir.ts'

const TRACE = 'TTS_EDGE_WORKER_EXIT_TRACE'

// Bun.spawn gives a child the environment this process started with: the worker processes see
// the preload only when this script runs with it in its own environment, so it starts itself so.
if (!process.env[TRACE]) {
  const removeRunDir = useRunTempDir('stress')
  const traceDir = join(process.env.TMPDIR!, 'worker-exit-trace')
  mkdirSync(traceDir)
  const preload = `--preload ${join(import.meta.dir, 'worker-exit-trace.ts')}`
  const run = Bun.spawn([process.execPath, import.meta.path, ...process.argv.slice(2)], {
    env: { ...process.env, [TRACE]: traceDir, BUN_OPTIONS: `${process.env.BUN_OPTIONS ?? ''} ${preload}`.trim() },
    stdio: ['inherit', 'inherit', 'inherit'],
  })
  const code = await run.exited
  removeRunDir()
  process.exit(code)
}

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    'per-round': { type: 'string', default: '6' },
    worker: { type: 'string', default: 'sherpa' },
  },
})
const rounds = Math.min(1000, Math.max(1, Number(args.rounds) || 40))
const perRound = Math.min(32, Math.max(1, Number(args['per-round']) || 6))
if (args.worker !== 'sherpa' && args.worker !== 'scripted') throw new Error('--worker is sherpa or scripted')

const traceDir = process.env[TRACE]!
const voice = await writePiperVoice(join(process.env.TMPDIR!, 'piper'), { name: 'en_US-test-tiny' })
const plan = planSherpaModel({ ...sherpaEngineSchema.parse({ kind: 'sherpa', model: voice.model }), name: 'neural' })
const [url, init] =
  args.worker === 'sherpa'
    ? [new URL('../src/tts/engines/sherpa/sherpa.worker.ts', import.meta.url), { config: plan.config }]
    : [new URL('../test/support/scripted.worker.ts', import.meta.url), undefined]

// Both cores busy, and short children spawned and reaped all the while (as the suite does).
const busy = [0, 1].map(() => Bun.spawn(['sh', '-c', 'while :; do :; done'], { stdio: ['ignore', 'ignore', 'ignore'] }))
const commands = [['ps', '-o', 'pid=', '--ppid', String(process.pid)], ['true'], ['espeak-ng', '--version'], ['ffmpeg', '-hide_banner', '-version'], ['sh', '-c', 'exit 0']]
let reaping = true
let reaped = 0
async function reapShortChildren(): Promise<void> {
  while (reaping) {
    const command = commands[reaped % commands.length]!
    if (reaped % 3 === 0) Bun.spawnSync(command, { stdout: 'pipe', stderr: 'pipe' })
    else await Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' }).exited
    reaped++
  }
}
const reapers = [reapShortChildren(), reapShortChildren()]

let started = 0
let ready = 0
const losses: string[] = []
/** Starts one worker; resolves when it is ready (then kills it) or lost. */
function start(): Promise<void> {
  started++
  const { promise, resolve } = Promise.withResolvers<void>()
  const link = openWorker(
    'process',
    url,
    {
      message(msg) {
        if (msg.type !== 'ready' && msg.type !== 'init-error') return
        if (msg.type === 'ready') ready++
        else losses.push(`setup failed: ${msg.name}: ${msg.message}`)
        link.terminate()
        resolve()
      },
      failed(reason) {
        losses.push(reason)
        resolve()
      },
    },
    { init, nice: 0 },
  )
  return promise
}

const t0 = performance.now()
for (let round = 1; round <= rounds; round++) {
  await Promise.all(Array.from({ length: perRound }, start))
  if (round % 10 === 0) console.log(`round ${round}: ${started} starts, ${ready} ready, ${losses.length} lost`)
}
reaping = false
await Promise.all(reapers)
for (const loop of busy) loop.kill('SIGKILL')

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
console.log(
  `${args.worker} workers: ${started} starts, ${ready} ready, ${losses.length} lost; ${reaped} short children; ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s, load ${load}`,
)
for (const loss of losses) console.log(`lost: ${loss}`)
for (const pid of readdirSync(traceDir)) {
  const trace = readFileSync(join(traceDir, pid), 'utf8')
  if (!trace.includes('sent ready')) console.log(`worker process ${pid} never became ready:\n${trace}`)
}
process.exit(losses.length > 0 ? 1 : 0)
