/**
 * What the pinned NVIDIA DCGM exporter (deploy/kubernetes/overlays/gpu-engines) exports, written
 * down with the source that says so, so test/kubernetes-gpu.test.ts can check the counters file,
 * the recording rules and the manifests against the release they run, with no GPU here.
 *
 * Update every entry, with its source, when the image tag changes.
 */
export const DCGM_EXPORTER = {
  image: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless',
  release:
    'NVIDIA/dcgm-exporter tag 4.5.3-4.8.2 ("DCGM-Exporter 4.5.3-4.8.2", #656): dcgm-exporter.yaml deploys this image, and deployment/values.yaml defaults image.tag to it',
  /** The listen port and its name in NVIDIA's DaemonSet, and the HTTP paths it serves. */
  port: 9400,
  paths: ['/metrics', '/health'],
  pathsSource: 'internal/pkg/server/server.go at 4.5.3-4.8.2: router.HandleFunc("/health", ...) and ("/metrics", ...)',
  /** Environment: the listen address, and the switch that adds pod labels. */
  env: { listen: 'DCGM_EXPORTER_LISTEN', kubernetes: 'DCGM_EXPORTER_KUBERNETES' },
  /** Where the kubelet's pod-resources socket is, which the Kubernetes mapping reads. */
  podResources: '/var/lib/kubelet/pod-resources',
  deploymentSource: 'dcgm-exporter.yaml at 4.5.3-4.8.2: DCGM_EXPORTER_LISTEN=":9400", DCGM_EXPORTER_KUBERNETES="true", hostPath /var/lib/kubelet/pod-resources mounted read-only, runAsUser 0',
  /**
   * DCGM field names the counters file may use, with their field ids: the name map GetFieldID
   * reads (internal/pkg/counters/counter_config.go ExtractCounters); a name not in it is refused
   * at start ("could not find DCGM field").
   */
  fields: {
    DCGM_FI_DEV_GPU_TEMP: { id: 150, unit: 'C' },
    DCGM_FI_DEV_POWER_USAGE: { id: 155, unit: 'W' },
    DCGM_FI_DEV_GPU_UTIL: { id: 203, unit: '%' },
    DCGM_FI_DEV_FB_TOTAL: { id: 250, unit: 'MiB' },
    DCGM_FI_DEV_FB_FREE: { id: 251, unit: 'MiB' },
    DCGM_FI_DEV_FB_USED: { id: 252, unit: 'MiB' },
    DCGM_FI_DEV_FB_RESERVED: { id: 253, unit: 'MiB' },
  },
  fieldsSource:
    'NVIDIA/go-dcgm ec245c09fe3e (dcgm-exporter 4.5.3-4.8.2 go.mod: github.com/NVIDIA/go-dcgm v0.0.0-20260422145128-ec245c09fe3e) pkg/dcgm/const_fields.go and dcgm_fields.h ("Total Frame Buffer of the GPU in MB", "Free Frame Buffer in MB", ...)',
  /** The image's default-counters.csv has no FB_TOTAL: the reason the overlay ships its own list. */
  defaultCountersLackTotal: true,
  defaultCountersSource: 'etc/default-counters.csv at 4.5.3-4.8.2: FB_FREE, FB_USED, FB_RESERVED only',
  /** Labels on every GPU series (Hostname becomes hostname in the next release, #655). */
  labels: ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname'],
  labelsSource: 'internal/pkg/rendermetrics/render_metrics.go gpuMetricsFormat at 4.5.3-4.8.2',
  /** Labels the Kubernetes mapping adds: the pod, namespace and container a GPU is assigned to. */
  podLabels: ['pod', 'namespace', 'container'],
  podLabelsSource:
    'internal/pkg/transformation/const.go at 4.5.3-4.8.2: podAttribute "pod", namespaceAttribute "namespace", containerAttribute "container" (pod_name, pod_namespace, container_name only with UseOldNamespace)',
} as const

export type DcgmField = keyof typeof DCGM_EXPORTER.fields
