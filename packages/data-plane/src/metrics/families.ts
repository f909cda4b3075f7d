/**
 * Metric names, help texts, label names and buckets. The nginx_ingress_controller_* families are
 * copied from ingress-nginx (internal/ingress/metric/collectors/socket.go and controller.go, and
 * docs/user-guide/monitoring.md) so its Grafana dashboards and Prometheus alerts keep working:
 * do not "fix" a help text (request_duration_seconds says milliseconds there, too) or a label.
 */

/** PrometheusNamespace in ingress-nginx. */
export const INGRESS_NGINX_PREFIX = 'nginx_ingress_controller';

/** ConstLabels of every socket collector and controller family (NewSocketCollector, NewController). */
export const CONTROLLER_LABELS = ['controller_namespace', 'controller_class', 'controller_pod'] as const;

/**
 * socket.go requestTags, plus `host` because --metrics-per-host defaults to true. `canary` is
 * always '' here: portcullis has no canary backends yet, but dashboards group by it.
 */
export const REQUEST_LABELS = [
  ...CONTROLLER_LABELS,
  'status',
  'method',
  'path',
  'namespace',
  'ingress',
  'service',
  'canary',
  'host',
] as const;

/** controller.go sslLabelHost: `namespace` and `class` are the controller's, not the Secret's. */
export const SSL_EXPIRE_LABELS = ['namespace', 'class', 'host', 'secret_name'] as const;

/** controller.go sslInfoLabels: here `namespace` is the Secret's namespace. */
export const SSL_INFO_LABELS = [
  'namespace',
  'class',
  'host',
  'secret_name',
  'identifier',
  'issuer_organization',
  'issuer_common_name',
  'serial_number',
  'public_key_algorithm',
] as const;

/** Defaults of ingress-nginx's --time-buckets (prometheus.DefBuckets). */
export const TIME_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Defaults of --length-buckets (LinearBuckets(10, 10, 10)), used by request_size and response_size. */
export const LENGTH_BUCKETS: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/** Table builds take milliseconds for small clusters and seconds for thousands of Ingresses. */
export const BUILD_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export const HELP = {
  requests: 'The total number of client requests',
  requestDuration: 'The request processing time in milliseconds',
  responseDuration: 'The time spent on receiving the response from the upstream server',
  headerDuration: 'The time spent on receiving first header from the upstream server',
  connectDuration: 'The time spent on establishing a connection with the upstream server',
  requestSize: 'The request length (including request line, header, and request body)',
  responseSize: 'The response length (including request line, header, and request body)',
  configHash: 'Running configuration hash actually running',
  configSuccess: 'Whether the last configuration reload attempt was successful',
  configSuccessTime: 'Timestamp of the last successful configuration reload.',
  reloads: 'Cumulative number of Ingress controller reload operations',
  reloadErrors: 'Cumulative number of Ingress controller errors during reload operations',
  sslExpire:
    'Number of seconds since 1970 to the SSL Certificate expire.\n\t\t\tAn example to check if this certificate will expire in 10 days is: "nginx_ingress_controller_ssl_expire_time_seconds < (time() + (10 * 24 * 3600))"',
  sslInfo: 'Hold all labels associated to a certificate',
  handshakes: 'TLS handshakes on the HTTPS listener by negotiated protocol and cipher, and result',
  passthroughConnections: 'SSL passthrough connections by passthrough host and result',
  passthroughBytes: 'Bytes relayed by SSL passthrough: in = from clients, out = to clients',
  tableBuild: 'Time spent building a routing table from a snapshot',
  diagnostics: 'Diagnostics of the latest routing table build, by code and severity',
  tableGeneration: 'Generation number of the routing table in use (increments on every swap)',
} as const;
