/* fuzz_util.c: the byte-level helpers the fuzz targets share: libmicrohttpd's decoding of the
 * path and query, splitting an input into lines, and a strict UTF-8 check used as an oracle
 * (tabio promises UTF-8 cells whatever the file held). */
#include "fuzz_util.h"
#include <stdlib.h>
#include <string.h>

char *fuzz_text(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1);
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    return buf;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void fuzz_unescape(char *s, int plus_is_space) {
    char *w = s;
    for (const char *p = s; *p; p++) {
        int h, l;
        if (*p == '+' && plus_is_space) *w++ = ' ';
        else if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) { *w++ = (char)(h * 16 + l); p += 2; }
        else *w++ = *p;
    }
    *w = 0;
}

void fuzz_query_pairs(char *s, arena *a, const char ***pairs, int *n) {
    int cap = 1;
    for (const char *p = s; *p; p++) cap += *p == '&';
    const char **out = arena_alloc(a, sizeof *out * 2 * (size_t)cap);
    int k = 0;
    for (char *item = s; item;) {
        char *amp = strchr(item, '&');
        if (amp) *amp = 0;
        if (*item) {
            char *eq = strchr(item, '=');
            const char *v = "";
            if (eq) { *eq = 0; v = eq + 1; fuzz_unescape(eq + 1, 1); }
            fuzz_unescape(item, 1);
            out[2 * k] = item;
            out[2 * k + 1] = v;
            k++;
        }
        item = amp ? amp + 1 : NULL;
    }
    *pairs = out;
    *n = k;
}

char *fuzz_next_line(char *buf, size_t len, size_t *pos) {
    if (*pos >= len) return NULL;
    char *start = buf + *pos;
    char *nl = memchr(start, '\n', len - *pos);
    size_t end = nl ? (size_t)(nl - buf) : len;
    *pos = nl ? end + 1 : len;
    if (end > (size_t)(start - buf) && buf[end - 1] == '\r') end--;
    buf[end] = 0;
    return start;
}

int fuzz_utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) { p++; continue; }
        int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? (c < 0xF0 ? 3 : 0) : c >= 0xC2 ? 2 : 0;
        if (!len || e - p < len) return 0;
        for (int i = 1; i < len; i++) if ((p[i] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;            /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0;           /* surrogates */
        if (c == 0xF0 && p[1] < 0x90) return 0;            /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0;           /* past U+10FFFF */
        p += len;
    }
    return 1;
}
