import pkg from '../package.json' with { type: 'json' }

/** The service version, from package.json, reported on telemetry and /healthz. */
export const version: string = pkg.version
