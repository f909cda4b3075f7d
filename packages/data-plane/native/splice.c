/*
 * The passthrough splicer's byte-moving loop in C (docs/adr/0006): once the JavaScript side has
 * peeked at the ClientHello and chosen a backend, the client's socket and a new backend socket
 * are moved here and relayed the way nginx's stream proxy relays them: non-blocking sockets,
 * edge-triggered epoll, one fixed 16 KiB buffer per direction, read-write-repeat, and no
 * JavaScript until the connection ends. The epoll descriptor is watched by Node's own event loop
 * (a uv_poll_t), so everything runs on the main thread: no locks, no extra thread.
 *
 * Semantics match the JavaScript relay (src/passthrough/splice.ts), which stays the fallback:
 * - the peeked bytes are written first, as soon as the backend accepts;
 * - the first FIN from either side ends the splice: bytes already read are still written, then
 *   both sockets close (ingress-nginx's Go proxy; nginx's stream proxy_half_close off);
 * - a connect time-out; TCP keep-alive (15 s idle, as Go's dialer) switched on only once a
 *   connection has lived 15 s;
 * - one callback per connection when both sockets are closed:
 *   onClose(token, bytesIn, bytesOut, reason, errno[, remoteAddress, remotePort]), the address
 *   only after a failure (read then, not per connection).
 *
 * Node-API only (ABI-stable across Node versions) plus libuv, which Node exports.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "client_hello.h"

/* nginx's proxy_buffer_size default; larger than any TLS record (RFC 8446 section 5.2). */
#define BUFFER_BYTES (16 * 1024)
#define MAX_POOLED_BUFFERS 256
#define KEEPALIVE_MS 15000
#define KEEPALIVE_IDLE_S 15
#define KEEPALIVE_INTERVAL_S 15
#define KEEPALIVE_PROBES 9
#define TIMER_TICK_MS 100
#define EVENTS_PER_WAIT 128

/* Failure reasons; the numbers are part of the interface with native.ts. */
enum reason {
  REASON_NONE = 0,
  REASON_CONNECT_TIMEOUT = 1,
  REASON_CONNECT_FAILED = 2,
  REASON_CLIENT_ERROR = 3,
  REASON_TARGET_ERROR = 4,
  REASON_ABORTED = 5,
};

enum state { PEEKING, CONNECTING, OPEN, CLOSING, DEAD };
enum timer_list { IN_NONE, IN_PEEKING, IN_CONNECTING, IN_YOUNG };

typedef struct conn conn;
typedef struct splicer splicer;
typedef struct listener listener;

struct side_ready {
  unsigned readable : 1;
  unsigned writable : 1;
  unsigned eof_pending : 1;
};
/* One direction's buffer: [off, len) is read and still to be written. */
struct direction {
  char *buf;
  size_t cap, off, len;
};

struct list {
  conn *head;
  conn *tail;
};

struct conn {
  /* Every live connection (for abortAll), and one of the time-out lists. */
  conn *prev_all, *next_all;
  conn *prev_t, *next_t;
  enum timer_list in;
  uint64_t deadline;
  int cfd, ufd;
  struct side_ready cr, ur;
  enum state state;
  /* client -> backend and backend -> client; bytes_in and bytes_out are their counts. */
  struct direction c2u, u2c;
  uint64_t bytes_in, bytes_out;
  enum reason reason;
  int err;
  /* Who asked (a router), for abortGroup(), and which of its connections this is. */
  double group;
  double token;
  /* Accepted here (listen()): the listener, the tally of the route it took, its backend and the
     client's SNI (reported only after a failure). NULL for connections handed over by splice(). */
  listener *from;
  size_t tally;
  struct sockaddr_storage target;
  char sni[HELLO_MAX_NAME + 1];
  conn *next_dead;
};

struct splicer {
  napi_env env;
  uv_loop_t *loop;
  int epfd;
  uv_poll_t poll;
  uv_timer_t timer;
  int poll_refd;
  int timer_running;
  napi_ref on_close;
  napi_async_context async;
  struct list all, peeking, connecting, young;
  size_t live;
  conn *dead;
  /* Inside an epoll or timer callback: dead connections are freed only when it returns. */
  int busy;
  /* Open listen() ports: they keep the process alive as connections do. */
  int listening;
  char *pool[MAX_POOLED_BUFFERS];
  int pooled;
};

/* A passthrough host C can splice to: the routing table's key and its backend's address. */
struct route {
  char *host;
  size_t host_len;
  struct sockaddr_storage addr;
  /* Where this host's connections are counted (listener.tallies). */
  size_t tally;
};

/* Per host (a routing-table key): connections spliced and closed cleanly since takeCounts(). */
struct tally {
  char *host;
  uint64_t ok;
};

/*
 * A passthrough port whose accepting moved here (listen(), docs/adr/0010): C accepts, reads the
 * ClientHello (client_hello.h), looks its SNI up in the routes JavaScript gave it (setRoutes())
 * and splices, with no JavaScript for the connection unless it fails. Every other connection
 * (TLS terminated in-process, a hello C cannot decide on, a backend named by host name) is
 * handed back to JavaScript with the bytes read so far.
 */
struct listener {
  int fd;
  double group;
  uint32_t handoff_ms;
  uint32_t connect_timeout_ms;
  /* The JavaScript peek's limits, so that C never splices what it would refuse. */
  size_t max_handshake_bytes;
  size_t peek_limit;
  napi_ref on_handoff, on_failure;
  /* Open addressing, a power of two in size, at most half full; host NULL marks a free slot. */
  struct route *routes;
  size_t route_mask;
  struct tally *tallies;
  size_t tally_count, tally_cap;
  /* Bytes of the connections counted in tallies. */
  uint64_t bytes_in, bytes_out;
  /* This listener's connections, peeking or spliced. */
  size_t live;
  /* Kept while listening, while JavaScript holds its handle, and by each connection. */
  size_t refs;
};

/* ---- lists ---- */

static void all_add(splicer *s, conn *c) {
  c->prev_all = s->all.tail;
  c->next_all = NULL;
  if (s->all.tail) s->all.tail->next_all = c;
  else s->all.head = c;
  s->all.tail = c;
}

static void all_remove(splicer *s, conn *c) {
  if (c->prev_all) c->prev_all->next_all = c->next_all;
  else s->all.head = c->next_all;
  if (c->next_all) c->next_all->prev_all = c->prev_all;
  else s->all.tail = c->prev_all;
  c->prev_all = c->next_all = NULL;
}

static struct list *timer_list_of(splicer *s, enum timer_list in) {
  if (in == IN_PEEKING) return &s->peeking;
  return in == IN_CONNECTING ? &s->connecting : &s->young;
}

static void timed_remove(splicer *s, conn *c) {
  if (c->in == IN_NONE) return;
  struct list *l = timer_list_of(s, c->in);
  if (c->prev_t) c->prev_t->next_t = c->next_t;
  else l->head = c->next_t;
  if (c->next_t) c->next_t->prev_t = c->prev_t;
  else l->tail = c->prev_t;
  c->prev_t = c->next_t = NULL;
  c->in = IN_NONE;
}

static void on_timer(uv_timer_t *timer);

/* Appends: lists stay sorted by deadline as long as one list's entries share a duration. */
static void timed_add(splicer *s, conn *c, enum timer_list in, uint64_t after_ms) {
  timed_remove(s, c);
  struct list *l = timer_list_of(s, in);
  c->in = in;
  c->deadline = uv_now(s->loop) + after_ms;
  c->prev_t = l->tail;
  c->next_t = NULL;
  if (l->tail) l->tail->next_t = c;
  else l->head = c;
  l->tail = c;
  if (!s->timer_running) {
    uv_timer_start(&s->timer, on_timer, TIMER_TICK_MS, TIMER_TICK_MS);
    s->timer_running = 1;
  }
}

/* ---- buffers ---- */

static char *buffer_get(splicer *s) {
  return s->pooled > 0 ? s->pool[--s->pooled] : malloc(BUFFER_BYTES);
}

static void buffer_put(splicer *s, char *b, size_t cap) {
  if (b == NULL) return;
  if (cap == BUFFER_BYTES && s->pooled < MAX_POOLED_BUFFERS) s->pool[s->pooled++] = b;
  else free(b);
}

/* ---- the end of a connection ---- */

static void fail(splicer *s, conn *c, enum reason reason, int err);

static void listener_release(splicer *s, listener *l) {
  if (--l->refs > 0) return;
  napi_delete_reference(s->env, l->on_handoff);
  napi_delete_reference(s->env, l->on_failure);
  for (size_t i = 0; i <= l->route_mask; i++) free(l->routes[i].host);
  free(l->routes);
  for (size_t i = 0; i < l->tally_count; i++) free(l->tallies[i].host);
  free(l->tallies);
  free(l);
}

static void finish(splicer *s, conn *c) {
  if (c->state == DEAD) return;
  c->state = DEAD;
  timed_remove(s, c);
  all_remove(s, c);
  s->live--;
  if (c->from != NULL) {
    c->from->live--;
    listener_release(s, c->from);
  }
  /* Freed after the current batch of epoll events: one may still point at it. */
  c->next_dead = s->dead;
  s->dead = c;
}

/* An address as text and its port (-1 when unknown). */
static void address_of(const struct sockaddr_storage *ss, char *text, size_t size, int *port) {
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &in->sin_addr, text, size);
    *port = ntohs(in->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, size);
    *port = ntohs(in6->sin6_port);
  }
}

static void call_js(splicer *s, napi_value callback, size_t argc, const napi_value *args) {
  napi_env env = s->env;
  napi_value recv, ignored;
  napi_get_global(env, &recv);
  /* make_callback: runs process.nextTick and microtask queues afterwards, as libuv callbacks
     into JavaScript must. A throw is handed to process 'uncaughtException', as a throw from
     any socket event would be, instead of staying pending. */
  if (napi_make_callback(env, s->async, recv, callback, argc, args, &ignored) != napi_ok) {
    bool pending = false;
    napi_value error;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
      napi_fatal_exception(env, error);
  }
}

/*
 * Closes both sockets and tells JavaScript, the client's address only after a failure. A
 * connection C accepted and closed cleanly is only counted (takeCounts()): no JavaScript.
 */
static void report_and_close(splicer *s, conn *c) {
  char address[INET6_ADDRSTRLEN] = "";
  int port = -1;
  if (c->reason != REASON_NONE) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(c->cfd, (struct sockaddr *)&ss, &len) == 0)
      address_of(&ss, address, sizeof address, &port);
  }
  close(c->cfd);
  if (c->ufd >= 0) close(c->ufd);
  listener *l = c->from;
  if (l != NULL && c->reason == REASON_NONE) {
    l->tallies[c->tally].ok++;
    l->bytes_in += c->bytes_in;
    l->bytes_out += c->bytes_out;
    finish(s, c);
    return;
  }

  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    finish(s, c);
    return;
  }
  napi_value callback = NULL;
  napi_get_reference_value(env, l != NULL ? l->on_failure : s->on_close, &callback);
  /* Positional numbers rather than an object: this runs once per connection. */
  napi_value args[9];
  size_t argc;
  if (l != NULL) {
    /* onFailure(sni, bytesIn, bytesOut, reason, errno, remoteAddress, remotePort, targetHost,
       targetPort); sni null when the client sent none. */
    char target[INET6_ADDRSTRLEN] = "";
    int target_port = -1;
    address_of(&c->target, target, sizeof target, &target_port);
    if (c->sni[0] != '\0') napi_create_string_latin1(env, c->sni, NAPI_AUTO_LENGTH, &args[0]);
    else napi_get_null(env, &args[0]);
    napi_create_double(env, (double)c->bytes_in, &args[1]);
    napi_create_double(env, (double)c->bytes_out, &args[2]);
    napi_create_int32(env, c->reason, &args[3]);
    napi_create_int32(env, c->err, &args[4]);
    napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &args[5]);
    napi_create_int32(env, port, &args[6]);
    napi_create_string_utf8(env, target, NAPI_AUTO_LENGTH, &args[7]);
    napi_create_int32(env, target_port, &args[8]);
    argc = 9;
  } else {
    /* onClose(token, bytesIn, bytesOut, reason, errno[, remoteAddress, remotePort]). */
    argc = c->reason == REASON_NONE ? 5 : 7;
    napi_create_double(env, c->token, &args[0]);
    napi_create_double(env, (double)c->bytes_in, &args[1]);
    napi_create_double(env, (double)c->bytes_out, &args[2]);
    napi_create_int32(env, c->reason, &args[3]);
    napi_create_int32(env, c->err, &args[4]);
    if (argc == 7) {
      napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &args[5]);
      napi_create_int32(env, port, &args[6]);
    }
  }
  /* Out of every list before JavaScript runs (it may abort others); the listener may go. */
  finish(s, c);
  if (callback != NULL) call_js(s, callback, argc, args);
  napi_close_handle_scope(env, scope);
}

static void fail(splicer *s, conn *c, enum reason reason, int err) {
  if (c->state == DEAD) return;
  if (c->reason == REASON_NONE) {
    c->reason = reason;
    c->err = err;
  }
  report_and_close(s, c);
}

/* ---- moving bytes ---- */

static int would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

/* What the last epoll edge said about one socket (nginx's ready flags). */
static void note_events(struct side_ready *r, uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) r->readable = 1;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) r->eof_pending = 1;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) r->writable = 1;
}

/*
 * Reads from one socket into an empty buffer. A read shorter than the buffer emptied the
 * socket, so the next read waits for the next edge (saving the read that would only say
 * EAGAIN), unless the edge also reported a FIN, which only another read returns.
 * Returns bytes read, 0 at FIN, -1 when nothing could be read, -2 on error (errno set).
 */
static ssize_t read_some(int fd, struct side_ready *r, char *buffer, size_t size) {
  if (!r->readable) return -1;
  ssize_t n = recv(fd, buffer, size, 0);
  if (n > 0) {
    if ((size_t)n < size && !r->eof_pending) r->readable = 0;
    return n;
  }
  if (n == 0) return 0;
  if (would_block(errno)) {
    r->readable = 0;
    return -1;
  }
  return -2;
}

/* Writes what it can; a short write means the send buffer is full until the next edge. */
static ssize_t write_some(int fd, struct side_ready *r, const char *data, size_t size) {
  if (!r->writable) return -1;
  ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
  if (n >= 0) {
    if ((size_t)n < size) r->writable = 0;
    return n;
  }
  if (would_block(errno)) {
    r->writable = 0;
    return -1;
  }
  return -2;
}

/*
 * One direction: writes what is buffered, then (if the splice is still open) reads again into
 * the emptied buffer. Returns 1 if bytes moved or a FIN arrived, 0 if it must wait for an edge,
 * -1 after failing the connection (reasons: a read error is the reading side's, a write error
 * the writing side's).
 */
static int move(splicer *s, conn *c, struct direction *d, int from, struct side_ready *from_ready,
                int to, struct side_ready *to_ready, uint64_t *count, enum reason from_error,
                enum reason to_error) {
  int progress = 0;
  if (d->off < d->len) {
    ssize_t n = write_some(to, to_ready, d->buf + d->off, d->len - d->off);
    if (n == -2) {
      fail(s, c, to_error, errno);
      return -1;
    }
    if (n > 0) {
      d->off += (size_t)n;
      progress = 1;
    }
  }
  if (d->off == d->len && c->state == OPEN) {
    d->off = d->len = 0;
    ssize_t n = read_some(from, from_ready, d->buf, d->cap);
    if (n == -2) {
      fail(s, c, from_error, errno);
      return -1;
    }
    if (n > 0) {
      d->len = (size_t)n;
      *count += (uint64_t)n;
      progress = 1;
    } else if (n == 0) {
      c->state = CLOSING;
      progress = 1;
    }
  }
  return progress;
}

/*
 * Moves bytes both ways until no path can go on. Edge-triggered epoll only reports changes, so
 * each path is followed until the kernel has nothing more to give or take; the next edge on
 * either socket resumes it.
 */
static void pump(splicer *s, conn *c) {
  for (;;) {
    int up = move(s, c, &c->c2u, c->cfd, &c->cr, c->ufd, &c->ur, &c->bytes_in, REASON_CLIENT_ERROR,
                  REASON_TARGET_ERROR);
    if (up < 0) return;
    int down = move(s, c, &c->u2c, c->ufd, &c->ur, c->cfd, &c->cr, &c->bytes_out,
                    REASON_TARGET_ERROR, REASON_CLIENT_ERROR);
    if (down < 0) return;
    /* First FIN seen and everything already read written: close both. close() sends the FIN
       after whatever the kernel still has queued. */
    if (c->state == CLOSING && c->c2u.off == c->c2u.len && c->u2c.off == c->u2c.len) {
      report_and_close(s, c);
      return;
    }
    if (!up && !down) return;
  }
}

static void connected(splicer *s, conn *c) {
  c->state = OPEN;
  /* Off the connect time-out list, onto the keep-alive one. */
  timed_add(s, c, IN_YOUNG, KEEPALIVE_MS);
  pump(s, c);
}

/* A socket's pending error (SO_ERROR), e.g. how a non-blocking connect ended. */
static int socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ? errno : err;
}

static void on_upstream_event(splicer *s, conn *c, uint32_t events) {
  note_events(&c->ur, events);
  if (c->state != CONNECTING) {
    pump(s, c);
    return;
  }
  if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
  int err = socket_error(c->ufd);
  if (err != 0) {
    fail(s, c, REASON_CONNECT_FAILED, err);
    return;
  }
  connected(s, c);
}

static void peek(splicer *s, conn *c);

static void on_client_event(splicer *s, conn *c, uint32_t events) {
  note_events(&c->cr, events);
  if (c->state == PEEKING) {
    peek(s, c);
    return;
  }
  if (c->state != CONNECTING) {
    pump(s, c);
    return;
  }
  /* While connecting, client bytes wait in the kernel (read once connected); a reset client
     is given up at once. */
  if (events & EPOLLERR) {
    int err = socket_error(c->cfd);
    fail(s, c, REASON_CLIENT_ERROR, err != 0 ? err : ECONNRESET);
  }
}

static void free_dead(splicer *s) {
  if (s->busy) return;
  while (s->dead) {
    conn *c = s->dead;
    s->dead = c->next_dead;
    buffer_put(s, c->c2u.buf, c->c2u.cap);
    buffer_put(s, c->u2c.buf, c->u2c.cap);
    free(c);
  }
  if (s->live == 0 && s->listening == 0 && s->poll_refd) {
    uv_unref((uv_handle_t *)&s->poll);
    s->poll_refd = 0;
  }
}

static void accept_all(splicer *s, listener *l);

static void on_epoll(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  splicer *s = handle->data;
  struct epoll_event ev[EVENTS_PER_WAIT];
  int n;
  s->busy = 1;
  do {
    n = epoll_wait(s->epfd, ev, EVENTS_PER_WAIT, 0);
    for (int i = 0; i < n; i++) {
      uintptr_t tag = (uintptr_t)ev[i].data.u64;
      if (tag & 2) {
        accept_all(s, (listener *)(tag & ~(uintptr_t)3));
        continue;
      }
      conn *c = (conn *)(tag & ~(uintptr_t)1);
      if (c->state == DEAD) continue;
      if (tag & 1) on_upstream_event(s, c, ev[i].events);
      else on_client_event(s, c, ev[i].events);
    }
  } while (n == EVENTS_PER_WAIT);
  s->busy = 0;
  free_dead(s);
}

static void keep_alive(int fd) {
  int on = 1, idle = KEEPALIVE_IDLE_S, interval = KEEPALIVE_INTERVAL_S, probes = KEEPALIVE_PROBES;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

static void hand_off(splicer *s, conn *c);

static void on_timer(uv_timer_t *timer) {
  splicer *s = timer->data;
  uint64_t now = uv_now(s->loop);
  s->busy = 1;
  /* No decision in time (a slow or silent client): JavaScript takes the connection over, with
     its own ClientHello time-out. */
  for (conn *c = s->peeking.head, *next; c; c = next) {
    next = c->next_t;
    if (c->deadline <= now) hand_off(s, c);
  }
  /* Connect time-outs: entries can differ in duration, so look at every one (few connect). */
  for (conn *c = s->connecting.head, *next; c; c = next) {
    next = c->next_t;
    if (c->deadline <= now) fail(s, c, REASON_CONNECT_TIMEOUT, ETIMEDOUT);
  }
  for (conn *c = s->young.head; c && c->deadline <= now; c = s->young.head) {
    timed_remove(s, c);
    keep_alive(c->cfd);
    keep_alive(c->ufd);
  }
  if (!s->peeking.head && !s->connecting.head && !s->young.head) {
    uv_timer_stop(&s->timer);
    s->timer_running = 0;
  }
  s->busy = 0;
  free_dead(s);
}

static int parse_target(const char *host, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    return 0;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    return 0;
  }
  return -1;
}

static socklen_t length_of(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* ---- connections ---- */

/* A connection on client descriptor cfd, not yet watched; NULL without memory. The client ->
   backend buffer holds at least `initial` bytes; the other direction's comes with a backend
   (a connection still peeking holds one buffer, not two). */
static conn *conn_new(splicer *s, int cfd, size_t initial, double group, bool with_backend) {
  conn *c = calloc(1, sizeof *c);
  size_t c2u_cap = initial > BUFFER_BYTES ? initial : BUFFER_BYTES;
  char *u2c = with_backend ? buffer_get(s) : NULL;
  char *c2u = c2u_cap == BUFFER_BYTES ? buffer_get(s) : malloc(c2u_cap);
  if (c == NULL || (with_backend && u2c == NULL) || c2u == NULL) {
    free(c);
    buffer_put(s, u2c, BUFFER_BYTES);
    buffer_put(s, c2u, c2u_cap);
    return NULL;
  }
  c->cfd = cfd;
  c->ufd = -1;
  c->c2u = (struct direction){.buf = c2u, .cap = c2u_cap};
  c->u2c = (struct direction){.buf = u2c, .cap = u2c == NULL ? 0 : BUFFER_BYTES};
  c->group = group;
  return c;
}

static void conn_free(splicer *s, conn *c) {
  buffer_put(s, c->c2u.buf, c->c2u.cap);
  buffer_put(s, c->u2c.buf, c->u2c.cap);
  free(c);
}

/* Watches fd for c (tag 1 marks the backend side); 0 or -1 with errno set. */
static int watch(splicer *s, conn *c, int fd, uintptr_t tag) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
  ev.data.u64 = (uint64_t)((uintptr_t)c | tag);
  return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Counts a watched connection as live: it keeps the process alive and is in the lists. */
static void adopt(splicer *s, conn *c) {
  all_add(s, c);
  s->live++;
  if (!s->poll_refd) {
    uv_ref((uv_handle_t *)&s->poll);
    s->poll_refd = 1;
  }
}

/* Opens and watches the backend connection to c->target; 0, or a negative errno (nothing
   changed then). */
static int start_connect(splicer *s, conn *c, uint32_t timeout_ms) {
  int ufd = socket(c->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (ufd < 0) return -errno;
  /* Nagle off on both sides, as the Go proxy and nginx's stream module do. */
  int on = 1;
  setsockopt(c->cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  int rc = connect(ufd, (const struct sockaddr *)&c->target, length_of(&c->target));
  if ((rc != 0 && errno != EINPROGRESS) || watch(s, c, ufd, 1) != 0) {
    int e = errno;
    close(ufd);
    return -e;
  }
  c->ufd = ufd;
  if (rc == 0) {
    /* Connected at once (loopback may): the first writable edge pumps. */
    c->state = OPEN;
    timed_add(s, c, IN_YOUNG, KEEPALIVE_MS);
  } else {
    c->state = CONNECTING;
    timed_add(s, c, IN_CONNECTING, timeout_ms);
  }
  return 0;
}

/* ---- accepting in C (listen) ---- */

/* FNV-1a: host names are short, and the table is rebuilt only when the routing table changes. */
static size_t hash_of(const char *text, size_t len) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
  return (size_t)h;
}

static struct route *route_slot(struct route *routes, size_t mask, const char *host, size_t len) {
  for (size_t i = hash_of(host, len) & mask;; i = (i + 1) & mask) {
    struct route *r = &routes[i];
    if (r->host == NULL || (r->host_len == len && memcmp(r->host, host, len) == 0)) return r;
  }
}

/* A table key, or NULL. */
static const struct route *route_get(const listener *l, const char *host, size_t len) {
  if (l->routes == NULL) return NULL;
  const struct route *r = route_slot(l->routes, l->route_mask, host, len);
  return r->host == NULL ? NULL : r;
}

/* config-model's lookupPassthrough: the exact host, then the `*.rest` key for one label. */
static const struct route *route_find(const listener *l, const char *host, size_t len) {
  const struct route *exact = route_get(l, host, len);
  if (exact != NULL) return exact;
  const char *dot = memchr(host, '.', len);
  if (dot == NULL || dot == host) return NULL;
  char wildcard[HELLO_MAX_NAME + 1];
  size_t rest = len - (size_t)(dot - host);
  wildcard[0] = '*';
  memcpy(wildcard + 1, dot, rest);
  return route_get(l, wildcard, rest + 1);
}

/* The descriptor and the bytes read so far go to JavaScript, which owns the connection now. */
static void hand_off(splicer *s, conn *c) {
  listener *l = c->from;
  int fd = c->cfd;
  epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
  napi_env env = s->env;
  napi_handle_scope scope;
  bool scoped = napi_open_handle_scope(env, &scope) == napi_ok;
  napi_value callback = NULL, args[2];
  void *copy;
  bool ok = scoped && napi_get_reference_value(env, l->on_handoff, &callback) == napi_ok &&
            callback != NULL && napi_create_int32(env, fd, &args[0]) == napi_ok &&
            napi_create_buffer_copy(env, c->c2u.len, c->c2u.buf, &copy, &args[1]) == napi_ok;
  finish(s, c);
  if (ok) call_js(s, callback, 2, args);
  else close(fd);
  if (scoped) napi_close_handle_scope(env, scope);
}

/* A whole ClientHello: spliced here when its SNI names a route C has, else JavaScript's. */
static void decide(splicer *s, conn *c, const struct hello_result *hello) {
  listener *l = c->from;
  const struct route *r = hello->has_server_name && hello->name_usable
                              ? route_find(l, hello->server_name, hello->server_name_len)
                              : NULL;
  /* A host whose backend C cannot dial (a name to resolve) is the JavaScript relay's. */
  if (r == NULL || r->addr.ss_family == AF_UNSPEC) {
    hand_off(s, c);
    return;
  }
  memcpy(c->sni, hello->server_name, hello->server_name_len + 1);
  c->tally = r->tally;
  c->target = r->addr;
  c->bytes_in = c->c2u.len;
  timed_remove(s, c);
  c->u2c = (struct direction){.buf = buffer_get(s), .cap = BUFFER_BYTES};
  int rc = c->u2c.buf == NULL ? -ENOMEM : start_connect(s, c, l->connect_timeout_ms);
  if (rc != 0) fail(s, c, REASON_CONNECT_FAILED, -rc);
}

/*
 * Reads the client's first bytes until the ClientHello parser decides. A connection closed
 * without a byte is a health check or a port scan and is closed without a word, as the
 * JavaScript peek does; every other failure is JavaScript's to report.
 */
static void peek(splicer *s, conn *c) {
  struct direction *d = &c->c2u;
  size_t limit = c->from->peek_limit;
  while (c->cr.readable) {
    size_t room = limit - d->len;
    ssize_t n = recv(c->cfd, d->buf + d->len, room, 0);
    if (n > 0) {
      d->len += (size_t)n;
      if ((size_t)n < room && !c->cr.eof_pending) c->cr.readable = 0;
      struct hello_result hello;
      hello_parse((const unsigned char *)d->buf, d->len, c->from->max_handshake_bytes, &hello);
      if (hello.kind == HELLO_FOUND) decide(s, c, &hello);
      else if (hello.kind == HELLO_REJECT || hello.needed > limit) hand_off(s, c);
      else continue;
      return;
    }
    if (n < 0 && would_block(errno)) {
      c->cr.readable = 0;
      return;
    }
    if (n == 0 && d->len == 0) {
      close(c->cfd);
      finish(s, c);
      return;
    }
    hand_off(s, c);
    return;
  }
}

static void accept_all(splicer *s, listener *l) {
  /* JavaScript runs inside (hand_off) and may unlisten: l must outlive the loop. */
  l->refs++;
  while (l->fd >= 0) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    /* EAGAIN: all taken. Anything else (EMFILE, ECONNABORTED...) ends this round too; the
       next connection's edge brings us back. */
    if (fd < 0) break;
    conn *c = conn_new(s, fd, 0, l->group, false);
    if (c == NULL || watch(s, c, fd, 0) != 0) {
      if (c != NULL) conn_free(s, c);
      close(fd);
      continue;
    }
    c->state = PEEKING;
    c->from = l;
    l->refs++;
    l->live++;
    adopt(s, c);
    timed_add(s, c, IN_PEEKING, l->handoff_ms);
    /* Clients send the hello right after the handshake: it is often there already. */
    c->cr.readable = 1;
    peek(s, c);
  }
  listener_release(s, l);
}

/* ---- JavaScript interface ---- */

#define THROW_IF(cond, msg)                                                                       \
  do {                                                                                            \
    if (cond) {                                                                                   \
      napi_throw_error(env, "ERR_PORTCULLIS_NATIVE", msg);                                        \
      return NULL;                                                                                \
    }                                                                                             \
  } while (0)

static splicer *instance(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static napi_value number(napi_env env, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  return n;
}

static void splicer_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  splicer *s = data;
  /* At environment teardown Node closes its loop's handles itself; only memory is ours. */
  while (s->pooled > 0) free(s->pool[--s->pooled]);
}

/* start(onClose): creates the splicer for this environment; onClose is called once per
   connection (see the top of this file). Calling it again replaces the callback. */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype type;
  THROW_IF(argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function,
           "start(onClose) needs a function");
  splicer *s = instance(env);
  if (s != NULL) {
    napi_delete_reference(env, s->on_close);
    napi_create_reference(env, argv[0], 1, &s->on_close);
    return NULL;
  }
  s = calloc(1, sizeof *s);
  THROW_IF(s == NULL, "out of memory");
  s->env = env;
  napi_get_uv_event_loop(env, &s->loop);
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (s->epfd < 0) {
    free(s);
    THROW_IF(1, "epoll_create1 failed");
  }
  uv_poll_init(s->loop, &s->poll, s->epfd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_epoll);
  uv_unref((uv_handle_t *)&s->poll);
  uv_timer_init(s->loop, &s->timer);
  s->timer.data = s;
  uv_unref((uv_handle_t *)&s->timer);
  napi_create_reference(env, argv[0], 1, &s->on_close);
  napi_value resource_name;
  napi_create_string_utf8(env, "portcullis.splice", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &s->async);
  napi_set_instance_data(env, s, splicer_free, NULL);
  return NULL;
}

/*
 * splice(fd, initial, host, port, connectTimeoutMs, group, token) -> 0, or a negative errno when
 * the connection could not be taken over (nothing was kept open then; the caller still owns fd).
 * On 0 the splicer holds its own duplicate of fd: the caller closes its socket at once.
 */
static napi_value js_splice(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  splicer *s = instance(env);
  THROW_IF(s == NULL, "start() was not called");
  THROW_IF(argc < 7, "splice(fd, initial, host, port, connectTimeoutMs, group, token)");
  int32_t fd, port, timeout_ms;
  double group, token;
  void *initial;
  size_t initial_len;
  char host[INET6_ADDRSTRLEN + 1];
  size_t host_len;
  THROW_IF(napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0, "fd must be a descriptor");
  THROW_IF(napi_get_buffer_info(env, argv[1], &initial, &initial_len) != napi_ok,
           "initial must be a Buffer");
  THROW_IF(napi_get_value_string_utf8(env, argv[2], host, sizeof host, &host_len) != napi_ok,
           "host must be a string");
  THROW_IF(napi_get_value_int32(env, argv[3], &port) != napi_ok || port < 1 || port > 65535,
           "port must be 1..65535");
  THROW_IF(napi_get_value_int32(env, argv[4], &timeout_ms) != napi_ok || timeout_ms < 1,
           "connectTimeoutMs must be positive");
  THROW_IF(napi_get_value_double(env, argv[5], &group) != napi_ok, "group must be a number");
  THROW_IF(napi_get_value_double(env, argv[6], &token) != napi_ok, "token must be a number");

  struct sockaddr_storage target;
  if (parse_target(host, port, &target) != 0) return number(env, -EINVAL);
  int cfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (cfd < 0) return number(env, -errno);
  conn *c = conn_new(s, cfd, initial_len, group, true);
  if (c == NULL) {
    close(cfd);
    return number(env, -ENOMEM);
  }
  if (initial_len > 0) memcpy(c->c2u.buf, initial, initial_len);
  c->c2u.len = initial_len;
  c->bytes_in = initial_len;
  c->token = token;
  c->target = target;
  int rc = start_connect(s, c, (uint32_t)timeout_ms);
  /* The client is watched last: until then no event can point at c. */
  if (rc == 0 && watch(s, c, cfd, 0) != 0) {
    rc = -errno;
    timed_remove(s, c);
    close(c->ufd);
  }
  if (rc != 0) {
    conn_free(s, c);
    close(cfd);
    return number(env, rc);
  }
  adopt(s, c);
  return number(env, 0);
}

/* abortGroup(group) -> how many of that group's splices were cut (shutdown); each still gets
   its callback, with reason "aborted". Connections C is still peeking at are closed unreported. */
static napi_value js_abort_group(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  double group;
  THROW_IF(argc < 1 || napi_get_value_double(env, argv[0], &group) != napi_ok, "abortGroup(group)");
  splicer *s = instance(env);
  double cut = 0;
  if (s == NULL) return number(env, 0);
  int was_busy = s->busy;
  s->busy = 1;
  for (conn *c = s->all.head, *next; c; c = next) {
    next = c->next_all;
    if (c->group != group) continue;
    if (c->state == PEEKING) {
      close(c->cfd);
      finish(s, c);
      continue;
    }
    fail(s, c, REASON_ABORTED, 0);
    cut++;
    /* The callback may have ended others: start over rather than follow a stale pointer. */
    next = s->all.head;
  }
  s->busy = was_busy;
  free_dead(s);
  return number(env, cut);
}

static listener *listener_of(napi_env env, napi_value handle) {
  void *data = NULL;
  return napi_get_value_external(env, handle, &data) == napi_ok ? data : NULL;
}

static void listener_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  splicer *s = instance(env);
  if (s != NULL) listener_release(s, data);
}

/*
 * listen(fd, group, handoffMs, connectTimeoutMs, maxHandshakeBytes, maxPeekBytes, onHandoff,
 * onFailure) -> a handle for setRoutes(), takeCounts(), open() and unlisten(). Accepts on a
 * duplicate of the listening descriptor fd (the caller then closes its own server, so only C
 * accepts). Connections C does not splice go to onHandoff(fd, bytesReadSoFar); one still
 * undecided after handoffMs too. A spliced connection that fails calls onFailure (see
 * report_and_close()); one that ends cleanly is only counted.
 */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  splicer *s = instance(env);
  THROW_IF(s == NULL, "start() was not called");
  int32_t fd;
  double group;
  uint32_t handoff_ms, connect_ms, max_handshake, max_peek;
  napi_valuetype t1, t2;
  THROW_IF(argc < 8 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
               napi_get_value_double(env, argv[1], &group) != napi_ok ||
               napi_get_value_uint32(env, argv[2], &handoff_ms) != napi_ok || handoff_ms < 1 ||
               napi_get_value_uint32(env, argv[3], &connect_ms) != napi_ok || connect_ms < 1 ||
               napi_get_value_uint32(env, argv[4], &max_handshake) != napi_ok ||
               napi_get_value_uint32(env, argv[5], &max_peek) != napi_ok || max_peek < 1 ||
               napi_typeof(env, argv[6], &t1) != napi_ok || t1 != napi_function ||
               napi_typeof(env, argv[7], &t2) != napi_ok || t2 != napi_function,
           "listen(fd, group, handoffMs, connectTimeoutMs, maxHandshakeBytes, maxPeekBytes, "
           "onHandoff, onFailure)");
  listener *l = calloc(1, sizeof *l);
  THROW_IF(l == NULL, "out of memory");
  l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (l->fd < 0 || fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK) != 0) {
    if (l->fd >= 0) close(l->fd);
    free(l);
    THROW_IF(1, "could not take the listening descriptor over");
  }
  l->group = group;
  l->handoff_ms = handoff_ms;
  l->connect_timeout_ms = connect_ms;
  l->max_handshake_bytes = max_handshake;
  l->peek_limit = max_peek < BUFFER_BYTES ? max_peek : BUFFER_BYTES;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
  ev.data.u64 = (uint64_t)((uintptr_t)l | 2);
  if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
    close(l->fd);
    free(l);
    THROW_IF(1, "epoll_ctl on the listening descriptor failed");
  }
  napi_create_reference(env, argv[6], 1, &l->on_handoff);
  napi_create_reference(env, argv[7], 1, &l->on_failure);
  /* One reference for listening, one for the handle. */
  l->refs = 2;
  napi_value handle;
  if (napi_create_external(env, l, listener_finalize, NULL, &handle) != napi_ok) {
    close(l->fd);
    l->refs = 1;
    listener_release(s, l);
    THROW_IF(1, "out of memory");
  }
  /* A listening port keeps the process alive, as a listening net.Server does. */
  s->listening++;
  if (!s->poll_refd) {
    uv_ref((uv_handle_t *)&s->poll);
    s->poll_refd = 1;
  }
  /* Connections already queued: adding the descriptor to epoll reported them. */
  return handle;
}

/* unlisten(handle): stops accepting and closes the port; open connections go on. */
static napi_value js_unlisten(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  splicer *s = instance(env);
  listener *l = argc < 1 ? NULL : listener_of(env, argv[0]);
  THROW_IF(s == NULL || l == NULL, "unlisten(handle)");
  if (l->fd >= 0) {
    close(l->fd); /* also leaves the epoll set: the descriptor is C's alone */
    l->fd = -1;
    s->listening--;
    listener_release(s, l);
    free_dead(s);
  }
  return NULL;
}

/*
 * setRoutes(handle, hosts, addresses, ports) -> how many C can dial. Replaces the listener's
 * passthrough hosts (routing-table keys, exact or `*.` wildcard). A host whose address is not
 * an IP literal stays in the table so that it shadows a wildcard, but its connections go to
 * JavaScript. Hosts that no SNI C accepts could match (longer than a name, or not ASCII) are left
 * out. Counts move with their host to the new table.
 */
static napi_value js_set_routes(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  splicer *s = instance(env);
  listener *l = argc < 4 ? NULL : listener_of(env, argv[0]);
  uint32_t n = 0, n2 = 0, n3 = 0;
  THROW_IF(s == NULL || l == NULL || napi_get_array_length(env, argv[1], &n) != napi_ok ||
               napi_get_array_length(env, argv[2], &n2) != napi_ok ||
               napi_get_array_length(env, argv[3], &n3) != napi_ok || n2 != n || n3 != n,
           "setRoutes(handle, hosts, addresses, ports) with arrays of one length");
  size_t size = 8;
  while (size < 2 * (size_t)n) size *= 2;
  struct route *routes = calloc(size, sizeof *routes);
  THROW_IF(routes == NULL, "out of memory");
  size_t mask = size - 1;
  double dialable = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    char host[HELLO_MAX_NAME + 2];
    char address[INET6_ADDRSTRLEN + 1] = "";
    size_t host_len = 0, address_len = 0;
    int32_t port = 0;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, host, sizeof host, &host_len) != napi_ok)
      continue;
    bool ascii = host_len <= HELLO_MAX_NAME;
    for (size_t k = 0; ascii && k < host_len; k++) ascii = (unsigned char)host[k] < 0x80;
    if (!ascii || host_len == 0) continue;
    if (napi_get_element(env, argv[2], i, &v) == napi_ok)
      napi_get_value_string_utf8(env, v, address, sizeof address, &address_len);
    if (napi_get_element(env, argv[3], i, &v) == napi_ok) napi_get_value_int32(env, v, &port);
    struct route *r = route_slot(routes, mask, host, host_len);
    if (r->host != NULL) continue; /* a duplicate key: the first wins, as in an object */
    r->host = malloc(host_len + 1);
    if (r->host == NULL) break;
    memcpy(r->host, host, host_len + 1);
    r->host_len = host_len;
    if (port >= 1 && port <= 65535 && parse_target(address, port, &r->addr) == 0) dialable++;
    else r->addr.ss_family = AF_UNSPEC;
    /* The same host keeps its tally; a new one gets the next. */
    const struct route *old = route_get(l, host, host_len);
    if (old != NULL) {
      r->tally = old->tally;
      continue;
    }
    if (l->tally_count == l->tally_cap) {
      size_t cap = l->tally_cap == 0 ? 16 : l->tally_cap * 2;
      struct tally *grown = realloc(l->tallies, cap * sizeof *grown);
      if (grown == NULL) {
        free(r->host);
        r->host = NULL;
        break;
      }
      l->tallies = grown;
      l->tally_cap = cap;
    }
    char *name = malloc(host_len + 1);
    if (name == NULL) {
      free(r->host);
      r->host = NULL;
      break;
    }
    memcpy(name, host, host_len + 1);
    l->tallies[l->tally_count] = (struct tally){.host = name, .ok = 0};
    r->tally = l->tally_count++;
  }
  if (l->routes != NULL)
    for (size_t i = 0; i <= l->route_mask; i++) free(l->routes[i].host);
  free(l->routes);
  l->routes = routes;
  l->route_mask = mask;
  return number(env, dialable);
}

/*
 * takeCounts(handle) -> [bytesIn, bytesOut, host, connections, host, connections, ...]: what the
 * connections C accepted and closed cleanly added since the last call (hosts with none left out).
 */
static napi_value js_take_counts(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  listener *l = argc < 1 ? NULL : listener_of(env, argv[0]);
  THROW_IF(l == NULL, "takeCounts(handle)");
  napi_value out, v;
  napi_create_array(env, &out);
  napi_set_element(env, out, 0, number(env, (double)l->bytes_in));
  napi_set_element(env, out, 1, number(env, (double)l->bytes_out));
  l->bytes_in = l->bytes_out = 0;
  uint32_t at = 2;
  for (size_t i = 0; i < l->tally_count; i++) {
    struct tally *t = &l->tallies[i];
    if (t->ok == 0) continue;
    napi_create_string_latin1(env, t->host, NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, out, at++, v);
    napi_set_element(env, out, at++, number(env, (double)t->ok));
    t->ok = 0;
  }
  return out;
}

/* open(handle) -> the listener's connections still open (peeking or spliced). */
static napi_value js_listener_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  listener *l = argc < 1 ? NULL : listener_of(env, argv[0]);
  THROW_IF(l == NULL, "open(handle)");
  return number(env, (double)l->live);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"splice", NULL, js_splice, NULL, NULL, NULL, napi_default, NULL},
      {"abortGroup", NULL, js_abort_group, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"unlisten", NULL, js_unlisten, NULL, NULL, NULL, napi_default, NULL},
      {"setRoutes", NULL, js_set_routes, NULL, NULL, NULL, napi_default, NULL},
      {"takeCounts", NULL, js_take_counts, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, js_listener_open, NULL, NULL, NULL, napi_default, NULL},
      {"parseHello", NULL, js_parse_hello, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
