/**
 * A worker process that ends, with code 0, while its script loads: before `serveJobs` runs and
 * says hello, as a process the runtime loses before the worker's own code starts.
 */
import { serveJobs } from '../../src/tts/worker-host.ts'

process.exit(0)

serveJobs(() => () => {})
