/*
 * The TOML that exec.d executables write to fd 3 (buildpack spec "Exec.d Output"): top-level
 * `NAME = "value"` pairs. Accepted: bare or quoted keys; basic, literal and multi-line string
 * values with every TOML escape (\b \t \n \f \r \" \\ \e \xHH \uXXXX \UXXXXXXXX); comments and
 * blank lines. Anything else (tables, dotted keys, numbers, booleans, arrays, duplicate keys)
 * is an error, as it is for the reference lifecycle, which decodes into map[string]string.
 */
#include "launcher.h"

#include <string.h>

typedef struct {
  const char *p, *end;
  int line;
  char *err;
} parser_t;

static bool at(const parser_t *ps, const char *s) {
  size_t n = strlen(s);
  return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

static bool error(parser_t *ps, const char *msg) {
  if (!ps->err) ps->err = xprintf("line %d: %s", ps->line, msg);
  return false;
}

static void skip_ws(parser_t *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) ps->p++;
}

/* A newline (LF or CRLF) at the cursor: consumes it. */
static bool newline(parser_t *ps) {
  if (at(ps, "\n")) ps->p += 1;
  else if (at(ps, "\r\n")) ps->p += 2;
  else return false;
  ps->line++;
  return true;
}

static bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

static void add_utf8(buf_t *b, unsigned long cp) {
  char out[4];
  size_t n;
  if (cp < 0x80) out[0] = (char)cp, n = 1;
  else if (cp < 0x800) out[0] = (char)(0xc0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    out[0] = (char)(0xe0 | (cp >> 12)), out[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), out[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    out[0] = (char)(0xf0 | (cp >> 18)), out[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), out[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  buf_add(b, out, n);
}

/* After a backslash inside a basic string. */
static bool escape(parser_t *ps, buf_t *out) {
  if (ps->p >= ps->end) return error(ps, "unterminated string");
  char c = *ps->p++;
  int digits = 0;
  switch (c) {
  case 'b': buf_addc(out, '\b'); return true;
  case 't': buf_addc(out, '\t'); return true;
  case 'n': buf_addc(out, '\n'); return true;
  case 'f': buf_addc(out, '\f'); return true;
  case 'r': buf_addc(out, '\r'); return true;
  case 'e': buf_addc(out, 0x1b); return true;
  case '"': buf_addc(out, '"'); return true;
  case '\\': buf_addc(out, '\\'); return true;
  case 'x': digits = 2; break;
  case 'u': digits = 4; break;
  case 'U': digits = 8; break;
  default: return error(ps, xprintf("invalid escape \\%c", c));
  }
  unsigned long cp = 0;
  for (int i = 0; i < digits; i++) {
    if (ps->p >= ps->end) return error(ps, "unterminated escape");
    char h = *ps->p++;
    int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    if (v < 0) return error(ps, "invalid hex digit in escape");
    cp = cp * 16 + (unsigned long)v;
  }
  if (cp == 0) return error(ps, "a NUL character cannot be in an environment variable");
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return error(ps, "escape is not a Unicode scalar value");
  add_utf8(out, cp);
  return true;
}

/* A string starting at the cursor, of any of the four kinds. */
static bool string(parser_t *ps, buf_t *out, bool allow_multiline) {
  bool basic = *ps->p == '"';
  const char *quote = basic ? "\"" : "'";
  bool multi = allow_multiline && at(ps, basic ? "\"\"\"" : "'''");
  ps->p += multi ? 3 : 1;
  buf_add(out, "", 0);
  if (multi) newline(ps); /* a newline right after the opening quotes is trimmed */
  for (;;) {
    if (ps->p >= ps->end) return error(ps, "unterminated string");
    if (*ps->p == *quote) {
      if (!multi) {
        ps->p++;
        return true;
      }
      size_t q = 0;
      while (ps->p + q < ps->end && ps->p[q] == *quote) q++;
      if (q >= 3) {
        if (q > 5) return error(ps, "too many quotes at the end of a multi-line string");
        buf_add(out, ps->p, q - 3); /* up to two quotes may come right before the closing three */
        ps->p += q;
        return true;
      }
      buf_add(out, ps->p, q);
      ps->p += q;
      continue;
    }
    if (multi && (at(ps, "\n") || at(ps, "\r\n"))) {
      const char *start = ps->p;
      newline(ps);
      buf_add(out, start, (size_t)(ps->p - start));
      continue;
    }
    if (basic && *ps->p == '\\') {
      ps->p++;
      if (multi) { /* a line-ending backslash eats the newline and the whitespace after it */
        const char *save = ps->p;
        skip_ws(ps);
        if (newline(ps)) {
          for (;;) {
            skip_ws(ps);
            if (!newline(ps)) break;
          }
          continue;
        }
        ps->p = save;
      }
      if (!escape(ps, out)) return false;
      continue;
    }
    if (is_control((unsigned char)*ps->p)) return error(ps, multi || *ps->p != '\n' ? "control character in a string" : "unterminated string");
    buf_addc(out, *ps->p++);
  }
}

static bool bare_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool pair(parser_t *ps, strlist_t *keys, strlist_t *values) {
  buf_t key = {0};
  if (*ps->p == '"' || *ps->p == '\'') {
    if (!string(ps, &key, false)) return false;
  } else if (bare_char(*ps->p)) {
    const char *start = ps->p;
    while (ps->p < ps->end && bare_char(*ps->p)) ps->p++;
    buf_add(&key, start, (size_t)(ps->p - start));
  } else if (*ps->p == '[') {
    return error(ps, "tables are not allowed: write NAME = \"value\" lines");
  } else {
    return error(ps, "expected NAME = \"value\"");
  }
  if (key.len == 0 || strchr(key.data, '=')) return error(ps, "not an environment variable name");
  skip_ws(ps);
  if (at(ps, ".")) return error(ps, "dotted keys are not allowed");
  if (!at(ps, "=")) return error(ps, xprintf("expected = after %s", key.data));
  ps->p++;
  skip_ws(ps);
  if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
    return error(ps, xprintf("the value of %s must be a string", key.data));
  buf_t value = {0};
  if (!string(ps, &value, true)) return false;
  for (size_t i = 0; i < keys->len; i++)
    if (strcmp(keys->items[i], key.data) == 0) return error(ps, xprintf("%s is defined twice", key.data));
  strlist_push(keys, key.data);
  strlist_push(values, value.data);
  return true;
}

char *execd_toml_parse(const char *s, size_t n, strlist_t *keys, strlist_t *values) {
  parser_t ps = {.p = s, .end = s + n, .line = 1};
  for (;;) {
    skip_ws(&ps);
    if (ps.p >= ps.end) break;
    if (newline(&ps)) continue;
    if (*ps.p != '#') {
      if (!pair(&ps, keys, values)) return ps.err;
      skip_ws(&ps);
    }
    if (ps.p < ps.end && *ps.p == '#') {
      while (ps.p < ps.end && *ps.p != '\n') ps.p++;
      continue;
    }
    if (ps.p < ps.end && !newline(&ps)) {
      error(&ps, "expected a newline after the value");
      return ps.err;
    }
  }
  return NULL;
}

/* ---- metadata.toml (platform spec): the [[buildpacks]] and [[processes]] tables ----------- */

static void skip_blank(parser_t *ps) { /* whitespace, newlines and comments */
  for (;;) {
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '#') {
      while (ps->p < ps->end && *ps->p != '\n') ps->p++;
    }
    if (!newline(ps)) return;
  }
}

static bool simple_key(parser_t *ps, buf_t *out) {
  buf_add(out, "", 0);
  if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) return string(ps, out, false);
  const char *start = ps->p;
  while (ps->p < ps->end && bare_char(*ps->p)) ps->p++;
  if (ps->p == start) return error(ps, "expected a key");
  buf_add(out, start, (size_t)(ps->p - start));
  return true;
}

/* A key, dotted parts joined with '.' (only single-part keys are ever looked up). */
static bool any_key(parser_t *ps, buf_t *out) {
  if (!simple_key(ps, out)) return false;
  for (;;) {
    skip_ws(ps);
    if (!at(ps, ".")) return true;
    ps->p++;
    skip_ws(ps);
    buf_t part = {0};
    if (!simple_key(ps, &part)) return false;
    buf_addc(out, '.');
    buf_adds(out, part.data);
  }
}

static bool value(parser_t *ps, toml_value_t *v);

static bool array(parser_t *ps, toml_value_t *v) {
  ps->p++; /* [ */
  v->kind = TOML_ARRAY;
  for (;;) {
    skip_blank(ps);
    if (ps->p >= ps->end) return error(ps, "unterminated array");
    if (*ps->p == ']') break;
    toml_value_t item = {0};
    if (!value(ps, &item)) return false;
    if (item.kind == TOML_STRING) strlist_push(&v->items, item.str);
    else v->kind = TOML_OTHER; /* only arrays of strings are used */
    skip_blank(ps);
    if (at(ps, ",")) ps->p++;
    else if (!at(ps, "]")) return error(ps, "expected , or ] in an array");
  }
  ps->p++;
  return true;
}

static bool inline_table(parser_t *ps, toml_value_t *v) {
  ps->p++; /* { */
  v->kind = TOML_OTHER;
  for (;;) {
    skip_blank(ps);
    if (ps->p >= ps->end) return error(ps, "unterminated inline table");
    if (*ps->p == '}') break;
    buf_t key = {0};
    toml_value_t item = {0};
    if (!any_key(ps, &key)) return false;
    if (!at(ps, "=")) return error(ps, "expected = in an inline table");
    ps->p++;
    skip_ws(ps);
    if (!value(ps, &item)) return false;
    skip_blank(ps);
    if (at(ps, ",")) ps->p++;
    else if (!at(ps, "}")) return error(ps, "expected , or } in an inline table");
  }
  ps->p++;
  return true;
}

static bool value(parser_t *ps, toml_value_t *v) {
  if (ps->p >= ps->end) return error(ps, "expected a value");
  if (*ps->p == '"' || *ps->p == '\'') {
    buf_t s = {0};
    if (!string(ps, &s, true)) return false;
    v->kind = TOML_STRING;
    v->str = s.data;
    return true;
  }
  if (*ps->p == '[') return array(ps, v);
  if (*ps->p == '{') return inline_table(ps, v);
  const char *start = ps->p; /* numbers, dates, booleans: read up to a delimiter */
  while (ps->p < ps->end && !strchr(",]}#\r\n", *ps->p)) ps->p++;
  const char *stop = ps->p;
  while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t')) stop--;
  if (stop == start) return error(ps, "expected a value");
  size_t n = (size_t)(stop - start);
  v->kind = TOML_OTHER;
  if (n == 4 && memcmp(start, "true", 4) == 0) v->kind = TOML_BOOL, v->boolean = true;
  if (n == 5 && memcmp(start, "false", 5) == 0) v->kind = TOML_BOOL, v->boolean = false;
  return true;
}

char *toml_tables_parse(const char *s, size_t n, toml_table_t **out, size_t *nout) {
  parser_t ps = {.p = s, .end = s + n, .line = 1};
  toml_table_t *current = NULL; /* the [[table]] whose pairs are being read, if any */
  *out = NULL;
  *nout = 0;
  for (;;) {
    skip_blank(&ps);
    if (ps.p >= ps.end) break;
    if (*ps.p == '[') {
      bool many = at(&ps, "[[");
      ps.p += many ? 2 : 1;
      skip_ws(&ps);
      buf_t name = {0};
      if (!any_key(&ps, &name)) return ps.err;
      if (!at(&ps, many ? "]]" : "]")) {
        error(&ps, "expected ] after a table name");
        return ps.err;
      }
      ps.p += many ? 2 : 1;
      current = NULL;
      if (many) {
        *out = xrealloc(*out, (*nout + 1) * sizeof **out);
        current = &(*out)[(*nout)++];
        memset(current, 0, sizeof *current);
        current->name = name.data;
      }
    } else {
      buf_t key = {0};
      toml_value_t v = {0};
      if (!any_key(&ps, &key)) return ps.err;
      if (!at(&ps, "=")) {
        error(&ps, xprintf("expected = after %s", key.data));
        return ps.err;
      }
      ps.p++;
      skip_ws(&ps);
      if (!value(&ps, &v)) return ps.err;
      if (current) {
        current->pairs = xrealloc(current->pairs, (current->npairs + 1) * sizeof *current->pairs);
        v.key = key.data;
        current->pairs[current->npairs++] = v;
      }
    }
    skip_ws(&ps);
    if (ps.p < ps.end && *ps.p == '#') continue; /* skip_blank takes the comment */
    if (ps.p < ps.end && !newline(&ps)) {
      error(&ps, "expected a newline");
      return ps.err;
    }
  }
  return NULL;
}

const toml_value_t *toml_get(const toml_table_t *t, const char *key) {
  for (size_t i = t->npairs; i > 0; i--)
    if (strcmp(t->pairs[i - 1].key, key) == 0) return &t->pairs[i - 1];
  return NULL;
}
