/*
 * The ClientHello parser for connections accepted in C (the SSL passthrough port): once per
 * connection, on the bytes read so far, it says whether C may route and splice the connection
 * itself (HELLO_FOUND with a usable name), must wait (HELLO_NEED_MORE), or must hand it to
 * JavaScript (HELLO_REJECT, or a name C cannot use), which parses again and reports.
 *
 * It is a port of the JavaScript parser, which stays the reference: src/passthrough/records.ts
 * (record framing, reassembly, the `needed` hint), client-hello.ts (the ClientHello body,
 * server_name, ALPN, supported_versions) and cursor.ts (bounds checks). Every answer must be the
 * one JavaScript gives for the same bytes: need-more with the same `needed`, not-tls and
 * malformed as HELLO_REJECT, hello as HELLO_FOUND with the same name. A HELLO_FOUND where
 * JavaScript says malformed would splice a connection the JavaScript path refuses, so every
 * check there has its twin here, in the same order. test/passthrough-native-hello.test.ts
 * compares the two on the JavaScript tests' corpora and on mutated hellos.
 *
 * Hot path: one pass, no allocation, no copy for a ClientHello in one record (nearly all of
 * them), and extensions other than server_name, ALPN and supported_versions are only skipped.
 * The scratch buffer and the duplicate-extension table are file-static, not per call: the parser
 * runs on the main thread only (the data plane's workers are node:cluster processes), and no
 * call depends on what an earlier one left there.
 */
#ifndef PORTCULLIS_CLIENT_HELLO_H
#define PORTCULLIS_CLIENT_HELLO_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum hello_kind { HELLO_NEED_MORE = 0, HELLO_FOUND = 1, HELLO_REJECT = 2 };

#define HELLO_MAX_NAME 255

struct hello_result {
  enum hello_kind kind;
  /* HELLO_NEED_MORE: no decision is possible before the buffer holds this many bytes (> len). */
  size_t needed;
  /* HELLO_FOUND: the client sent a host_name. */
  int has_server_name;
  /* HELLO_FOUND with a host_name: 1 when it is at most HELLO_MAX_NAME bytes and all ASCII
     (server_name then holds it normalized and NUL-terminated), else 0. */
  int name_usable;
  size_t server_name_len;
  char server_name[HELLO_MAX_NAME + 1];
};

/* records.ts */
#define HELLO_RECORD_HEADER 5
#define HELLO_HANDSHAKE_HEADER 4
#define HELLO_CONTENT_TYPE_HANDSHAKE 22
#define HELLO_HANDSHAKE_CLIENT_HELLO 1
/* RFC 8446 section 5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define HELLO_MAX_FRAGMENT (1 << 14)

/* client-hello.ts */
#define HELLO_EXT_SERVER_NAME 0
#define HELLO_EXT_ALPN 16
#define HELLO_EXT_SUPPORTED_VERSIONS 43
#define HELLO_NAME_TYPE_HOST_NAME 0

/* The longest body parseBody can accept: legacy_version (2), random (32), legacy_session_id
   (1 + at most 32), cipher_suites (2 + an even length, at most 65534), legacy_compression_methods
   (1 + 255), extensions (2 + 65535), then nothing (expectEnd). A longer body is malformed
   whatever it holds, so a scratch buffer of this size turns no hello away that JavaScript takes,
   whatever the cap on handshake bytes. */
#define HELLO_MAX_BODY (2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535)

/* A ClientHello fragmented over several records, concatenated (handshake header included). */
static unsigned char hello_scratch[HELLO_HANDSHAKE_HEADER + HELLO_MAX_BODY];

/* RFC 8446 section 4.2: no two extensions of one type. hello_seen[type] == hello_generation marks
   a type seen in this call; a new generation forgets the last call's in O(1), and the table is
   cleared only when the 16-bit generation wraps. A list of the types seen so far would cost a
   scan per extension, quadratic in a hostile hello of thousands of empty extensions. */
static uint16_t hello_seen[1 << 16];
static uint16_t hello_generation;

/* ---- cursor.ts: every length is checked against its container before anything is read ---- */

struct hello_cursor {
  const unsigned char *p;
  const unsigned char *end;
};

static size_t hello_left(const struct hello_cursor *c) { return (size_t)(c->end - c->p); }

static bool hello_u8(struct hello_cursor *c, size_t *value) {
  if (hello_left(c) < 1) return false;
  *value = c->p[0];
  c->p += 1;
  return true;
}

static bool hello_u16(struct hello_cursor *c, size_t *value) {
  if (hello_left(c) < 2) return false;
  *value = (size_t)c->p[0] << 8 | c->p[1];
  c->p += 2;
  return true;
}

/* Cursor.#vector: the next `length` bytes, at least `floor` of them, as a nested cursor. */
static bool hello_take(struct hello_cursor *c, size_t length, size_t floor,
                       struct hello_cursor *nested) {
  if (length < floor || length > hello_left(c)) return false;
  nested->p = c->p;
  nested->end = c->p + length;
  c->p += length;
  return true;
}

/* `opaque x<floor..2^8-1>` */
static bool hello_vector8(struct hello_cursor *c, size_t floor, struct hello_cursor *nested) {
  size_t length;
  return hello_u8(c, &length) && hello_take(c, length, floor, nested);
}

/* `opaque x<floor..2^16-1>` */
static bool hello_vector16(struct hello_cursor *c, size_t floor, struct hello_cursor *nested) {
  size_t length;
  return hello_u16(c, &length) && hello_take(c, length, floor, nested);
}

/* ---- client-hello.ts ---- */

/* normalizeHostName, which follows nginx's ngx_http_validate_host: no empty label, no path
   separator, NUL, control byte, space or DEL; one trailing dot stripped; ASCII lowercased. Other
   bytes are valid but leave the name unusable here (JavaScript reads them as latin1), as does a
   name longer than HELLO_MAX_NAME, which no Ingress host can match (RFC 1035 section 2.3.4). */
static bool hello_host_name(const unsigned char *name, size_t length, struct hello_result *out) {
  if (length == 0) return false;
  bool ascii = true;
  for (size_t i = 0; i < length; i++) {
    unsigned char byte = name[i];
    if (byte <= 0x20 || byte == 0x7f || byte == '/' || byte == '\\') return false;
    if (byte == '.' && (i == 0 || name[i - 1] == '.')) return false;
    if (byte >= 0x80) ascii = false;
    /* Lowercased while checking; one byte more than the longest usable name, for the dot. */
    if (i <= HELLO_MAX_NAME)
      out->server_name[i] = (char)(byte >= 'A' && byte <= 'Z' ? byte | 0x20 : byte);
  }
  size_t end = name[length - 1] == '.' ? length - 1 : length;
  out->has_server_name = 1;
  if (ascii && end <= HELLO_MAX_NAME) {
    out->name_usable = 1;
    out->server_name_len = end;
    out->server_name[end] = '\0';
  }
  return true;
}

/* parseServerName. RFC 6066 section 3: ServerNameList server_name_list<1..2^16-1>; at most one
   name per name_type. Unknown name types are skipped (every type defined so far is a 16-bit
   length-prefixed opaque), as Go's crypto/tls skips them. */
static bool hello_server_name(struct hello_cursor data, struct hello_result *out) {
  struct hello_cursor list, name;
  if (!hello_vector16(&data, 1, &list) || hello_left(&data) != 0) return false;
  bool found = false;
  while (hello_left(&list) > 0) {
    size_t name_type;
    if (!hello_u8(&list, &name_type) || !hello_vector16(&list, 0, &name)) return false;
    if (name_type != HELLO_NAME_TYPE_HOST_NAME) continue;
    if (found || !hello_host_name(name.p, hello_left(&name), out)) return false;
    found = true;
  }
  return true;
}

/* parseAlpn. RFC 7301 section 3.1: ProtocolName protocol_name_list<2..2^16-1>, and empty
   names MUST NOT appear. Only checked: the splice does not depend on ALPN. */
static bool hello_alpn(struct hello_cursor data) {
  struct hello_cursor list, name;
  if (!hello_vector16(&data, 2, &list) || hello_left(&data) != 0) return false;
  while (hello_left(&list) > 0) {
    if (!hello_vector8(&list, 1, &name)) return false;
  }
  return true;
}

/* parseVersions. RFC 8446 section 4.2.1: ProtocolVersion versions<2..254> in a ClientHello. */
static bool hello_versions(struct hello_cursor data) {
  struct hello_cursor list;
  return hello_vector8(&data, 2, &list) && hello_left(&data) == 0 && hello_left(&list) % 2 == 0;
}

/* parseBody: RFC 8446 section 4.1.2. Fills `out` for HELLO_FOUND and returns true, or returns
   false where JavaScript throws a DecodeError (malformed). */
static bool hello_body(struct hello_cursor c, struct hello_result *out) {
  struct hello_cursor skipped, extensions, data;
  if (!hello_take(&c, 2 + 32, 0, &skipped)) return false; /* legacy_version, random */
  if (!hello_vector8(&c, 0, &skipped) || hello_left(&skipped) > 32) return false; /* session id */
  if (!hello_vector16(&c, 2, &skipped) || hello_left(&skipped) % 2 != 0) return false; /* suites */
  if (!hello_vector8(&c, 1, &skipped)) return false; /* legacy_compression_methods */
  /* RFC 5246 section 7.4.1.2: a TLS 1.2 ClientHello may end here, without an extensions block. */
  if (hello_left(&c) == 0) return true;
  if (!hello_vector16(&c, 0, &extensions) || hello_left(&c) != 0) return false;
  if (++hello_generation == 0) {
    memset(hello_seen, 0, sizeof hello_seen);
    hello_generation = 1;
  }
  while (hello_left(&extensions) > 0) {
    size_t type, length;
    if (!hello_u16(&extensions, &type) || !hello_u16(&extensions, &length)) return false;
    if (hello_seen[type] == hello_generation) return false;
    hello_seen[type] = hello_generation;
    if (!hello_take(&extensions, length, 0, &data)) return false;
    if (type == HELLO_EXT_SERVER_NAME && !hello_server_name(data, out)) return false;
    if (type == HELLO_EXT_ALPN && !hello_alpn(data)) return false;
    if (type == HELLO_EXT_SUPPORTED_VERSIONS && !hello_versions(data)) return false;
  }
  return true;
}

/* ---- records.ts ---- */

static void hello_clear(struct hello_result *out) {
  out->kind = HELLO_REJECT;
  out->needed = 0;
  out->has_server_name = 0;
  out->name_usable = 0;
  out->server_name_len = 0;
  out->server_name[0] = '\0';
}

/* needMore: the hint is always past what the buffer holds. */
static void hello_need_more(struct hello_result *out, size_t len, size_t needed) {
  out->kind = HELLO_NEED_MORE;
  out->needed = needed > len ? needed : len + 1;
}

/* parseClientHello on the first `len` bytes a client sent: reassembleClientHello, then the body.
   max_handshake_bytes caps the ClientHello body (the 4-byte handshake header is not counted),
   as maxHandshakeBytes does. A decision (anything but HELLO_NEED_MORE) never changes when more
   bytes arrive. */
static void hello_parse(const unsigned char *buf, size_t len, size_t max_handshake_bytes,
                        struct hello_result *out) {
  hello_clear(out);
  /* checkFirstHeader: the first bytes decide whether this is TLS at all, so an HTTP request or
     an SSLv2-style hello is turned away on its first byte. RFC 5246 Appendix E.1: the first
     record may carry any {03,XX}; RFC 8446 section 5.1 says 0x0301 or 0x0303. */
  if (len >= 1 && buf[0] != HELLO_CONTENT_TYPE_HANDSHAKE) return;
  if (len >= 2 && buf[1] != 3) return;
  if (len >= 3 && buf[2] > 4) return;

  unsigned char header[HELLO_HANDSHAKE_HEADER];
  size_t have = 0;  /* handshake bytes collected so far */
  size_t total = 0; /* the whole handshake message (header included) once known, else 0 */
  size_t offset = 0;
  size_t records = 0;
  for (;;) {
    /* Before the handshake header is known we need at least its missing bytes; after, the rest.
       Never 0 (records.ts's Math.max(1, missing)): the loop ends once nothing is missing. */
    size_t missing = total == 0 ? HELLO_HANDSHAKE_HEADER - have : total - have;
    if (len - offset < HELLO_RECORD_HEADER) {
      hello_need_more(out, len, offset + HELLO_RECORD_HEADER + missing);
      return;
    }
    const unsigned char *record = buf + offset;
    size_t length = (size_t)record[3] << 8 | record[4];
    /* RFC 8446 section 5.1: handshake messages MUST NOT be interleaved with other record types. */
    if (offset > 0 &&
        (record[0] != HELLO_CONTENT_TYPE_HANDSHAKE || record[1] != 3 || record[2] > 4))
      return;
    /* RFC 8446 section 5.1: zero-length handshake fragments MUST NOT be sent. */
    if (length == 0 || length > HELLO_MAX_FRAGMENT) return;
    size_t end = offset + HELLO_RECORD_HEADER + length;
    if (end > len) {
      size_t after = missing > length ? missing - length : 0;
      hello_need_more(out, len, after > 0 ? end + HELLO_RECORD_HEADER + after : end);
      return;
    }
    for (size_t i = 0; have + i < HELLO_HANDSHAKE_HEADER && i < length; i++)
      header[have + i] = record[HELLO_RECORD_HEADER + i];
    have += length;
    offset = end;
    records++;
    if (total == 0 && have >= HELLO_HANDSHAKE_HEADER) {
      size_t body = (size_t)header[1] << 16 | (size_t)header[2] << 8 | header[3];
      if (header[0] != HELLO_HANDSHAKE_CLIENT_HELLO || body > max_handshake_bytes) return;
      total = HELLO_HANDSHAKE_HEADER + body;
    }
    if (total > 0 && have >= total) break;
  }

  /* Bytes after the ClientHello in its last record are left alone; the real TLS stack (ours or
     the backend's) sees them. */
  const unsigned char *message = buf + HELLO_RECORD_HEADER;
  if (records > 1) {
    if (total > sizeof hello_scratch) return; /* longer than any valid body: malformed */
    for (size_t at = 0, copied = 0; copied < total;) {
      size_t length = (size_t)buf[at + 3] << 8 | buf[at + 4];
      size_t take = length < total - copied ? length : total - copied;
      memcpy(hello_scratch + copied, buf + at + HELLO_RECORD_HEADER, take);
      copied += take;
      at += HELLO_RECORD_HEADER + length;
    }
    message = hello_scratch;
  }
  struct hello_cursor c = {message + HELLO_HANDSHAKE_HEADER, message + total};
  if (hello_body(c, out))
    out->kind = HELLO_FOUND;
  else
    hello_clear(out); /* a host_name read before the error */
}

/* ---- JavaScript interface (tests) ---- */

/* parseHello(buf, maxHandshakeBytes): { kind: 'need-more', needed } | { kind: 'reject' } |
   { kind: 'hello', serverName, usable }. serverName is the normalized host_name when C can use
   it, else null: usable tells a client that sent none (true) from a name C leaves to
   JavaScript (false). For the tests that hold this parser to the JavaScript one. */
static napi_value js_parse_hello(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool is_buffer = false;
  void *data = NULL;
  size_t len = 0;
  double max = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok ||
      napi_get_value_double(env, argv[1], &max) != napi_ok ||
      !(max >= 0 && max <= 9007199254740991.0) || max != (double)(uint64_t)max) {
    napi_throw_error(env, "ERR_PORTCULLIS_NATIVE",
                     "parseHello(buf: Buffer, maxHandshakeBytes: a non-negative integer)");
    return NULL;
  }
  struct hello_result r;
  /* A 24-bit handshake length never exceeds 0xffffff: any larger cap is no cap. */
  hello_parse(data, len, max > 0xffffff ? 0xffffff : (size_t)max, &r);

  napi_value result, value;
  napi_create_object(env, &result);
  const char *kind = r.kind == HELLO_NEED_MORE ? "need-more"
                     : r.kind == HELLO_FOUND   ? "hello"
                                               : "reject";
  napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "kind", value);
  if (r.kind == HELLO_NEED_MORE) {
    napi_create_double(env, (double)r.needed, &value);
    napi_set_named_property(env, result, "needed", value);
  } else if (r.kind == HELLO_FOUND) {
    if (r.name_usable)
      napi_create_string_latin1(env, r.server_name, r.server_name_len, &value);
    else
      napi_get_null(env, &value);
    napi_set_named_property(env, result, "serverName", value);
    napi_get_boolean(env, !r.has_server_name || r.name_usable, &value);
    napi_set_named_property(env, result, "usable", value);
  }
  return result;
}

#endif
