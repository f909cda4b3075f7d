/*
 * How many TLS 1.3 session tickets OpenSSL sends after a full handshake (docs/adr/0007).
 *
 * OpenSSL sends two by default (SSL_CTX_set_num_tickets). With ssl-session-tickets off they
 * are stateful tickets that only a session cache keyed by the PSK identity could redeem, and
 * Node's cache hook sees the legacy session id instead (src/tls/sessions.ts): every one is
 * wasted work (a session copy, its DER encoding, a JavaScript 'newSession' call, a record to
 * the client). Node has no per-context setting for the count, but OpenSSL applies its
 * "system_default" SSL configuration to every SSL_CTX created afterwards, so this addon loads
 * one from memory: `NumTickets = N`. The listener's context is rebuilt right after (a TLS
 * session's count is copied from the listener's SSL_CTX when the connection starts).
 *
 * The OpenSSL functions are the node binary's own (it exports OpenSSL's API for addons). They
 * are declared here rather than included: their signatures are stable across OpenSSL 1.1-3.x,
 * and the headers installed next to a Node may belong to another OpenSSL.
 *
 * Call it on the main thread only: it replaces OpenSSL's global SSL configuration table, which
 * SSL_CTX_new reads, and Node creates contexts on the main thread.
 */
#include <node_api.h>
#include <stdio.h>

typedef struct bio_st BIO;
typedef struct conf_st CONF;
typedef struct conf_method_st CONF_METHOD;

extern BIO *BIO_new_mem_buf(const void *buf, int len);
extern int BIO_free(BIO *bio);
extern CONF *NCONF_new(CONF_METHOD *method);
extern void NCONF_free(CONF *conf);
extern int NCONF_load_bio(CONF *conf, BIO *bio, long *error_line);
extern int CONF_modules_load(const CONF *conf, const char *appname, unsigned long flags);
extern void OPENSSL_load_builtin_modules(void);
extern unsigned long ERR_get_error(void);
extern void ERR_error_string_n(unsigned long error, char *buf, size_t len);
extern void ERR_clear_error(void);

/* OpenSSL's ssl_conf module, which reads system_default, is registered by a config load; Node
 * loads none unless told to. Registering twice would list the modules twice, so once. */
static int modules_loaded = 0;

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* setTls13Tickets(count): contexts created from now on send `count` tickets (0-10). */
static napi_value js_set(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_uint32(env, argv[0], &count) != napi_ok || count > 10) {
    return throw_error(env, "setTls13Tickets: expected a ticket count from 0 to 10");
  }
  char text[256];
  snprintf(text, sizeof text,
           "portcullis_conf = portcullis_init\n"
           "[portcullis_init]\nssl_conf = portcullis_ssl\n"
           "[portcullis_ssl]\nsystem_default = portcullis_system\n"
           "[portcullis_system]\nNumTickets = %u\n",
           count);
  if (!modules_loaded) {
    OPENSSL_load_builtin_modules();
    modules_loaded = 1;
  }
  ERR_clear_error();
  BIO *bio = BIO_new_mem_buf(text, -1);
  CONF *conf = NCONF_new(NULL);
  long line = 0;
  int ok = bio != NULL && conf != NULL && NCONF_load_bio(conf, bio, &line) > 0 &&
           CONF_modules_load(conf, "portcullis_conf", 0) > 0;
  char reason[256] = "out of memory";
  if (!ok) {
    unsigned long error = ERR_get_error();
    if (error != 0) ERR_error_string_n(error, reason, sizeof reason);
  }
  ERR_clear_error();
  if (conf != NULL) NCONF_free(conf);
  if (bio != NULL) BIO_free(bio);
  if (!ok) {
    char message[320];
    snprintf(message, sizeof message, "OpenSSL refused NumTickets = %u: %s", count, reason);
    return throw_error(env, message);
  }
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"setTls13Tickets", NULL, js_set, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
