/* idnum.h: resident identity numbers (GB 11643-1999), phone numbers, and their masked forms.
 * Pure functions with no I/O: the registry calls them before anything is stored. */
#ifndef SHEQU_IDNUM_H
#define SHEQU_IDNUM_H
#include <stddef.h>

enum idnum_result {
    IDNUM_OK = 0,
    IDNUM_EMPTY = -1,        /* nothing given */
    IDNUM_LENGTH = -2,       /* not 15 or 18 characters */
    IDNUM_CHARS = -3,        /* a non-digit where a digit must be (X only as 18th) */
    IDNUM_CHECK = -4,        /* check character does not match */
    IDNUM_BIRTH_DATE = -5,   /* not a real calendar date, or before 1850 */
    IDNUM_FUTURE = -6,       /* birth date after today */
    IDNUM_ADDRESS = -7,      /* address code never in GB/T 2260 (nor added by configuration) */
    IDNUM_FUNCTIONAL_ZONE = -8 /* 410171-410173 and the like: statistical only, never an ID address */
};

struct idnum_info {
    char number[19];       /* normalised 18 characters, upper-case X */
    char birth_date[11];   /* YYYY-MM-DD */
    int gender;            /* 1 male (odd sequence), 2 female (even) - GB/T 2261.1 codes */
    int address_code;      /* six digits */
};

/* Validates and normalises `in` (trims spaces, accepts lower-case x, turns 15 digits into 18).
 * `today` is YYYY-MM-DD (the caller's clock, so tests are stable). Fills `out` on IDNUM_OK. */
int idnum_parse(const char *in, const char *today, struct idnum_info *out);

/* The check character for the first 17 digits: one of 1 0 X 9 8 7 6 5 4 3 2. */
char idnum_check_char(const char *first17);

/* Stable error code ("id_number_check") and messages for a result. */
const char *idnum_error_code(int result);
const char *idnum_error_zh(int result);
const char *idnum_error_en(int result);

/* Address codes created after 2019-04 are missing from the compiled list: a district adds them
 * by configuration. Not thread-safe: call at start-up only. */
void idnum_add_address_code(int code);
/* 1 if `code` is a known county-level address code (compiled list or added). */
int idnum_address_known(int code);

/* Phone numbers: mainland mobiles (11 digits, 1[3-9]...), landlines with area code
 * (0371-12345678, 037112345678), with +86 / 86 prefixes, spaces and dashes accepted.
 * Writes the normalised digits (landline keeps one dash after the area code). 0 or -1. */
int phone_normalize(const char *in, char *out, size_t outsz);

/* Masked display forms: 4101**********1234 (first 4, last 4) and 138****5678 (first 3, last 4);
 * anything too short to mask safely becomes all asterisks. Always NUL-terminates. */
void mask_id_number(const char *in, char *out, size_t outsz);
void mask_phone(const char *in, char *out, size_t outsz);
/* Masks a name for low-privilege views: 张** (keeps the first character). */
void mask_name(const char *in, char *out, size_t outsz);

#endif
