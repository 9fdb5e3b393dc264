/* arena.h: per-request memory. Everything a request handler allocates comes from its arena
 * and is released in one go when the response has been sent, so handlers rarely free. */
#ifndef SHEQU_ARENA_H
#define SHEQU_ARENA_H
#include <stddef.h>
#include <stdarg.h>

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t total;          /* bytes handed out, for limits and the access log */
} arena;

void arena_init(arena *a);
void *arena_alloc(arena *a, size_t n);            /* zeroed, 16-byte aligned; aborts on OOM */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
void arena_free(arena *a);
/* Frees all but the newest block and empties it: for loops that use an arena per item. */
void arena_reset(arena *a);

/* A growable byte buffer whose storage lives in an arena (old storage is simply abandoned). */
typedef struct sbuf {
    arena *a;
    char *p;
    size_t len, cap;
} sbuf;
void sbuf_init(sbuf *b, arena *a);
void sbuf_add(sbuf *b, const char *s, size_t n);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sbuf_str(sbuf *b);                     /* NUL-terminated view */

#endif
