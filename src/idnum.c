/* idnum.c: validation and normalisation of resident identity numbers (GB 11643-1999) and
 * mainland phone numbers, and the masked forms shown to low-privilege users (PIPL).
 * Everything here is reentrant: the only shared state is the list of address codes added
 * by configuration, which is written at start-up and only read afterwards. */
#if !defined _GNU_SOURCE && !defined _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* localtime_r */
#endif
#include "idnum.h"
#include "refdata.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Oldest birth date accepted: nobody alive was born earlier, and old data entry errors
 * (year 0001, 1000 ...) must not pass as real dates. */
#define IDNUM_MIN_BIRTH 18500101L

/* A resident ID is at least 15 characters; with 4 + 4 shown, anything shorter (passport
 * and permit numbers of 8-10 characters) would reveal nearly everything. */
#define MASK_ID_MIN_CHARS 15
#define MASK_PHONE_MIN_CHARS 11

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Locale-independent on purpose: isspace() may also match bytes inside UTF-8 sequences
 * under some locales, and is undefined for negative char values. */
static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Sets [*b, *e) to `in` without surrounding blanks. */
static void trim(const char *in, const char **b, const char **e)
{
    const char *s = in, *t;
    while (is_blank((unsigned char)*s))
        s++;
    t = s + strlen(s);
    while (t > s && is_blank((unsigned char)t[-1]))
        t--;
    *b = s;
    *e = t;
}

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int valid_date(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

/* `today` as YYYYMMDD. A missing or malformed argument is a caller bug; falling back to
 * the system clock still rejects future dates rather than letting everything through. */
static long today_ymd(const char *today)
{
    if (today && strlen(today) == 10 && today[4] == '-' && today[7] == '-') {
        int ok = 1;
        for (int i = 0; i < 10; i++)
            if (i != 4 && i != 7 && !is_digit((unsigned char)today[i]))
                ok = 0;
        if (ok) {
            int y = digits_value(today, 4), m = digits_value(today + 5, 2),
                d = digits_value(today + 8, 2);
            if (valid_date(y, m, d))
                return y * 10000L + m * 100L + d;
        }
    }
    time_t now = time(NULL);
    struct tm tm;
    if (now == (time_t)-1 || !localtime_r(&now, &tm))
        return 99991231L;
    return (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday;
}

/* Returns '\0' if `first17` does not start with 17 digits. */
char idnum_check_char(const char *first17)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char map[] = "10X98765432";
    int sum = 0;
    if (!first17)
        return '\0';
    for (int i = 0; i < 17; i++) {
        if (!is_digit((unsigned char)first17[i]))
            return '\0';
        sum += (first17[i] - '0') * weights[i];
    }
    return map[sum % 11];
}

/* ---- address codes ---- */

static int *added_codes;     /* sorted ascending, no duplicates */
static size_t added_count, added_cap;

static int cmp_int_code(const void *key, const void *elem)
{
    int a = *(const int *)key, b = *(const int *)elem;
    return (a > b) - (a < b);
}

static int cmp_gbt_code(const void *key, const void *elem)
{
    int a = *(const int *)key, b = ((const struct gbt2260_code *)elem)->code;
    return (a > b) - (a < b);
}

static int is_functional_zone(int code) { return code >= 410171 && code <= 410173; }

/* No way to report failure through the void interface: an invalid code, a functional zone
 * or an out-of-memory condition leaves the list unchanged, and the ID numbers concerned
 * keep being rejected, which is the safe side. */
void idnum_add_address_code(int code)
{
    if (code < 100000 || code > 999999 || is_functional_zone(code) || idnum_address_known(code))
        return;
    if (added_count == added_cap) {
        size_t cap = added_cap ? added_cap * 2 : 16;
        int *p = realloc(added_codes, cap * sizeof *p);
        if (!p)
            return;
        added_codes = p;
        added_cap = cap;
    }
    size_t i = added_count;
    while (i > 0 && added_codes[i - 1] > code) {
        added_codes[i] = added_codes[i - 1];
        i--;
    }
    added_codes[i] = code;
    added_count++;
}

int idnum_address_known(int code)
{
    /* The compiled list repeats a code once per name it has carried; bsearch lands on any. */
    if (bsearch(&code, gbt2260_codes, (size_t)gbt2260_codes_count, sizeof gbt2260_codes[0],
                cmp_gbt_code))
        return 1;
    return added_count > 0 &&
           bsearch(&code, added_codes, added_count, sizeof added_codes[0], cmp_int_code) != NULL;
}

/* ---- ID numbers ---- */

int idnum_parse(const char *in, const char *today, struct idnum_info *out)
{
    const char *s, *e;
    char num[19];
    if (!in)
        return IDNUM_EMPTY;
    trim(in, &s, &e);
    size_t n = (size_t)(e - s);
    if (n == 0)
        return IDNUM_EMPTY;
    if (n != 15 && n != 18)
        return IDNUM_LENGTH;

    if (n == 18) {
        for (int i = 0; i < 17; i++) {
            if (!is_digit((unsigned char)s[i]))
                return IDNUM_CHARS;
            num[i] = s[i];
        }
        char c = s[17] == 'x' ? 'X' : s[17];
        if (!is_digit((unsigned char)c) && c != 'X')
            return IDNUM_CHARS;
        num[17] = c;
        num[18] = '\0';
        if (idnum_check_char(num) != num[17])
            return IDNUM_CHECK;
    } else {
        for (int i = 0; i < 15; i++)
            if (!is_digit((unsigned char)s[i]))
                return IDNUM_CHARS;
        /* 15-digit numbers were issued 1984-1999 to people born in the 1900s. */
        memcpy(num, s, 6);
        num[6] = '1';
        num[7] = '9';
        memcpy(num + 8, s + 6, 9);
        num[17] = idnum_check_char(num);
        num[18] = '\0';
    }

    int y = digits_value(num + 6, 4), m = digits_value(num + 10, 2), d = digits_value(num + 12, 2);
    long birth = y * 10000L + m * 100L + d;
    if (!valid_date(y, m, d) || birth < IDNUM_MIN_BIRTH)
        return IDNUM_BIRTH_DATE;
    if (birth > today_ymd(today))
        return IDNUM_FUTURE;

    int addr = digits_value(num, 6);
    if (is_functional_zone(addr))
        return IDNUM_FUNCTIONAL_ZONE;
    if (!idnum_address_known(addr))
        return IDNUM_ADDRESS;

    if (out) {
        memcpy(out->number, num, sizeof out->number);
        memcpy(out->birth_date, num + 6, 4);
        out->birth_date[4] = '-';
        memcpy(out->birth_date + 5, num + 10, 2);
        out->birth_date[7] = '-';
        memcpy(out->birth_date + 8, num + 12, 2);
        out->birth_date[10] = '\0';
        out->gender = (num[16] - '0') % 2 ? 1 : 2;
        out->address_code = addr;
    }
    return IDNUM_OK;
}

/* ---- error texts ---- */

struct idnum_error_text {
    const char *code, *zh, *en;
};

/* Indexed by -result. */
static const struct idnum_error_text error_texts[] = {
    {"ok", "身份证号有效", "ID number is valid"},
    {"id_number_empty", "请填写身份证号", "ID number is missing"},
    {"id_number_length", "身份证号应为18位（旧版为15位）",
     "ID number must have 18 characters (15 for old cards)"},
    {"id_number_chars", "身份证号只能由数字组成，最后一位可以是X",
     "ID number may contain only digits, with X allowed as the last character"},
    {"id_number_check", "身份证号校验位错误", "ID number check character is wrong"},
    {"id_number_birth_date", "身份证号中的出生日期无效", "ID number contains an invalid birth date"},
    {"id_number_future", "身份证号中的出生日期晚于今天",
     "ID number contains a birth date in the future"},
    {"id_number_address", "身份证号中的地址码不存在",
     "ID number address code is not a known administrative division code"},
    {"id_number_functional_zone", "身份证号中的地址码是统计用功能区代码，不能作为户籍地址",
     "ID number address code is a statistical functional zone, never a registration address"},
};

static const struct idnum_error_text unknown_error = {"id_number_invalid", "身份证号无效",
                                                      "ID number is invalid"};

static const struct idnum_error_text *error_text(int result)
{
    if (result <= 0 && result > -(int)(sizeof error_texts / sizeof error_texts[0]))
        return &error_texts[-result];
    return &unknown_error;
}

const char *idnum_error_code(int result) { return error_text(result)->code; }
const char *idnum_error_zh(int result) { return error_text(result)->zh; }
const char *idnum_error_en(int result) { return error_text(result)->en; }

/* ---- phone numbers ---- */

int phone_normalize(const char *in, char *out, size_t outsz)
{
    char dig[24], nat[sizeof dig + 1];
    size_t n = 0, nn;
    int intl = 0, open = 0, closed = 0;
    const char *s, *e;

    if (out && outsz)
        out[0] = '\0';
    if (!in || !out || outsz == 0)
        return -1;
    trim(in, &s, &e);
    for (const char *p = s; p < e; p++) {
        char c = *p;
        if (is_digit((unsigned char)c)) {
            if (n + 1 >= sizeof dig)
                return -1;
            dig[n++] = c;
        } else if (c == ' ' || c == '-') {
            continue;
        } else if (c == '+' && p == s) {
            intl = 1;
        } else if (c == '(' && !open) {
            open = 1;
        } else if (c == ')' && open && !closed) {
            closed = 1;
        } else {
            return -1;
        }
    }
    if (open != closed)
        return -1;
    dig[n] = '\0';

    const char *rest = dig;
    if (intl) {
        if (strncmp(dig, "86", 2) != 0)
            return -1; /* only mainland numbers are handled */
        rest += 2;
    } else if (strncmp(dig, "0086", 4) == 0) {
        rest += 4;
        intl = 1;
    } else if (strncmp(dig, "86", 2) == 0) {
        /* No national number starts with 8 (landlines need the 0 of the area code). */
        rest += 2;
        intl = 1;
    }
    nn = strlen(rest);

    if (nn == 11 && rest[0] == '1' && rest[1] >= '3' && rest[1] <= '9') {
        if (outsz < 12)
            return -1;
        memcpy(out, rest, 12);
        return 0;
    }

    /* After a country code the trunk 0 of the area code is usually dropped. */
    if (intl && rest[0] != '0') {
        nat[0] = '0';
        memcpy(nat + 1, rest, nn + 1);
        nn++;
    } else {
        memcpy(nat, rest, nn + 1);
    }
    if (nn < 2 || nat[0] != '0')
        return -1;
    size_t area;
    if (nat[1] == '1')
        area = nat[2] == '0' ? 3 : 0; /* 010 is the only 01x area code */
    else if (nat[1] == '2')
        area = 3;
    else if (nat[1] >= '3' && nat[1] <= '9')
        area = 4;
    else
        area = 0;
    if (area == 0 || nn < area + 7 || nn > area + 8)
        return -1;
    if (outsz < nn + 2)
        return -1;
    memcpy(out, nat, area);
    out[area] = '-';
    memcpy(out + area + 1, nat + area, nn - area + 1);
    return 0;
}

/* ---- masking ---- */

/* Byte length of the UTF-8 character at p (*p != 0). A malformed sequence counts as one
 * byte per character so masking never swallows or splits anything. */
static size_t u8_char_len(const unsigned char *p)
{
    size_t len;
    if (p[0] < 0x80)
        return 1;
    else if ((p[0] & 0xE0) == 0xC0)
        len = 2;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4;
    else
        return 1;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 1;
    return len;
}

/* Appends whole pieces only, so a short buffer never holds half a character. Once something
 * did not fit nothing more is appended: the tail must not show up without what precedes it. */
struct outbuf {
    char *p;
    size_t size, pos;
    int full;
};

static void ob_put(struct outbuf *ob, const char *s, size_t n)
{
    if (ob->full || ob->pos + n >= ob->size) {
        ob->full = 1;
        return;
    }
    memcpy(ob->p + ob->pos, s, n);
    ob->pos += n;
    ob->p[ob->pos] = '\0';
}

static void ob_stars(struct outbuf *ob, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ob_put(ob, "*", 1);
}

/* Keeps `front` and `back` characters of [s, e) and stars every other one; fewer than
 * `min_chars` characters become all stars (at least one, so absence is not revealed). */
static void mask_range(const char *s, const char *e, size_t front, size_t back, size_t min_chars,
                       struct outbuf *ob)
{
    size_t count = 0;
    for (const char *p = s; p < e; p += u8_char_len((const unsigned char *)p))
        count++;
    if (count < min_chars || count < front + back + 1) {
        ob_stars(ob, count ? count : 1);
        return;
    }
    size_t i = 0;
    for (const char *p = s; p < e; i++) {
        size_t len = u8_char_len((const unsigned char *)p);
        if (i < front || i >= count - back)
            ob_put(ob, p, len);
        else
            ob_put(ob, "*", 1);
        p += len;
    }
}

static int ob_init(struct outbuf *ob, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return 0;
    out[0] = '\0';
    ob->p = out;
    ob->size = outsz;
    ob->pos = 0;
    ob->full = 0;
    return 1;
}

void mask_id_number(const char *in, char *out, size_t outsz)
{
    struct outbuf ob;
    const char *s, *e;
    if (!ob_init(&ob, out, outsz))
        return;
    trim(in ? in : "", &s, &e);
    mask_range(s, e, 4, 4, MASK_ID_MIN_CHARS, &ob);
}

void mask_phone(const char *in, char *out, size_t outsz)
{
    struct outbuf ob;
    const char *s, *e;
    char norm[24];
    if (!ob_init(&ob, out, outsz))
        return;
    if (in && phone_normalize(in, norm, sizeof norm) == 0) {
        const char *dash = strchr(norm, '-');
        if (dash) {
            /* The area code only says which city: keep it, hide all but the last 4. */
            size_t sub = strlen(dash + 1);
            ob_put(&ob, norm, (size_t)(dash - norm));
            ob_stars(&ob, sub - 4);
            ob_put(&ob, dash + 1 + sub - 4, 4);
        } else {
            mask_range(norm, norm + strlen(norm), 3, 4, MASK_PHONE_MIN_CHARS, &ob);
        }
        return;
    }
    trim(in ? in : "", &s, &e);
    mask_range(s, e, 3, 4, MASK_PHONE_MIN_CHARS, &ob);
}

void mask_name(const char *in, char *out, size_t outsz)
{
    struct outbuf ob;
    const char *s, *e;
    if (!ob_init(&ob, out, outsz))
        return;
    trim(in ? in : "", &s, &e);
    mask_range(s, e, 1, 0, 2, &ob);
}
