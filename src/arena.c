/* arena.c: bump allocator in linked blocks; see arena.h. */
#include "arena.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 16384

/* One spare standard block per thread: a request's arena usually needs exactly one, and taking
 * it from here spares malloc a 16 KiB allocation and free per request. Held in a thread key so
 * that it is freed when the thread ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static void spare_key_make(void) { pthread_key_create(&spare_key, free); }

static arena_block *block_new(size_t size) {
    if (size == ARENA_BLOCK) {
        pthread_once(&spare_once, spare_key_make);
        arena_block *b = pthread_getspecific(spare_key);
        if (b) { pthread_setspecific(spare_key, NULL); return b; }
    }
    return malloc(sizeof(arena_block) + size);
}

static void block_free(arena_block *b) {
    if (b->size == ARENA_BLOCK) {
        pthread_once(&spare_once, spare_key_make);
        if (!pthread_getspecific(spare_key) && pthread_setspecific(spare_key, b) == 0) return;
    }
    free(b);
}

void arena_init(arena *a) { a->head = NULL; a->total = 0; }

void *arena_alloc(arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        b = block_new(size);
        if (!b) { fputs("shequ: out of memory\n", stderr); abort(); }
        b->size = size;
        b->used = 0;
        if (size == n && a->head) {     /* big one-off: keep the current block for small ones */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_vprintf(arena *a, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(arena *a) {
    arena_block *b = a->head;
    while (b) { arena_block *n = b->next; block_free(b); b = n; }
    a->head = NULL;
    a->total = 0;
}

void arena_reset(arena *a) {
    arena_block *b = a->head;
    if (!b) return;
    arena_block *rest = b->next;
    while (rest) { arena_block *n = rest->next; block_free(rest); rest = n; }
    b->next = NULL;
    b->used = 0;
    a->total = 0;
}

void sbuf_init(sbuf *b, arena *a) { b->a = a; b->p = NULL; b->len = b->cap = 0; }

void sbuf_add(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = arena_alloc(b->a, cap);
        if (b->len) memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void sbuf_puts(sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void sbuf_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(b->a, fmt, ap);
    va_end(ap);
    sbuf_puts(b, s);
}

const char *sbuf_str(sbuf *b) { return b->p ? b->p : ""; }
