/* demo_data.c: synthetic residents, households and place names for the demo district.
 *
 * Birth date and ID sequence come from the caller's salt, not from the RNG: the salt is spread over
 * [0, 2^64) by a golden-ratio (Weyl) step and read as a quantile of the age pyramid, refined down to
 * one (birth date, sequence) slot. Golden-ratio points never lie closer than about 0.4/N for N
 * salts, and no slot is wider than about 9e-8, so distinct salts give distinct ID numbers for about
 * five million salts per address code with no table of issued numbers. It also makes the age
 * pyramid come out almost exactly on any run of consecutive salts. Everything else (gender, name,
 * phone prefix, tags, migrant origin) comes from the RNG. */
#include "demo_data.h"

#include <stdio.h>
#include <string.h>

typedef unsigned __int128 u128;

/* ------------------------------------------------------------------------------------------------
 * xoshiro256** seeded through splitmix64 (the seeding its authors recommend: a zero state is
 * impossible in practice and nearby seeds give unrelated streams). */

static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void demo_rng_seed(struct demo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t demo_rng_next(struct demo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* Uniform in [0, n), n >= 1: multiply-shift with rejection of the short first interval, so there is
 * no modulo bias and usually no second draw. */
static uint64_t rng_below(struct demo_rng *r, uint64_t n)
{
    u128 m = (u128)demo_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (u128)demo_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int demo_rng_int(struct demo_rng *r, int lo, int hi)
{
    if (hi <= lo) return lo;
    uint64_t n = (uint64_t)((int64_t)hi - lo) + 1;
    return (int)((int64_t)lo + (int64_t)rng_below(r, n));
}

double demo_rng_unit(struct demo_rng *r) { return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53; }

static inline int chance(struct demo_rng *r, double p) { return demo_rng_unit(r) < p; }

/* ------------------------------------------------------------------------------------------------
 * Calendar: days since 1970-01-01, valid for years 1..9999. */

struct today { int y, m, d; };

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_len(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

static const int days_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

static int leaps_through(int y) { return y / 4 - y / 100 + y / 400; } /* leap years in 1..y */

static int32_t days_from_ymd(int y, int m, int d)
{
    int32_t days = 365 * (int32_t)(y - 1970) + leaps_through(y - 1) - leaps_through(1969);
    days += days_before_month[m - 1] + (m > 2 && is_leap(y)) + d - 1;
    return days;
}

static void ymd_from_days(int32_t z, int *yy, int *mm, int *dd)
{
    /* 146097 days per 400 years; the estimate is off by at most one year either way */
    int64_t q = (int64_t)z * 400;
    int y = 1970 + (int)(q >= 0 ? q / 146097 : -((-q + 146096) / 146097));
    while (days_from_ymd(y, 1, 1) > z) y--;
    while (days_from_ymd(y + 1, 1, 1) <= z) y++;
    int doy = (int)(z - days_from_ymd(y, 1, 1));
    int leap = is_leap(y), m = 12;
    while (m > 1 && doy < days_before_month[m - 1] + (m > 2 && leap)) m--;
    *yy = y;
    *mm = m;
    *dd = doy - days_before_month[m - 1] - (m > 2 && leap) + 1;
}

/* A bad or missing `today` falls back to a fixed date rather than the clock: output stays
 * deterministic. */
static void parse_today(const char *s, struct today *t)
{
    t->y = 2026, t->m = 1, t->d = 1;
    if (!s) return;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-') return;
        } else if (s[i] < '0' || s[i] > '9') {
            return;
        }
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_len(y, m)) return;
    t->y = y, t->m = m, t->d = d;
}

/* The last day on which someone is `years` old or older: `years` before today, with 29 February
 * falling back to the 28th in common years so that it agrees with age_on(). */
static int32_t anniversary(const struct today *t, int years)
{
    int y = t->y - years, d = t->d;
    if (t->m == 2 && d == 29 && !is_leap(y)) d = 28;
    return days_from_ymd(y, t->m, d);
}

static int age_on(const struct today *t, int by, int bm, int bd)
{
    return t->y - by - (t->m < bm || (t->m == bm && t->d < bd));
}

/* ------------------------------------------------------------------------------------------------
 * Age pyramid, parts per million by age band: Henan's 2020 census shape (about 20% aged 60+,
 * 13.5% 65+, 2% 80+), with Zhengzhou's bulge of working-age adults. The 1986-90 birth boom makes
 * 30-34 the largest band; the 1959-61 famine makes 60-64 smaller than 55-59. The last band is
 * 100-102 so centenarians stay rare (about 2 per 100,000). */

#define SEQ_PER_DAY 499 /* sequence numbers 001-997 odd (men) and 002-998 even (women) */
#define MAX_AGE 102     /* oldest age produced */

static const struct { int lo, hi; uint32_t ppm; } age_bands[] = {
    {0, 5, 55000},   {5, 10, 65000},  {10, 15, 63000}, {15, 20, 56000}, {20, 25, 54000},
    {25, 30, 64000}, {30, 35, 83000}, {35, 40, 68000}, {40, 45, 62000}, {45, 50, 76000},
    {50, 55, 80000}, {55, 60, 74000}, {60, 65, 65000}, {65, 70, 50000}, {70, 75, 36000},
    {75, 80, 29000}, {80, 85, 12000}, {85, 90, 5800},  {90, 95, 1900},  {95, 100, 280},
    {100, MAX_AGE + 1, 20},
};
#define N_BANDS ((int)(sizeof age_bands / sizeof age_bands[0]))
#define PPM_SCALE (UINT64_MAX / 1000000u)

/* Band b covers quantiles [start, start + mass); the last band takes the rounding remainder up to
 * 2^64, so its mass is computed modulo 2^64. */
struct band_span { int b; uint64_t start, mass; };

static struct band_span band_of_quantile(uint64_t u)
{
    struct band_span s = {0, 0, 0};
    uint64_t start = 0;
    for (int b = 0; b < N_BANDS; b++) {
        uint64_t mass = b == N_BANDS - 1 ? 0 - start : age_bands[b].ppm * PPM_SCALE;
        if (b == N_BANDS - 1 || u - start < mass) {
            s.b = b, s.start = start, s.mass = mass;
            break;
        }
        start += mass;
    }
    return s;
}

static struct band_span band_of_age(int age)
{
    struct band_span s = {0, 0, 0};
    uint64_t start = 0;
    for (int b = 0; b < N_BANDS; b++) {
        uint64_t mass = b == N_BANDS - 1 ? 0 - start : age_bands[b].ppm * PPM_SCALE;
        if (b == N_BANDS - 1 || age < age_bands[b].hi) {
            s.b = b, s.start = start, s.mass = mass;
            break;
        }
        start += mass;
    }
    return s;
}

/* Golden-ratio step: consecutive salts land far apart and never close together. The offset keeps
 * salt 0 from being a baby born today. */
static inline uint64_t salt_quantile(uint32_t salt)
{
    return (uint64_t)salt * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
}

struct birth { int y, m, d, age, seq_index; };

/* Within a band, quantiles run from the youngest slot (born on the band's last day, sequence index
 * 0) to the oldest, so quantile order is age order and an age window is one quantile interval. */
static void birth_from_salt(const struct today *t, uint32_t salt, struct birth *out)
{
    uint64_t u = salt_quantile(salt);
    struct band_span s = band_of_quantile(u);
    int32_t newest = anniversary(t, age_bands[s.b].lo);
    int32_t oldest = anniversary(t, age_bands[s.b].hi) + 1;
    uint64_t nslots = (uint64_t)(newest - oldest + 1) * SEQ_PER_DAY;
    uint64_t k = (uint64_t)(((u128)(u - s.start) * nslots) / s.mass);
    if (k >= nslots) k = nslots - 1; /* cannot happen: u - start < mass */
    ymd_from_days(newest - (int32_t)(k / SEQ_PER_DAY), &out->y, &out->m, &out->d);
    out->seq_index = (int)(k % SEQ_PER_DAY);
    out->age = age_on(t, out->y, out->m, out->d);
}

/* First quantile at which people are `age` or older (exact: slot boundaries are matched, so a salt
 * is in [q(a), q(b)) exactly when its birth date gives an age in [a, b)). */
static uint64_t quantile_of_age(const struct today *t, int age)
{
    struct band_span s = band_of_age(age);
    int32_t newest = anniversary(t, age_bands[s.b].lo);
    int32_t oldest = anniversary(t, age_bands[s.b].hi) + 1;
    uint64_t nslots = (uint64_t)(newest - oldest + 1) * SEQ_PER_DAY;
    uint64_t kb = (uint64_t)(newest - anniversary(t, age)) * SEQ_PER_DAY;
    return s.start + (uint64_t)(((u128)kb * s.mass + nslots - 1) / nslots);
}

/* The salts whose birth dates give ages amin..amax: one interval of quantiles (modulo 2^64). */
struct age_window { uint64_t lo, span; int all; };

static struct age_window age_window(const struct today *t, int amin, int amax)
{
    struct age_window w;
    if (amin < 0) amin = 0;
    if (amax > MAX_AGE) amax = MAX_AGE;
    if (amin > amax) amin = amax;
    w.lo = quantile_of_age(t, amin);
    /* an upper bound past the oldest age is 2^64, i.e. 0 modulo 2^64 */
    w.span = (amax >= MAX_AGE ? 0 : quantile_of_age(t, amax + 1)) - w.lo;
    w.all = amin == 0 && amax >= MAX_AGE;
    return w;
}

static inline int in_window(const struct age_window *w, uint32_t salt)
{
    return w->all || salt_quantile(salt) - w->lo < w->span;
}

/* ------------------------------------------------------------------------------------------------
 * Names. Surname weights per 100,000, Henan-leaning (王 李 张 刘 lead by more than nationally;
 * southern names such as 黄 林 梁 罗 are rarer; 郭 孙 马 宋 贾 闫 常 牛 are more common). */

#define SURNAMES(X)                                                                                 \
    X("王", 8800) X("李", 8400) X("张", 8000) X("刘", 6300) X("陈", 3800) X("杨", 3300)            \
    X("赵", 3000) X("郭", 2100) X("周", 1900) X("马", 1800) X("孙", 1700) X("高", 1700)            \
    X("吴", 1500) X("朱", 1500) X("徐", 1400) X("黄", 1300) X("胡", 1300) X("郑", 1300)            \
    X("宋", 1300) X("韩", 1200) X("冯", 1100) X("梁", 1000) X("许", 1000) X("曹", 1000)            \
    X("田", 900) X("董", 900) X("魏", 900) X("何", 800) X("杜", 800) X("吕", 800) X("任", 800)     \
    X("贾", 800) X("谢", 700) X("袁", 700) X("于", 700) X("程", 700) X("崔", 700) X("范", 700)     \
    X("付", 700) X("孟", 700) X("闫", 700) X("武", 700) X("罗", 600) X("唐", 600) X("邓", 600)     \
    X("蔡", 600) X("苏", 600) X("丁", 600) X("姚", 600) X("姜", 600) X("石", 600) X("秦", 600)     \
    X("侯", 600) X("史", 600) X("常", 600) X("林", 500) X("彭", 500) X("肖", 500) X("蒋", 500)     \
    X("卢", 500) X("白", 500) X("薛", 500) X("段", 500) X("郝", 500) X("牛", 500) X("潘", 400)     \
    X("余", 400) X("叶", 400) X("沈", 400) X("夏", 400) X("尹", 400) X("雷", 400) X("贺", 400)     \
    X("申", 300) X("岳", 300) X("樊", 300) X("翟", 300) X("陆", 300) X("汪", 300) X("金", 300)     \
    X("方", 300) X("邱", 300) X("江", 300) X("陶", 300) X("毛", 300) X("邵", 300) X("万", 300)     \
    X("孔", 300) X("曾", 200) X("钟", 200) X("谭", 200) X("邹", 200) X("熊", 200) X("顾", 200)     \
    X("钱", 200) X("严", 200) X("戴", 200) X("汤", 200) X("廖", 150) X("韦", 150) X("龚", 150)     \
    X("龙", 100) X("黎", 100) X("莫", 100) X("向", 100) X("覃", 30)

#define SURNAME_ENTRY(s, w) {s, w},
#define SURNAME_WEIGHT(s, w) +(w)
static const struct { const char *s; uint32_t w; } surnames[] = {SURNAMES(SURNAME_ENTRY)};
enum { SURNAME_TOTAL = 0 SURNAMES(SURNAME_WEIGHT) };
#define N_SURNAMES ((int)(sizeof surnames / sizeof surnames[0]))

/* Given names by birth cohort: before 1960 the names of the founding years (建国 援朝 秀英 桂兰),
 * 1960-79 revolutionary and plain ones (卫东 红梅), 1980-99 single characters and doubled
 * characters (磊 婷婷), from 2000 the literary style (浩然 梓萱). */
#define POOL(name, ...) static const char *const name[] = {__VA_ARGS__}
POOL(m0_1, "文", "军", "明", "华", "林", "山", "海", "勇", "忠", "成", "贵", "福", "民", "生", "祥",
     "荣", "顺", "泉", "奎", "义");
POOL(m0_2, "建国", "国强", "保国", "国庆", "建华", "振华", "志刚", "德明", "德胜", "长江", "永福",
     "永祥", "金山", "玉林", "树森", "春生", "福生", "有福", "保华", "建设", "援朝", "国华", "文明",
     "广才", "福林", "宝山", "全喜", "根生", "长林", "树林", "玉山", "金生", "有才", "学文",
     "庆云", "俊山", "振江", "富贵");
POOL(f0_1, "英", "兰", "珍", "芳", "梅", "华", "凤", "荣", "霞", "琴", "娥", "秀");
POOL(f0_2, "秀英", "桂兰", "玉兰", "凤英", "秀兰", "桂英", "玉珍", "淑珍", "秀珍", "玉梅", "桂芝",
     "凤兰", "素珍", "兰英", "玉英", "秀云", "春花", "桂花", "翠兰", "爱英", "淑英", "素梅", "金凤",
     "玉芝", "秀荣", "桂荣", "凤芝", "改英", "玉荣", "秀芝", "爱兰", "秀芳");
POOL(m1_1, "伟", "勇", "军", "强", "刚", "斌", "涛", "鹏", "东", "明", "波", "辉", "杰", "峰", "平",
     "亮", "林");
POOL(m1_2, "卫东", "卫国", "红军", "建军", "建平", "建伟", "向东", "志强", "志伟", "海涛", "永刚",
     "红伟", "国伟", "建新", "晓东", "学军", "新民", "建民", "国栋", "东升", "立新", "宏伟",
     "振国", "红旗");
POOL(f1_1, "丽", "艳", "红", "霞", "燕", "敏", "静", "娟", "萍", "芳", "英", "玲");
POOL(f1_2, "红梅", "丽娟", "秀梅", "玉霞", "艳红", "红霞", "丽萍", "晓燕", "春燕", "桂香", "秀丽",
     "海燕", "爱华", "丽华", "美玲", "彩霞", "红艳", "小红", "素芳", "秀娟", "建红", "卫红", "玉红",
     "爱玲");
POOL(m2_1, "磊", "鹏", "超", "杰", "亮", "帅", "鑫", "飞", "龙", "阳", "斌", "旭", "坤", "凯", "晨",
     "浩", "伟", "涛", "强");
POOL(m2_2, "俊杰", "志鹏", "晓东", "晓飞", "亚飞", "建伟", "文涛", "海涛", "晓明", "海洋", "振宇",
     "鹏飞", "志勇", "永强", "亚伟", "红亮", "春雷", "晓龙", "文博", "家豪", "俊峰", "明辉",
     "晓磊", "浩然");
POOL(f2_1, "静", "丽", "娜", "婷", "敏", "燕", "洁", "倩", "雪", "琳", "晶", "颖", "佳", "莹", "丹");
POOL(f2_2, "亚楠", "丹丹", "婷婷", "佳佳", "倩倩", "莉莉", "晓燕", "文静", "雅琪", "梦瑶", "晶晶",
     "欢欢", "晓丽", "雪梅", "慧敏", "佳琪", "思雨", "晓雪", "亚丽", "艳艳");
POOL(m3_1, "浩", "宇", "轩", "博", "辰", "泽", "睿", "航", "豪", "昊", "铭");
POOL(m3_2, "浩然", "宇轩", "子轩", "梓豪", "俊熙", "一诺", "浩宇", "皓轩", "子墨", "宇航", "博文",
     "梓睿", "沐辰", "奕辰", "子豪", "宇辰", "铭轩", "俊宇", "子涵", "明哲", "天佑", "睿泽");
POOL(f3_1, "怡", "萱", "涵", "彤", "琪", "瑶", "悦", "妍");
POOL(f3_2, "子涵", "梓萱", "欣怡", "雨涵", "可馨", "思彤", "诗涵", "一诺", "梓涵", "雨桐", "紫涵",
     "欣妍", "若汐", "语桐", "佳怡", "梦琪", "雨欣", "依诺", "心怡", "诗琪", "悦彤");

struct pool { const char *const *v; int n; };
#define P(a) {a, (int)(sizeof a / sizeof a[0])}
/* [cohort][0 male, 1 female][0 single, 1 double] */
static const struct pool given_pools[4][2][2] = {
    {{P(m0_1), P(m0_2)}, {P(f0_1), P(f0_2)}},
    {{P(m1_1), P(m1_2)}, {P(f1_1), P(f1_2)}},
    {{P(m2_1), P(m2_2)}, {P(f2_1), P(f2_2)}},
    {{P(m3_1), P(m3_2)}, {P(f3_1), P(f3_2)}},
};
/* share of one-character given names by cohort; about 30% over the pyramid */
static const double single_share[4] = {0.30, 0.35, 0.40, 0.15};

/* Combinations that read as a joke or an insult (杨伟 ~ 阳痿, 范建 ~ 犯贱, 史珍香, 秦寿 ~ 禽兽,
 * 吴德 ~ 无德) or are the names of national leaders: drawn again. A trailing '*' matches any
 * given name starting with the rest. */
static const struct { const char *sur, *given; } avoided_names[] = {
    {"杨", "伟"}, {"吴", "德"}, {"吴", "仁"}, {"范", "建*"}, {"范", "统"}, {"史", "珍*"},
    {"秦", "寿"}, {"朱", "逸*"}, {"杜", "子腾"}, {"胡", "来"}, {"朱", "德"}, {"李", "鹏"},
    {"李", "强"}, {"韩", "正"}, {"毛", "泽*"}, {"贾", "正*"},
};

static int name_avoided(const char *sur, const char *given)
{
    for (size_t i = 0; i < sizeof avoided_names / sizeof avoided_names[0]; i++) {
        if (memcmp(avoided_names[i].sur, sur, 3) != 0) continue; /* every surname is one 3-byte character */
        const char *g = avoided_names[i].given;
        size_t n = strlen(g);
        if (g[n - 1] == '*' ? strncmp(g, given, n - 1) == 0 : strcmp(g, given) == 0) return 1;
    }
    return 0;
}

static int cohort_of(int birth_year)
{
    return birth_year < 1960 ? 0 : birth_year < 1980 ? 1 : birth_year < 2000 ? 2 : 3;
}

static const char *random_surname(struct demo_rng *r)
{
    uint32_t x = (uint32_t)rng_below(r, SURNAME_TOTAL);
    int i = 0;
    while (i < N_SURNAMES - 1 && x >= surnames[i].w) x -= surnames[i++].w;
    return surnames[i].s;
}

/* `sur` NULL draws a surname; returns the surname used (children take a parent's). */
static const char *make_name(struct demo_rng *r, const char *sur, int gender, int birth_year, char *out,
                             size_t outsz)
{
    if (!sur) sur = random_surname(r);
    int c = cohort_of(birth_year);
    const char *given = NULL;
    for (int tries = 0; tries < 8; tries++) {
        const struct pool *p = &given_pools[c][gender == 2][!chance(r, single_share[c])];
        given = p->v[rng_below(r, (uint64_t)p->n)];
        if (!name_avoided(sur, given)) break;
    }
    size_t ls = strlen(sur), lg = strlen(given);
    if (ls + lg + 1 > outsz) lg = 0;
    memcpy(out, sur, ls);
    memcpy(out + ls, given, lg);
    out[ls + lg] = '\0';
    return sur;
}

/* ------------------------------------------------------------------------------------------------
 * ID numbers and phones. */

/* Origins of people registered elsewhere: Zhengzhou's other districts and counties first (people
 * move within the city), then Henan's populous rural counties, which send most migrant workers. */
static const int other_codes[] = {
    410102, 410103, 410104, 410105, 410106, 410108, 410122, 410181, 410182, 410183, 410184, 410185,
    410102, 410103, 410104, 410122, 410184, /* listed twice: the nearest are the most common */
    411002, 410302, 410221, 410225, 410327, 410329, 410423, 410482, 410526, 410621, 410724, 410825,
    410923, 411081, 411122, 411224, 411323, 411327, 411381, 411421, 411422, 411425, 411503, 411524,
    411526, 411621, 411623, 411625, 411628, 411681, 411721, 411722, 411723,
};

static int other_code(struct demo_rng *r, int local)
{
    const int n = (int)(sizeof other_codes / sizeof other_codes[0]);
    int i = (int)rng_below(r, (uint64_t)n);
    if (other_codes[i] == local) i = (i + 1) % n;
    if (other_codes[i] == local) i = (i + 1) % n;
    return other_codes[i];
}

static void put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static void make_id_number(int code, const struct birth *b, int gender, char out[19])
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    /* 410171-410173 are statistical zones that never issue ID numbers; like a malformed code they
     * fall back to Jinshui's */
    if (code < 110000 || code > 999999 || (code >= 410171 && code <= 410173)) code = 410105;
    put_digits(out, (unsigned)code, 6);
    put_digits(out + 6, (unsigned)b->y, 4);
    put_digits(out + 10, (unsigned)b->m, 2);
    put_digits(out + 12, (unsigned)b->d, 2);
    put_digits(out + 14, (unsigned)(2 * b->seq_index + (gender == 1 ? 1 : 2)), 3);
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (out[i] - '0') * weight[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

/* Mobile prefixes, weighted roughly by how many numbers each carrier has issued in Henan (China
 * Mobile most); 170/171 virtual operators and 173-178 are rare. */
#define PHONE_PREFIXES(X)                                                                          \
    X(139, 8) X(138, 8) X(137, 6) X(136, 6) X(135, 6) X(134, 4) X(150, 6) X(151, 5) X(152, 4)      \
    X(157, 3) X(158, 6) X(159, 6) X(182, 4) X(183, 4) X(184, 1) X(187, 5) X(188, 4) X(198, 2)      \
    X(178, 1) X(130, 5) X(131, 5) X(132, 4) X(155, 4) X(156, 4) X(185, 4) X(186, 6) X(166, 2)      \
    X(176, 1) X(175, 1) X(133, 4) X(153, 3) X(180, 3) X(181, 3) X(189, 5) X(177, 1) X(173, 1)      \
    X(199, 2) X(191, 2) X(170, 1) X(171, 1)
#define PREFIX_ENTRY(p, w) {p, w},
#define PREFIX_WEIGHT(p, w) +(w)
static const struct { int prefix, w; } phone_prefixes[] = {PHONE_PREFIXES(PREFIX_ENTRY)};
enum { PHONE_PREFIX_TOTAL = 0 PHONE_PREFIXES(PREFIX_WEIGHT) };

/* The last eight digits are a keyed permutation (four Feistel rounds on two 4-digit halves) of the
 * salt, so two persons share a number only if their salts agree modulo 10^8 and the prefixes match:
 * never within one run, yet the digits look random. */
static uint32_t phone_tail(uint32_t salt)
{
    static const uint32_t key[4] = {0x3C6EF372u, 0xA54FF53Au, 0x510E527Fu, 0x9B05688Cu};
    uint32_t x = salt % 100000000u, left = x / 10000, right = x % 10000;
    for (int i = 0; i < 4; i++) {
        uint32_t f = (((right ^ key[i]) * 2654435761u) >> 13) % 10000;
        uint32_t next_right = (left + f) % 10000;
        left = right;
        right = next_right;
    }
    return left * 10000 + right;
}

static void make_phone(struct demo_rng *r, uint32_t salt, char out[16])
{
    int x = (int)rng_below(r, PHONE_PREFIX_TOTAL), i = 0;
    while (x >= phone_prefixes[i].w) x -= phone_prefixes[i++].w;
    put_digits(out, (unsigned)phone_prefixes[i].prefix, 3);
    put_digits(out + 3, phone_tail(salt), 8);
    out[11] = '\0';
}

/* ------------------------------------------------------------------------------------------------
 * Persons. */

/* Tag codes of the `person_tag` dictionary. Tags are compared by address: only these are used. */
static const char TAG_DIBAO[] = "dibao", TAG_TEKUN[] = "tekun", TAG_DISABLED[] = "disabled",
                  TAG_UNEMPLOYED[] = "unemployed", TAG_SANITATION[] = "sanitation_worker",
                  TAG_STUDENT[] = "student", TAG_VETERAN[] = "veteran", TAG_PARTY[] = "party_member",
                  TAG_EMPTY_NEST[] = "empty_nest", TAG_ALONE[] = "living_alone", TAG_MIGRANT[] = "migrant";

static void add_tag(struct demo_person *p, const char *tag)
{
    for (int i = 0; i < p->ntags; i++)
        if (p->tags[i] == tag) return;
    if (p->ntags < DEMO_MAX_TAGS) p->tags[p->ntags++] = tag;
}

/* Men outnumber women slightly up to middle age; women outlive men. */
static int random_gender(struct demo_rng *r, int age)
{
    double male = age < 60 ? 0.515 : age < 80 ? 0.49 : age < 90 ? 0.42 : 0.33;
    return chance(r, male) ? 1 : 2;
}

/* Rises with age; about 4% overall (China's 2006 disability survey: 6.3% incl. mild cases). */
static double disability_rate(int age)
{
    if (age < 18) return 0.008;
    if (age < 45) return 0.025;
    if (age < 60) return 0.05;
    if (age < 70) return 0.07;
    if (age < 80) return 0.10;
    return 0.16;
}

static double student_rate(int age)
{
    return age < 6 ? 0 : age <= 15 ? 0.99 : age <= 18 ? 0.90 : age <= 22 ? 0.55 : 0;
}

/* Tags that belong to the person alone. Family-level tags (dibao, tekun, migrant, empty_nest,
 * living_alone) are added by the caller: by demo_person_make at population rates, by
 * demo_household_make from the household's make-up. */
static void personal_tags(struct demo_rng *r, struct demo_person *p)
{
    int a = p->age;
    if (chance(r, disability_rate(a))) add_tag(p, TAG_DISABLED);
    int student = chance(r, student_rate(a));
    if (student) {
        add_tag(p, TAG_STUDENT);
    } else if (a >= 18 && a <= 59 && chance(r, 0.03)) {
        add_tag(p, TAG_UNEMPLOYED);
    } else if (a >= 25 && a <= 60 && chance(r, 0.003)) {
        add_tag(p, TAG_SANITATION);
    }
    if (p->gender == 1 && a >= 25 && chance(r, 0.02)) add_tag(p, TAG_VETERAN);
    if (a >= 18 && chance(r, a < 35 ? 0.05 : a < 60 ? 0.07 : 0.09)) add_tag(p, TAG_PARTY);
}

static int has_tag(const struct demo_person *p, const char *tag)
{
    for (int i = 0; i < p->ntags; i++)
        if (p->tags[i] == tag) return 1;
    return 0;
}

static const char *fill_person(struct demo_rng *r, const struct birth *b, int gender, int code,
                               const char *surname, uint32_t salt, struct demo_person *out)
{
    memset(out, 0, sizeof *out);
    out->gender = gender;
    out->age = b->age;
    surname = make_name(r, surname, gender, b->y, out->name, sizeof out->name);
    make_id_number(code, b, gender, out->id_number);
    put_digits(out->birth_date, (unsigned)b->y, 4);
    out->birth_date[4] = '-';
    put_digits(out->birth_date + 5, (unsigned)b->m, 2);
    out->birth_date[7] = '-';
    put_digits(out->birth_date + 8, (unsigned)b->d, 2);
    out->birth_date[10] = '\0';
    if (b->age >= 10) make_phone(r, salt, out->phone);
    personal_tags(r, out);
    return surname;
}

/* About 12% of 18-50 year-olds are migrants, 70% of whom keep their home county's ID code; 4.4% of
 * everyone else was also first registered elsewhere. Together about 8% non-local codes. */
#define MIGRANT_RATE 0.12
#define MIGRANT_OTHER_CODE 0.70
#define RESIDENT_OTHER_CODE 0.044

void demo_person_make(struct demo_rng *r, int address_code, const char *today, uint32_t seq_salt,
                      struct demo_person *out)
{
    struct today t;
    struct birth b;
    parse_today(today, &t);
    birth_from_salt(&t, seq_salt, &b);
    int gender = random_gender(r, b.age);
    int migrant = b.age >= 18 && b.age <= 50 && chance(r, MIGRANT_RATE);
    int code = chance(r, migrant ? MIGRANT_OTHER_CODE : RESIDENT_OTHER_CODE)
                   ? other_code(r, address_code) : address_code;
    fill_person(r, &b, gender, code, NULL, seq_salt, out);

    /* Dibao and tekun exclude each other (tekun is the fuller support for those with no family). */
    int a = b.age, disabled = has_tag(out, TAG_DISABLED);
    if (chance(r, a >= 60 ? 0.011 : disabled ? 0.01 : 0)) {
        add_tag(out, TAG_TEKUN);
    } else if (chance(r, (a >= 60 ? 0.035 : 0.02) * (disabled ? 3 : 1))) {
        add_tag(out, TAG_DIBAO);
    }
    if (migrant) add_tag(out, TAG_MIGRANT);
    /* Living alone implies an empty nest; 10% of 65+ live alone and 25% of 60+ are empty-nest. */
    if (a >= 65 && chance(r, 0.10)) {
        add_tag(out, TAG_EMPTY_NEST);
        add_tag(out, TAG_ALONE);
    } else if (a >= 60 && chance(r, 0.196)) {
        add_tag(out, TAG_EMPTY_NEST);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Households. A template lists members after the head: P spouse, C child, A parent of the head
 * (a second A is that parent's spouse), B sibling, O a child's spouse (relation "other"),
 * G grandchild. */

struct household_template { const char *members; int weight; };
static const struct household_template templates_by_size[6][5] = { /* NULL-terminated rows */
    {{"S", 100}},
    {{"SP", 65}, {"SC", 20}, {"SA", 10}, {"SB", 5}},
    {{"SPC", 75}, {"SPA", 12}, {"SCC", 8}, {"SCG", 5}},
    {{"SPCC", 55}, {"SPCA", 30}, {"SPCG", 15}},
    {{"SPCAA", 35}, {"SPCCA", 30}, {"SPCOG", 35}},
    {{"SPCCAA", 50}, {"SPCOGG", 50}},
};
/* 1: 20%, 2: 30%, 3: 27%, 4: 13%, 5: 7%, 6: 3%: roughly the 2020 census shape, with more
 * two-person households (empty-nest couples) than the national figures */
static const int size_weights[6] = {20, 30, 27, 13, 7, 3};

struct hh {
    struct demo_rng *r;
    const struct today *t;
    int local_code, origin_code, migrant, single;
    uint32_t base, next;    /* first salt offered; one past the last salt taken */
    uint32_t used[6];
    struct demo_household *out;
    const char *surname[6];
};

/* A member's salt: the first not yet taken, counting from the household's first salt, whose birth
 * date fits the member's age range. Members placed after a narrow search (a spouse within five
 * years) mostly find their salt among those it skipped, so the household wastes fewer salts; the
 * skipped ones below the last taken are never used by anyone, which keeps ID numbers unique. */
static uint32_t take_salt(struct hh *h, int amin, int amax)
{
    struct age_window w = age_window(h->t, amin, amax);
    int n = h->out->size;
    uint32_t s = h->base;
    for (uint32_t tries = 0; tries < (1u << 24); tries++, s++) {
        int taken = 0;
        for (int i = 0; i < n && !taken; i++) taken = h->used[i] == s;
        if (!taken && in_window(&w, s)) break;
    }
    /* (if no salt fit, which a window of at least one year cannot cause, the last one is used) */
    h->used[n] = s;
    if (s - h->base >= h->next - h->base) h->next = s + 1;
    return s;
}

static int member_code(struct hh *h, int age)
{
    /* children of migrants are often registered where they were born */
    if (h->migrant) return age < 18 && chance(h->r, 0.5) ? h->local_code : h->origin_code;
    return chance(h->r, RESIDENT_OTHER_CODE) ? other_code(h->r, h->local_code) : h->local_code;
}

/* Adds a member aged amin..amax. gender 0 means drawn by age; -1 (the head) means drawn as heads
 * of registers are: mostly the husband, but mostly women among elders who live alone. surname NULL
 * draws one. Returns the new member's index. */
static int add_member(struct hh *h, const char *relation, int amin, int amax, int gender,
                      const char *surname)
{
    struct demo_household *o = h->out;
    uint32_t s = take_salt(h, amin, amax);
    struct birth b;
    birth_from_salt(h->t, s, &b);
    if (gender == -1) gender = chance(h->r, !h->single ? 0.72 : b.age >= 60 ? 0.35 : 0.58) ? 1 : 2;
    if (gender == 0) gender = random_gender(h->r, b.age);
    if (o->size == 0) {
        /* the head decides whether this is a migrant family and where it comes from */
        h->migrant = b.age >= 18 && b.age <= 50 && chance(h->r, MIGRANT_RATE);
        h->origin_code = h->migrant && chance(h->r, MIGRANT_OTHER_CODE) ? other_code(h->r, h->local_code)
                                                                        : h->local_code;
    }
    int i = o->size++;
    h->surname[i] = fill_person(h->r, &b, gender, member_code(h, b.age), surname, s, &o->members[i]);
    o->relations[i] = relation;
    return i;
}

/* Spouses within five years, husbands more often the older. */
static int add_spouse(struct hh *h, const char *relation, int of, int min_age, const char *surname)
{
    const struct demo_person *p = &h->out->members[of];
    int g = p->gender == 1 ? 2 : 1, a = p->age;
    int lo = g == 1 ? a - 2 : a - 5, hi = g == 1 ? a + 5 : a + 2;
    if (lo < min_age) lo = min_age;
    if (hi < lo) hi = lo;
    return add_member(h, relation, lo, hi, g, surname);
}

/* Children take the father's surname, a few the mother's. */
static const char *child_surname(struct hh *h, int father, int mother)
{
    if (father >= 0 && (mother < 0 || !chance(h->r, 0.05))) return h->surname[father];
    if (mother >= 0 && (father >= 0 || chance(h->r, 0.5))) return h->surname[mother];
    return NULL;
}

void demo_household_make(struct demo_rng *r, int address_code, const char *today, uint32_t *seq_salt,
                         struct demo_household *out)
{
    struct today t;
    uint32_t first_salt = seq_salt ? *seq_salt : 0;
    parse_today(today, &t);
    memset(out, 0, sizeof *out);
    struct hh h = {r, &t, address_code, address_code, 0, 0, first_salt, first_salt, {0}, out, {0}};

    int x = (int)rng_below(r, 100), size = 0;
    while (size < 5 && x >= size_weights[size]) x -= size_weights[size++];
    const struct household_template *tp = templates_by_size[size];
    x = (int)rng_below(r, 100);
    while (tp[1].members && x >= tp->weight) x -= (tp++)->weight;
    const char *m = tp->members;
    int with_grandchild = strchr(m, 'G') != NULL, with_parent = strchr(m, 'A') != NULL;
    int with_child = strchr(m, 'C') != NULL;

    /* The head's age range is what leaves room for the other generations. */
    int hlo = 22, hhi = 95;
    h.single = m[1] == '\0';
    if (h.single) {
        /* single-person households: many are widowed elders, which is where 独居 comes from */
        if (chance(r, 0.45)) hlo = 60, hhi = MAX_AGE;
        else hlo = 20, hhi = 59;
    } else if (with_grandchild) {
        hlo = 50, hhi = 80;
    } else if (with_parent) {
        hlo = 25, hhi = 55;
    } else if (with_child) {
        hlo = 27, hhi = 70;
    }
    add_member(&h, "self", hlo, hhi, -1, NULL);
    const struct demo_person *mem = out->members;
    int head_age = mem[0].age;

    int spouse = -1, child = -1, child_spouse = -1, parent = -1;
    for (const char *c = m + 1; *c; c++) {
        switch (*c) {
        case 'P':
            spouse = add_spouse(&h, "spouse", 0, with_child ? 22 : 20, NULL);
            break;
        case 'C': {
            int younger = spouse >= 0 && mem[spouse].age < head_age ? mem[spouse].age : head_age;
            int lo = younger - 35, hi = younger - 22;
            if (with_grandchild && child < 0 && lo < 23) lo = 23;
            if (hi < lo) hi = lo;
            int father = mem[0].gender == 1 ? 0 : spouse, mother = mem[0].gender == 2 ? 0 : spouse;
            int i = add_member(&h, "child", lo, hi, 0, child_surname(&h, father, mother));
            if (child < 0) child = i;
            break;
        }
        case 'A':
            if (parent < 0) {
                /* the father carries the head's surname */
                int g = random_gender(r, head_age + 28);
                parent = add_member(&h, "parent", head_age + 22, head_age + 35, g, g == 1 ? h.surname[0] : NULL);
            } else {
                add_spouse(&h, "parent", parent, 40, mem[parent].gender == 2 ? h.surname[0] : NULL);
            }
            break;
        case 'B':
            add_member(&h, "sibling", head_age - 8, head_age + 8, 0, chance(r, 0.9) ? h.surname[0] : NULL);
            break;
        case 'O':
            child_spouse = add_spouse(&h, "other", child, 22, NULL);
            break;
        case 'G': {
            int younger = mem[child].age;
            if (child_spouse >= 0 && mem[child_spouse].age < younger) younger = mem[child_spouse].age;
            int father = mem[child].gender == 1 ? child : child_spouse;
            int mother = mem[child].gender == 2 ? child : child_spouse;
            add_member(&h, "grandchild", younger - 35, younger - 22, 0, child_surname(&h, father, mother));
            break;
        }
        default:
            break;
        }
    }

    /* Family-level tags. */
    const struct demo_person *head = &mem[0];
    int elders_only = 1;
    for (int i = 0; i < out->size; i++) {
        const char *rel = out->relations[i];
        if (mem[i].age < 60 || (strcmp(rel, "self") != 0 && strcmp(rel, "spouse") != 0)) elders_only = 0;
    }
    int tekun = out->size == 1 &&
                chance(r, head->age >= 60 ? 0.03 : has_tag(head, TAG_DISABLED) ? 0.02 : 0);
    double dibao_rate = 0.022 * (head->age >= 60 ? 1.6 : 1) * (has_tag(head, TAG_DISABLED) ? 2.5 : 1);
    int dibao = !tekun && chance(r, dibao_rate);
    for (int i = 0; i < out->size; i++) {
        struct demo_person *p = &out->members[i];
        if (tekun) add_tag(p, TAG_TEKUN);
        if (dibao) add_tag(p, TAG_DIBAO);
        if (h.migrant && p->age >= 18) add_tag(p, TAG_MIGRANT);
        if (elders_only && p->age >= 60) add_tag(p, TAG_EMPTY_NEST);
        if (out->size == 1 && p->age >= 65) add_tag(p, TAG_ALONE);
    }
    if (seq_salt) *seq_salt = h.next;
}

/* ------------------------------------------------------------------------------------------------
 * Place names. */

/* Copies at most outsz-1 bytes without splitting a UTF-8 character. */
static void copy_utf8(char *out, int outsz, const char *s)
{
    if (!out || outsz <= 0) return;
    size_t n = strlen(s);
    if (n >= (size_t)outsz) {
        n = (size_t)outsz - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Roads and old village or compound names of Jinshui, as used in community names. */
static const char *const jinshui_places[] = {
    "经一路", "经二路", "经三路", "经四路", "经五路", "经六路", "经七路", "经八路", "纬一路",
    "纬二路", "纬三路", "纬四路", "纬五路", "花园路", "农业路", "东风路", "北林路", "丰产路",
    "黄河路", "金水路", "未来路", "关虎屯", "国基路", "杨金路", "文化路", "南阳路", "红专路",
    "政七街", "博颂路", "龙子湖", "如意湖", "姚砦", "东明路", "农科路", "优胜路", "三全路",
    "索凌路", "沙口路", "园田路", "丰庆路", "柳林", "庙李", "刘庄", "燕庄", "陈砦", "凤凰台",
    "大石桥", "杜岭", "兴达路", "祭城", "任庄", "南阳新村", "群办路", "玉凤路", "健康路",
};

/* Places inside or next to each street office's area, listed first for that street. */
static const struct { const char *street; const char *near[8]; } street_places[] = {
    {"经八路", {"经七路", "经六路", "纬一路", "纬二路", "纬三路", "红专路", "黄河路", "金水路"}},
    {"花园路", {"纬五路", "农业路", "经三路", "红专路", "政七街", "丰产路", "纬四路", "经二路"}},
    {"人民路", {"金水路", "经一路", "经二路", "纬一路", "太康路", "杜岭"}},
    {"杜岭", {"金水路", "城东路", "顺河路", "紫荆山路", "经一路"}},
    {"大石桥", {"南阳路", "黄河路", "金水路", "健康路", "红专路"}},
    {"南阳路", {"黄河路", "东风路", "关虎屯", "南阳新村", "农业路", "群办路"}},
    {"南阳新村", {"南阳路", "东风路", "农业路", "群办路", "柳林", "丰庆路"}},
    {"文化路", {"农科路", "黄河路", "东风路", "红专路", "郑大工学院", "农业路", "政七街"}},
    {"丰产路", {"经三路", "经五路", "纬五路", "农业路", "政七街", "经四路"}},
    {"东风路", {"文化路", "丰庆路", "索凌路", "沙口路", "国基路", "农科路"}},
    {"北林路", {"园田路", "东风路", "国基路", "三全路", "丰庆路", "沙口路"}},
    {"未来路", {"农业东路", "东明路", "姚砦", "金水东路", "纬四路", "经八路"}},
    {"凤凰台", {"东明路", "农业东路", "姚砦", "黄河东路"}},
    {"龙子湖", {"博学路", "博颂路", "平安大道", "龙源路"}},
    {"祭城路", {"祭城", "东风东路", "金水东路", "商鼎路", "众意路"}},
    {"兴达路", {"三全路", "庙李", "刘庄", "国基路", "沙口路"}},
    {"国基路", {"关虎屯", "沙口路", "丰庆路", "园田路", "北林路", "刘庄"}},
    {"杨金路", {"大贺庄", "小贺庄", "马林", "东赵", "杨君刘", "柳林"}},
    {"丰庆路", {"索凌路", "沙口路", "园田路", "文化路", "柳林"}},
    {"如意湖", {"商务外环", "商务内环", "众意路", "农业东路", "金水东路"}},
    {"博学路", {"博颂路", "龙子湖", "平安大道", "明理路"}},
};

static const char *const cn_digits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 1-99 in Chinese numerals: 一, 十, 十二, 二十, 二十三. */
static void cn_number(int n, char *out, size_t outsz)
{
    if (n < 1 || n > 99) {
        snprintf(out, outsz, "%d", n);
        return;
    }
    int tens = n / 10, ones = n % 10;
    snprintf(out, outsz, "%s%s%s", tens > 1 ? cn_digits[tens] : "", tens ? "十" : "", cn_digits[ones]);
}

static unsigned hash_str(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Candidate community names of a street in a fixed order; the k-th distinct one is community k.
 * Order: "<street>第一社区", the street's own neighbourhood names, "<street>第二社区", then the
 * rest of Jinshui's place names starting at a point that depends on the street, then more
 * numbered ones. Candidates are (place, number), number 0 meaning plain "<place>社区". */
struct community_candidate { const char *place; int number; };

static struct community_candidate community_candidate(const char *base, int near_index, int i)
{
    const int nplaces = (int)(sizeof jinshui_places / sizeof jinshui_places[0]);
    int nnear = 0;
    if (near_index >= 0)
        while (nnear < 8 && street_places[near_index].near[nnear]) nnear++;
    struct community_candidate c = {base, 0};
    if (i == 0) {
        c.number = 1;
    } else if (i <= nnear) {
        c.place = street_places[near_index].near[i - 1];
    } else if (i == nnear + 1) {
        c.number = 2;
    } else if (i < nnear + 2 + nplaces) {
        unsigned start = hash_str(base) % (unsigned)nplaces;
        c.place = jinshui_places[(start + (unsigned)(i - nnear - 2)) % (unsigned)nplaces];
    } else {
        c.number = i - nnear - nplaces;
    }
    return c;
}

void demo_community_name(struct demo_rng *r, const char *street_name, int k, char *out, int outsz)
{
    /* Deterministic in (street, k), not drawn from r: that is what keeps the names of one street's
     * communities distinct whatever order they are asked for in. */
    char base[64];
    copy_utf8(base, sizeof base, street_name && *street_name ? street_name : "金水");
    static const char *const suffixes[] = {"街道办事处", "办事处", "街道", "镇", "乡"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(base), sn = strlen(suffixes[i]);
        if (n > sn && strcmp(base + n - sn, suffixes[i]) == 0) {
            base[n - sn] = '\0';
            break;
        }
    }
    int near_index = -1;
    for (size_t i = 0; i < sizeof street_places / sizeof street_places[0]; i++)
        if (strcmp(street_places[i].street, base) == 0) near_index = (int)i;
    if (k < 0) k = 0;

    /* walk the candidates, skipping the street's own plain name and repeats */
    struct community_candidate seen[64];
    int nseen = 0, found = -1;
    struct community_candidate pick = {base, k + 1};
    for (int i = 0; found < k && nseen < 64; i++) {
        struct community_candidate c = community_candidate(base, near_index, i);
        int dup = c.number == 0 && strcmp(c.place, base) == 0;
        for (int j = 0; j < nseen && !dup; j++)
            dup = seen[j].number == c.number && strcmp(seen[j].place, c.place) == 0;
        if (dup) continue;
        seen[nseen++] = c;
        if (++found == k) pick = c;
    }
    /* beyond 64 distinct names: numbered ones past every number the candidate list can use */
    if (found < k) pick.place = base, pick.number = 100 + k;

    char num[32] = "", name[160];
    if (pick.number) cn_number(pick.number, num, sizeof num);
    snprintf(name, sizeof name, "%s%s%s社区", pick.place, pick.number ? "第" : "", num);
    copy_utf8(out, outsz, name);
}

/* Residential compounds (many are work units' 家属院) and office towers. */
static const char *const compounds[] = {
    "金水花园", "文博苑", "农科院家属院", "省建家属院", "丰乐园", "东方家园", "未来花园",
    "锦绣家园", "阳光新城", "书香苑", "电力家属院", "纬五路小区", "园丁小区", "黄河小区",
};
static const char *const towers[] = {
    "金成时代广场", "绿地新都会", "国贸中心", "丰产路商务大厦", "正弘中心", "建业置地广场",
    "农科商务大厦", "金水大厦", "鑫苑国际", "未来大厦", "中州大厦", "东方国际广场",
};

void demo_building_name(struct demo_rng *r, int k, int commercial, char *out, int outsz)
{
    char name[128];
    int no = k > 0 ? k : 1;
    if (commercial) {
        const char *tower = towers[rng_below(r, sizeof towers / sizeof towers[0])];
        snprintf(name, sizeof name, "%s%c座", tower, 'A' + (no - 1) % 4);
    } else if (chance(r, 0.25)) {
        const char *compound = compounds[rng_below(r, sizeof compounds / sizeof compounds[0])];
        snprintf(name, sizeof name, "%s%d号楼", compound, no);
    } else {
        snprintf(name, sizeof name, "%d号楼", no);
    }
    copy_utf8(out, outsz, name);
}

void demo_address(struct demo_rng *r, const char *community_name, int building_no, int unit, int room,
                  char *out, int outsz)
{
    char addr[256], b[32] = "", u[32] = "", rm[32] = "";
    if (building_no > 0) snprintf(b, sizeof b, " %d号楼", building_no);
    if (building_no > 0 && unit > 0) snprintf(u, sizeof u, "%d单元", unit);
    if (building_no > 0 && room > 0) snprintf(rm, sizeof rm, "%d室", room);
    snprintf(addr, sizeof addr, "%s%s%s%s", community_name ? community_name : "", b, u, rm);
    copy_utf8(out, outsz, addr);
}
