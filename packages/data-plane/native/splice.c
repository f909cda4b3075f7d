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

enum state { CONNECTING, OPEN, CLOSING, DEAD };
enum timer_list { IN_NONE, IN_CONNECTING, IN_YOUNG };

typedef struct conn conn;
typedef struct splicer splicer;

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
  struct list all, connecting, young;
  size_t live;
  conn *dead;
  /* Inside an epoll or timer callback: dead connections are freed only when it returns. */
  int busy;
  char *pool[MAX_POOLED_BUFFERS];
  int pooled;
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

static void finish(splicer *s, conn *c) {
  if (c->state == DEAD) return;
  c->state = DEAD;
  timed_remove(s, c);
  all_remove(s, c);
  s->live--;
  /* Freed after the current batch of epoll events: one may still point at it. */
  c->next_dead = s->dead;
  s->dead = c;
}

/* Closes both sockets and tells JavaScript; the client's address is read only on failure. */
static void report_and_close(splicer *s, conn *c) {
  char address[INET6_ADDRSTRLEN] = "";
  int port = -1;
  if (c->reason != REASON_NONE) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(c->cfd, (struct sockaddr *)&ss, &len) == 0) {
      if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &in->sin_addr, address, sizeof address);
        port = ntohs(in->sin_port);
      } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, address, sizeof address);
        port = ntohs(in6->sin6_port);
      }
    }
  }
  close(c->cfd);
  close(c->ufd);
  finish(s, c);

  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, ignored;
  if (napi_get_reference_value(env, s->on_close, &callback) == napi_ok && callback != NULL) {
    napi_get_global(env, &recv);
    /* Positional numbers rather than an object: this runs once per connection. The address
       only follows a failure. */
    napi_value args[7];
    size_t argc = c->reason == REASON_NONE ? 5 : 7;
    napi_create_double(env, c->token, &args[0]);
    napi_create_double(env, (double)c->bytes_in, &args[1]);
    napi_create_double(env, (double)c->bytes_out, &args[2]);
    napi_create_int32(env, c->reason, &args[3]);
    napi_create_int32(env, c->err, &args[4]);
    if (argc == 7) {
      napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &args[5]);
      napi_create_int32(env, port, &args[6]);
    }
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

static void on_client_event(splicer *s, conn *c, uint32_t events) {
  note_events(&c->cr, events);
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
  if (s->live == 0 && s->poll_refd) {
    uv_unref((uv_handle_t *)&s->poll);
    s->poll_refd = 0;
  }
}

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

static void on_timer(uv_timer_t *timer) {
  splicer *s = timer->data;
  uint64_t now = uv_now(s->loop);
  s->busy = 1;
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
  if (!s->connecting.head && !s->young.head) {
    uv_timer_stop(&s->timer);
    s->timer_running = 0;
  }
  s->busy = 0;
  free_dead(s);
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

static int parse_target(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    *len = sizeof *in;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    return 0;
  }
  return -1;
}

/*
 * splice(fd, initial, host, port, connectTimeoutMs, group, token) -> 0, or a negative errno when the
 * connection could not be taken over (nothing was kept open then; the caller still owns fd).
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
  socklen_t target_len;
  if (parse_target(host, port, &target, &target_len) != 0) return number(env, -EINVAL);

  int cfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (cfd < 0) return number(env, -errno);
  int ufd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (ufd < 0) {
    int e = errno;
    close(cfd);
    return number(env, -e);
  }
  /* Nagle off on both sides, as the Go proxy and nginx's stream module do. */
  int on = 1;
  setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  int rc = connect(ufd, (struct sockaddr *)&target, target_len);
  if (rc != 0 && errno != EINPROGRESS) {
    int e = errno;
    close(cfd);
    close(ufd);
    return number(env, -e);
  }

  conn *c = calloc(1, sizeof *c);
  char *u2c = buffer_get(s);
  size_t c2u_cap = initial_len > BUFFER_BYTES ? initial_len : BUFFER_BYTES;
  char *c2u = c2u_cap == BUFFER_BYTES ? buffer_get(s) : malloc(c2u_cap);
  if (c == NULL || u2c == NULL || c2u == NULL) {
    free(c);
    buffer_put(s, u2c, BUFFER_BYTES);
    buffer_put(s, c2u, c2u_cap);
    close(cfd);
    close(ufd);
    return number(env, -ENOMEM);
  }
  c->cfd = cfd;
  c->ufd = ufd;
  c->c2u = (struct direction){.buf = c2u, .cap = c2u_cap, .len = initial_len};
  c->u2c = (struct direction){.buf = u2c, .cap = BUFFER_BYTES};
  if (initial_len > 0) memcpy(c2u, initial, initial_len);
  c->bytes_in = initial_len;
  c->group = group;
  c->token = token;
  c->state = CONNECTING;

  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
  ev.data.u64 = (uint64_t)(uintptr_t)c;
  int e1 = epoll_ctl(s->epfd, EPOLL_CTL_ADD, cfd, &ev);
  ev.data.u64 = (uint64_t)((uintptr_t)c | 1);
  int e2 = e1 == 0 ? epoll_ctl(s->epfd, EPOLL_CTL_ADD, ufd, &ev) : -1;
  if (e1 != 0 || e2 != 0) {
    int e = errno;
    buffer_put(s, c->c2u.buf, c->c2u.cap);
    buffer_put(s, c->u2c.buf, c->u2c.cap);
    free(c);
    close(cfd);
    close(ufd);
    return number(env, -e);
  }
  all_add(s, c);
  s->live++;
  if (!s->poll_refd) {
    uv_ref((uv_handle_t *)&s->poll);
    s->poll_refd = 1;
  }
  if (rc == 0) {
    c->state = OPEN;
    timed_add(s, c, IN_YOUNG, KEEPALIVE_MS);
    /* The first writable edge will come and pump; nothing to do yet. */
  } else {
    timed_add(s, c, IN_CONNECTING, (uint64_t)timeout_ms);
  }
  return number(env, 0);
}

/* abortGroup(group) -> how many of that group's splices were cut (shutdown); each still gets
   its callback, with reason "aborted". */
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
    fail(s, c, REASON_ABORTED, 0);
    cut++;
    /* The callback may have ended others: start over rather than follow a stale pointer. */
    next = s->all.head;
  }
  s->busy = was_busy;
  free_dead(s);
  return number(env, cut);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"splice", NULL, js_splice, NULL, NULL, NULL, napi_default, NULL},
      {"abortGroup", NULL, js_abort_group, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
