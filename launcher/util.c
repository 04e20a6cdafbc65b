/* Small helpers: errors, allocation, strings, files and directories. */
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void vreport(const char *prefix, const char *fmt, va_list ap) {
  /* One write, so that concurrent output does not split the line. */
  char line[4096];
  int n = snprintf(line, sizeof line, "launcher: %s", prefix);
  if (n < 0) n = 0;
  int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport("", fmt, ap);
  va_end(ap);
  exit(code);
}

void warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport("warning: ", fmt, ap);
  va_end(ap);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) fail(EXIT_LAUNCH, "out of memory");
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) fail(EXIT_LAUNCH, "out of memory");
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *d = xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) fail(EXIT_LAUNCH, "formatting a string failed");
  char *s = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  if (n > 0 && dir[n - 1] == '/') return xprintf("%s%s", dir, name);
  return xprintf("%s/%s", dir, name);
}

char *path_absolute(const char *path) {
  if (path[0] == '/') return xstrdup(path);
  char *cwd = getcwd(NULL, 0);
  if (!cwd) fail(EXIT_LAUNCH, "getting the current directory: %s", strerror(errno));
  char *abs = path_join(cwd, path);
  free(cwd);
  return abs;
}

void buf_add(buf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void buf_adds(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }
void buf_addc(buf_t *b, char c) { buf_add(b, &c, 1); }

void strlist_push(strlist_t *l, char *s) {
  if (l->len + 1 >= l->cap) {
    l->cap = l->cap ? l->cap * 2 : 8;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
  }
  l->items[l->len++] = s;
  l->items[l->len] = NULL; /* usable as an argv */
}

int read_file(const char *path, buf_t *out, size_t max) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  buf_add(out, "", 0);
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return e;
    }
    if (n == 0) break;
    if (out->len + (size_t)n > max) {
      close(fd);
      return EFBIG;
    }
    buf_add(out, chunk, (size_t)n);
  }
  close(fd);
  return 0;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void list_dir(const char *dir, bool want_dirs, strlist_t *out) {
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    fail(EXIT_LAUNCH, "listing %s: %s", dir, strerror(errno));
  }
  size_t first = out->len;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) fail(EXIT_LAUNCH, "listing %s: %s", dir, strerror(errno));
      break;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, 0) != 0)
      fail(EXIT_LAUNCH, "reading %s/%s: %s", dir, e->d_name, strerror(errno));
    if (S_ISDIR(st.st_mode) == want_dirs) strlist_push(out, xstrdup(e->d_name));
  }
  closedir(d);
  qsort(out->items + first, out->len - first, sizeof *out->items, compare_names);
}

bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
