/**
 * What each pinned image of compose.yaml holds, written down per image and version with the
 * source that says so, so a test can check every healthcheck runs something that exists
 * (a distroless image has no shell, wget or busybox: a healthcheck naming one never passes,
 * and whatever waits on `service_healthy` never starts).
 *
 * Update the entry with its source whenever compose.yaml changes a tag.
 */
export interface ImageFacts {
  /** Absolute paths of executables in the image. */
  files: readonly string[]
  /** Executables found on the image's PATH by bare name. */
  onPath: readonly string[]
  /** A shell exists, so CMD-SHELL healthchecks can run. */
  shell: boolean
  /** Why we believe the above. */
  source: string
  /** The published release that confirms the tag (also cited in compose.yaml's header). */
  release: string
}

const BUSYBOX_APPLETS = ['sh', 'wget', 'chown', 'ls', 'cat']

export const IMAGE_FACTS: Readonly<Record<string, ImageFacts>> = {
  'otel/opentelemetry-collector-contrib:0.157.0': {
    files: ['/otelcol-contrib'],
    onPath: [],
    shell: false,
    source: 'opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile: FROM scratch, the binary and certificates only',
    release: 'open-telemetry/opentelemetry-helm-charts#2328 (2026-07-25): "upgrades default collector image to 0.157.0"',
  },
  'grafana/tempo:2.10.4': {
    files: ['/tempo'],
    onPath: [],
    shell: false,
    source: 'Tempo 2.9 release notes (grafana/tempo#7675): busybox removed from the image; no health command yet (grafana/tempo#6536, open)',
    release: 'grafana/tempo#6949 "Cut changelog for 2.10.4"',
  },
  'grafana/loki:3.7.4': {
    files: ['/usr/bin/loki'],
    onPath: ['loki'],
    shell: false,
    source: 'grafana/loki#20149: base image distroless since 3.6.0, busybox removed; grafana/loki#20313 (cmd/loki/health.go, 3.7.0): `loki -health` GETs http://localhost:3100/ready, exit 0 on 200',
    release: 'saidsef/grafana-loki-on-k8s#259 (2026-07-28): "bump Loki image from 3.7.2 to 3.7.4"',
  },
  'prom/prometheus:v3.14.0': {
    files: ['/bin/prometheus', '/bin/promtool', ...BUSYBOX_APPLETS.map((a) => `/bin/${a}`)],
    onPath: ['prometheus', 'promtool', ...BUSYBOX_APPLETS],
    shell: true,
    source: 'prometheus/prometheus Dockerfile: FROM quay.io/prometheus/busybox, binaries in /bin',
    release: 'prometheus/prometheus release v3.14.0 / 2026-08-17 (fabio-garavini/hassio-addons#872)',
  },
  'grafana/grafana:13.2.0': {
    files: ['/usr/share/grafana/bin/grafana', '/bin/sh', '/usr/bin/wget'],
    onPath: ['grafana', ...BUSYBOX_APPLETS],
    shell: true,
    source: 'the default grafana/grafana tags are Alpine-based (13.0.3 changelog: "Docker: Bump Alpine-based images to 3.24.1", grafana#126548): busybox sh and wget',
    release: 'grafana/grafana CHANGELOG 13.2.0 (2026-08-18), AndreiGavriliu/homelab#7187',
  },
  'busybox:1.37.0': {
    files: BUSYBOX_APPLETS.map((a) => `/bin/${a}`),
    onPath: BUSYBOX_APPLETS,
    shell: true,
    source: 'Docker official image busybox: applets in /bin',
    release: 'docker-library/official-images library/busybox 1.37.0',
  },
  // Built from ./Dockerfile on oven/bun:1.4.5-slim: bun is on PATH, no curl or wget (Dockerfile header).
  'tts-edge:0.1.0': {
    files: ['/usr/local/bin/bun'],
    onPath: ['bun'],
    shell: true,
    source: 'Dockerfile: FROM oven/bun:1.4.5-slim (Debian slim: sh and bun, no curl/wget)',
    release: 'built locally from ./Dockerfile',
  },
}
