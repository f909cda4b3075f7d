/**
 * A setting the TLS layer could not apply as written, with what it did instead. The caller
 * (composition) logs these once per generation; the key names the ConfigMap key or annotation.
 */
export interface TlsWarning {
  readonly key: string;
  readonly message: string;
}
