/** ControllerOptions (flags) -> the BuildOptions config-model's build() takes. */
import type { BuildOptions } from '@portcullis/config-model';
import type { ControllerOptions } from './flags.ts';

export function toBuildOptions(
  options: ControllerOptions,
  fakeCertificate: BuildOptions['fakeCertificate'],
  now: Date,
): BuildOptions {
  return {
    ingressClass: options.ingressClass,
    controllerClass: options.controllerClass,
    watchIngressWithoutClass: options.watchIngressWithoutClass,
    defaultSslCertificate: options.defaultSslCertificate,
    enableSslPassthrough: options.enableSslPassthrough,
    configMap: options.configMap,
    fakeCertificate,
    now,
  };
}
