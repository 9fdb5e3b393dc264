/* fuzz_idnum.c: the ID-number parser and its neighbours in idnum.c - idnum_parse (GB 11643: 15
 * or 18 characters, check character, birth date, address code), phone_normalize and the three
 * masks. The input is the text itself; its first byte also picks the output size the masks get,
 * so short buffers are tried too.
 *
 * Oracles: an accepted number is 18 characters with a correct check character, a real birth
 * date no later than "today" that matches the number, a gender of 1 or 2 and a known address,
 * and parses again to the same result (normalising is idempotent); its 15-digit form, when it
 * has one, means the same person. A normalised phone parses again to itself. A mask always ends
 * within its buffer and shows no more characters than its rule keeps. */
#include "fuzz_util.h"
#include "idnum.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TODAY "2026-11-25"

static void fail(const char *what, const char *in) {
    fprintf(stderr, "fuzz_idnum: %s: \"%s\"\n", what, in);
    abort();
}

static void check_id(const char *in) {
    struct idnum_info info;
    memset(&info, 0x5a, sizeof info);
    int rc = idnum_parse(in, TODAY, &info);
    if (rc > 0 || rc < IDNUM_FUNCTIONAL_ZONE) fail("result out of range", in);
    if (!idnum_error_code(rc) || !idnum_error_zh(rc) || !idnum_error_en(rc)) fail("no message", in);
    if (rc != IDNUM_OK) return;
    if (strlen(info.number) != 18) fail("normalised length", in);
    for (int i = 0; i < 17; i++) if (info.number[i] < '0' || info.number[i] > '9') fail("normalised digits", in);
    if (idnum_check_char(info.number) != info.number[17]) fail("check character", in);
    char birth[11];
    snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", info.number + 6, info.number + 10, info.number + 12);
    if (strcmp(birth, info.birth_date) != 0) fail("birth date does not match the number", in);
    if (strcmp(info.birth_date, TODAY) > 0 || strcmp(info.birth_date, "1850-01-01") < 0) fail("birth date range", in);
    int seq = (info.number[16] - '0');
    if (info.gender != (seq % 2 ? 1 : 2)) fail("gender", in);
    if (info.address_code != atoi((char[7]){info.number[0], info.number[1], info.number[2], info.number[3],
                                            info.number[4], info.number[5], 0}) ||
        !idnum_address_known(info.address_code))
        fail("address code", in);
    struct idnum_info again;
    memset(&again, 0x5a, sizeof again);          /* the same padding bytes as info */
    if (idnum_parse(info.number, TODAY, &again) != IDNUM_OK || memcmp(&again, &info, sizeof again) != 0)
        fail("normalising is not idempotent", in);
    /* born in the 1900s: the old 15-digit form (no century, no check) is the same person */
    if (!strncmp(info.number + 6, "19", 2)) {
        char old[16];
        memcpy(old, info.number, 6);
        memcpy(old + 6, info.number + 8, 9);
        old[15] = 0;
        struct idnum_info from15;
        if (idnum_parse(old, TODAY, &from15) != IDNUM_OK || strcmp(from15.number, info.number) != 0)
            fail("15-digit form differs", in);
    }
}

static void check_phone(const char *in) {
    char out[32];
    memset(out, 'Z', sizeof out);
    if (phone_normalize(in, out, sizeof out) != 0) return;
    if (!memchr(out, 0, sizeof out)) fail("phone not terminated", in);
    char again[32];
    if (phone_normalize(out, again, sizeof again) != 0 || strcmp(again, out) != 0) fail("phone not idempotent", in);
    for (const char *p = out; *p; p++) if ((*p < '0' || *p > '9') && *p != '-') fail("phone characters", in);
}

/* keep: characters a mask may show (front + back); a character is at most 4 bytes */
static void check_mask(void (*mask)(const char *, char *, size_t), const char *in, size_t outsz, size_t keep) {
    char out[257];
    memset(out, 'Z', sizeof out);
    mask(in, out, outsz);
    if (outsz == 0) { if (out[0] != 'Z') fail("mask wrote into an empty buffer", in); return; }
    if (!memchr(out, 0, outsz)) fail("mask not terminated within its buffer", in);
    if (out[outsz] != 'Z') fail("mask wrote past its buffer", in);
    size_t shown = 0;
    for (const char *p = out; *p; p++) shown += *p != '*';
    if (shown > 4 * keep) fail("mask shows too much", in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > 4096) return 0;
    char *in = fuzz_text(data, size);
    check_id(in);
    check_phone(in);
    size_t outsz = (size_t)(data[0] % 64);
    check_mask(mask_id_number, in, outsz, 8);
    check_mask(mask_phone, in, outsz, 7);
    check_mask(mask_name, in, outsz, 1);
    check_mask(mask_id_number, in, 256, 8);
    free(in);
    return 0;
}
