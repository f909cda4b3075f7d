/**
 * Kubernetes mode's source: informers on the API server (in-cluster config, or --kubeconfig).
 * The first tick comes once every informer has synced; while the API server is unreachable the
 * informers retry with backoff and the last table keeps serving.
 */
import { createKubeSource, type KubeSource, kubeConfig } from '@portcullis/kube-source';
import type { ControllerOptions } from '../flags.ts';
import type { Logger } from '../log.ts';
import type { Source, SourceTick } from './standalone.ts';

/** How long the first sync may take before start-up fails (ingress-nginx waits similarly). */
const syncTimeoutMs = Number(process.env.PORTCULLIS_SYNC_TIMEOUT_MS ?? 120_000);

export interface KubernetesSource extends Source {
  readonly informers: KubeSource;
  readonly config: ReturnType<typeof kubeConfig>;
}

export function kubernetesSource(options: ControllerOptions, logger: Logger): KubernetesSource {
  const config = kubeConfig(options.kubeconfig === null ? {} : { kubeconfig: options.kubeconfig });
  let onTick: ((tick: SourceTick) => void) | null = null;
  const informers = createKubeSource({
    kubeConfig: config,
    ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
    ...(options.configMap ? { configMap: options.configMap } : {}),
    ...(options.defaultSslCertificate ? { defaultSslCertificate: options.defaultSslCertificate } : {}),
    log: logger.child({ component: 'kube-source' }),
    onTick: () => onTick?.(informers.snapshot()),
  });
  return {
    informers,
    config,
    async load() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Kubernetes API: informers did not sync within ${syncTimeoutMs / 1000} s`)),
          syncTimeoutMs,
        );
      });
      try {
        await Promise.race([informers.start(), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return informers.snapshot();
    },
    watch(listener) {
      onTick = listener;
    },
    close() {
      informers.stop();
    },
  };
}
