// Open-loop HTTP/1.1 load at a fixed rate (what wrk2 does; wrk2 is not packaged here). Request i is
// scheduled at start + i/rate; it goes out on the first idle keep-alive connection at or after that
// time, and its latency is counted from the SCHEDULED time, so a server that falls behind is charged
// for the queue it causes (no coordinated omission). Wake-ups come from a timerfd set to the next
// scheduled send (ns precision), so the generator sleeps between sends instead of spinning a core.
//
//   paced HOST PORT PATH BODY_TEMPLATE RATE SECONDS CONNECTIONS
// BODY_TEMPLATE holds one %d, replaced by i % 10000 (the user number). Prints one JSON line.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  long req;      // index of the request in flight, -1 when idle
  char buf[65536];
  size_t len;
} conn_t;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int open_conn(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(2); }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 8) { fprintf(stderr, "usage: paced HOST PORT PATH BODY_TEMPLATE RATE SECONDS CONNECTIONS\n"); return 2; }
  const char *host = argv[1], *path = argv[3], *tmpl = argv[4];
  int port = atoi(argv[2]), nconn = atoi(argv[7]);
  double rate = atof(argv[5]), seconds = atof(argv[6]);
  long total = (long)(rate * seconds);
  int64_t interval = (int64_t)(1e9 / rate);
  double *lat = calloc(total, sizeof *lat);
  conn_t *conns = calloc(nconn, sizeof *conns);
  int ep = epoll_create1(0), tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  for (int c = 0; c < nconn; c++) {
    conns[c].fd = open_conn(host, port);
    conns[c].req = -1;
    ev.data.u32 = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[c].fd, &ev);
  }
  long next_due = 0, next_send = 0, done = 0, ok = 0, non2xx = 0, errors = 0;
  int64_t start = now_ns() + 50000000LL, drain_until = start + (int64_t)(seconds * 1e9) + 5000000000LL;
  char req[16384], body[12288];
  while (done < total && now_ns() < drain_until) {
    int64_t t = now_ns();
    while (next_due < total && start + next_due * interval <= t) next_due++;
    // Everything scheduled by now goes out on idle connections, oldest first.
    for (int c = 0; c < nconn && next_send < next_due; c++) {
      if (conns[c].req != -1) continue;
      int blen = snprintf(body, sizeof body, tmpl, (int)(next_send % 10000));
      int rlen = snprintf(req, sizeof req,
                          "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\n\r\n%s",
                          path, host, port, blen, body);
      if (write(conns[c].fd, req, rlen) != rlen) { errors++; done++; next_send++; continue; }
      conns[c].req = next_send++;
      conns[c].len = 0;
    }
    if (next_due < total) {
      struct itimerspec its = {0};
      int64_t at = start + next_due * interval;
      its.it_value.tv_sec = at / 1000000000LL;
      its.it_value.tv_nsec = at % 1000000000LL;
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    }
    struct epoll_event evs[64];
    int n = epoll_wait(ep, evs, 64, 100);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 == UINT32_MAX) { uint64_t x; (void)!read(tfd, &x, sizeof x); continue; }
      conn_t *k = &conns[evs[i].data.u32];
      ssize_t r = read(k->fd, k->buf + k->len, sizeof k->buf - k->len - 1);
      if (r <= 0) { fprintf(stderr, "connection closed by the server\n"); return 3; }
      k->len += r;
      k->buf[k->len] = 0;
      char *end = strstr(k->buf, "\r\n\r\n");
      if (!end || k->req < 0) continue;
      char *cl = strcasestr(k->buf, "content-length:");
      size_t clen = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
      if ((size_t)(end + 4 - k->buf) + clen > k->len) continue;  // body not complete yet
      int status = atoi(k->buf + 9);
      double ms = (now_ns() - (start + k->req * interval)) / 1e6;
      if (status >= 200 && status < 300) lat[ok++] = ms; else non2xx++;
      done++;
      k->req = -1;
      k->len = 0;
    }
  }
  double elapsed = (now_ns() - start) / 1e9;
  qsort(lat, ok, sizeof *lat, cmp);
#define P(q) (ok ? lat[(long)((q) * (ok - 1))] : -1)
  printf("{\"rate\":%g,\"seconds\":%g,\"elapsed\":%.3f,\"connections\":%d,\"scheduled\":%ld,\"sent\":%ld,\"ok\":%ld,"
         "\"non2xx\":%ld,\"errors\":%ld,\"unanswered\":%ld,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
         "\"p999\":%.3f,\"max\":%.3f}\n",
         rate, seconds, elapsed, nconn, total, next_send, ok, non2xx, errors, total - done, P(0.5), P(0.9), P(0.99),
         P(0.999), ok ? lat[ok - 1] : -1);
  return 0;
}
