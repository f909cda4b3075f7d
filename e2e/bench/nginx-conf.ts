/**
 * nginx.conf files for the bench: the proxy under comparison (what ingress-nginx's nginx.tmpl
 * renders for one TLS Ingress with the default ConfigMap, minus Lua) and the shared backend.
 *
 * Fairness choices, mirrored on the portcullis side:
 * - access_log off: portcullis writes no per-request access log, so nginx does not either.
 * - TLS: the same ECDSA P-256 certificate, TLS 1.2 + 1.3, ingress-nginx's default ssl-ciphers,
 *   shared session cache 10m, tickets off (ingress-nginx ssl-session-tickets: false).
 * - Proxy: HTTP/1.1 upstream keep-alive (upstream-keepalive-connections 320), proxy_buffering
 *   off, and the request headers ingress-nginx sets (X-Request-ID, X-Forwarded-*, X-Real-IP).
 * - HSTS on, as ingress-nginx's hsts: true default (portcullis adds it too).
 * - Passthrough: nginx's stream ssl_preread on its own port. ingress-nginx itself runs a Go TCP
 *   proxy for this; the issue asks for the stream module as the yardstick.
 */
import { defaultSettings } from '@portcullis/config-model';
import { STREAM_MODULE } from './env.ts';

export interface ProxyConfInput {
  readonly dir: string;
  readonly httpsPort: number;
  readonly passthroughPort: number;
  readonly backendPort: number;
  readonly tlsBackendPort: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly host: string;
  readonly passthroughHost: string;
}

/** Process-level lines every instance needs to run unprivileged-path-free from a temp dir. */
function common(dir: string): string {
  return `daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; multi_accept on; }
`;
}

function httpCommon(dir: string): string {
  return `  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  server_tokens off;
`;
}

export function proxyConf(input: ProxyConfInput): string {
  const tls = defaultSettings.tls;
  return `load_module ${STREAM_MODULE};
${common(input.dir)}
http {
${httpCommon(input.dir)}
  keepalive_timeout 75s;
  keepalive_requests 1000;
  http2_max_concurrent_streams 128;
  ssl_protocols ${tls.protocols.join(' ')};
  ssl_ciphers '${tls.ciphers}';
  ssl_prefer_server_ciphers on;
  ssl_ecdh_curve ${tls.ecdhCurve};
  ssl_session_cache shared:SSL:10m;
  ssl_session_timeout ${tls.sessionTimeout}s;
  ssl_session_tickets ${tls.sessionTickets ? 'on' : 'off'};
  ssl_buffer_size 4k;

  upstream bench_backend {
    server 127.0.0.1:${input.backendPort};
    keepalive 320;
    keepalive_requests 10000;
    keepalive_timeout 60s;
  }

  server {
    listen 127.0.0.1:${input.httpsPort} ssl http2 default_server;
    server_name ${input.host};
    ssl_certificate ${input.certFile};
    ssl_certificate_key ${input.keyFile};
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;

    location / {
      proxy_pass http://bench_backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Scheme $scheme;
      proxy_set_header X-Scheme $scheme;
      proxy_buffering off;
      proxy_connect_timeout 5s;
    }
  }
}

stream {
  map $ssl_preread_server_name $bench_passthrough {
    ${input.passthroughHost} 127.0.0.1:${input.tlsBackendPort};
    default 127.0.0.1:${input.httpsPort};
  }
  server {
    listen 127.0.0.1:${input.passthroughPort};
    ssl_preread on;
    proxy_pass $bench_passthrough;
    proxy_connect_timeout 5s;
  }
}
`;
}

export interface BackendConfInput {
  readonly dir: string;
  readonly port: number;
  readonly tlsPort: number;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * The shared backend: nginx answering "ok" from memory, plain HTTP/1.1 for the terminating
 * scenarios and TLS for passthrough. nginx rather than a node server so the backend takes as
 * little as possible of core 1, which it shares with the load generator.
 */
export function backendConf(input: BackendConfInput): string {
  return `${common(input.dir)}
http {
${httpCommon(input.dir)}
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_tickets off;
  server {
    listen 127.0.0.1:${input.port} default_server;
    listen 127.0.0.1:${input.tlsPort} ssl;
    ssl_certificate ${input.certFile};
    ssl_certificate_key ${input.keyFile};
    default_type text/plain;
    location / { return 200 "ok\\n"; }
  }
}
`;
}
