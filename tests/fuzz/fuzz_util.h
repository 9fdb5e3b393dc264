/* fuzz_util.h: turning fuzz input bytes into the pieces of a request, the way libmicrohttpd
 * hands them to the server (see fuzz_util.c). */
#ifndef SHEQU_FUZZ_UTIL_H
#define SHEQU_FUZZ_UTIL_H
#include "arena.h"
#include <stddef.h>
#include <stdint.h>

/* A malloc'd copy of the input with a NUL after it (the caller frees it). */
char *fuzz_text(const uint8_t *data, size_t size);
/* Decodes %XX escapes in place (and '+' as a space when plus_is_space), as libmicrohttpd does
 * for the path and the query arguments; a decoded NUL ends the string there, as it would. */
void fuzz_unescape(char *s, int plus_is_space);
/* Splits "a=1&b&c=%20" into name, value pairs (a name without '=' gets ""), decoded. s is
 * modified; *pairs (in a) holds 2 * *n pointers. */
void fuzz_query_pairs(char *s, arena *a, const char ***pairs, int *n);
/* Next line of buf[*pos..len), without its "\n" or "\r\n", NUL-terminated in place (buf must
 * have room for a NUL at len). NULL at the end. */
char *fuzz_next_line(char *buf, size_t len, size_t *pos);
/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int fuzz_utf8_valid(const char *s, size_t n);

#endif
