/* test_tabio.c: unit tests for tabio (CSV and XLSX reading and writing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "tabio.h"

/* ---- helpers ---- */

static char *temp_path(void)
{
    char tmpl[] = "/tmp/test_tabio_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    close(fd);
    return strdup(tmpl);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Reads the next row and checks it against `n` expected cells and its line/row number. */
static void expect_row(tab_reader *r, int rowno, int n, ...)
{
    const char *const *cells;
    int ncells;
    va_list ap;

    assert_int_equal(tab_next(r, &cells, &ncells), 1);
    assert_int_equal(ncells, n);
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(cells[i], va_arg(ap, const char *));
    va_end(ap);
    if (rowno)
        assert_int_equal(tab_row_number(r), rowno);
}

static void expect_end(tab_reader *r)
{
    const char *const *cells;
    int ncells;
    assert_int_equal(tab_next(r, &cells, &ncells), 0);
    assert_int_equal(tab_next(r, &cells, &ncells), 0);
}

/* Reads rows until the end or an error; returns the final tab_next result. */
static int drain(tab_reader *r, int *rows)
{
    const char *const *cells;
    int n, rc;
    *rows = 0;
    while ((rc = tab_next(r, &cells, &n)) == 1)
        (*rows)++;
    return rc;
}

/* Writes a zip of the given parts (name, content pairs, NULL-terminated) and returns its bytes. */
static char *make_zip(size_t *len, ...)
{
    char *path = temp_path();
    int err;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    va_list ap;
    const char *name;

    assert_non_null(z);
    va_start(ap, len);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *content = va_arg(ap, const char *);
        zip_source_t *s = zip_source_buffer(z, content, strlen(content), 0);
        assert_non_null(s);
        assert_true(zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) >= 0);
    }
    va_end(ap);
    assert_int_equal(zip_close(z), 0);
    char *data = slurp(path, len);
    unlink(path);
    free(path);
    return data;
}

#define CT "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char *const WB_RELS =
    CT "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
       "</Relationships>";
static const char *const WB =
    CT "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"
       "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

/* ---- CSV ---- */

static const char CSV_SAMPLE[] = "姓名,电话\r\n张三,13812345678\r\n\"李,四\",\"1\"\"2\"\r\n";

static void test_csv_roundtrip(void **state)
{
    char *path = temp_path();
    tab_writer *w;
    const char *head[] = { "姓名", "备注", "电话", "地址" };
    const char *r1[] = { "张三", "他说\"你好\",然后走了", "13812345678", "北京市,朝阳区" };
    const char *r2[] = { "李四", "第一行\n第二行\r\n第三行", NULL, "" };
    const char *r3[] = { " 前后空格 ", "\t制表", "x", "王五" };
    size_t len;

    assert_int_equal(tab_writer_open(TAB_CSV, path, NULL, &w), 0);
    assert_int_equal(tab_write_row(w, head, NULL, 4), 0);
    assert_int_equal(tab_write_row(w, r1, NULL, 4), 0);
    assert_int_equal(tab_write_row(w, r2, NULL, 4), 0);
    assert_int_equal(tab_write_row(w, r3, NULL, 4), 0);
    assert_int_equal(tab_writer_close(w), 0);

    char *data = slurp(path, &len);
    tab_reader *r;
    assert_int_equal(tab_open(TAB_CSV, data, len, &r), 0);
    expect_row(r, 1, 4, "姓名", "备注", "电话", "地址");
    expect_row(r, 2, 4, "张三", "他说\"你好\",然后走了", "13812345678", "北京市,朝阳区");
    expect_row(r, 3, 4, "李四", "第一行\n第二行\r\n第三行", "", "");
    /* r2 spans three physical lines, so r3 starts on line 6 */
    expect_row(r, 6, 4, " 前后空格 ", "\t制表", "x", "王五");
    expect_end(r);
    tab_close(r);
    free(data);
    unlink(path);
    free(path);
}

static void test_csv_bom_crlf(void **state)
{
    char *path = temp_path();
    tab_writer *w;
    const char *row[] = { "a", "b" };
    size_t len;

    assert_int_equal(tab_writer_open(TAB_CSV, path, NULL, &w), 0);
    assert_int_equal(tab_write_row(w, row, NULL, 2), 0);
    assert_int_equal(tab_write_row(w, row, NULL, 1), 0);
    assert_int_equal(tab_writer_close(w), 0);
    char *data = slurp(path, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(data, "\xEF\xBB\xBF" "a,b\r\na\r\n", 11);
    free(data);
    unlink(path);
    free(path);

    const char in[] = "\xEF\xBB\xBF编号,名称\r\n1,社区\r\n";
    tab_reader *r;
    assert_int_equal(tab_open(TAB_CSV, in, strlen(in), &r), 0);
    expect_row(r, 1, 2, "编号", "名称");
    expect_row(r, 2, 2, "1", "社区");
    expect_end(r);
    tab_close(r);
}

static void test_csv_gb18030(void **state)
{
    const char *utf8 = "姓名,身份证号,地址\n张三,11010119900307803X,\"海淀区,中关村\"\n𠀀,2,3\n";
    char gb[256];
    char *in = (char *)utf8, *out = gb;
    size_t inleft = strlen(utf8), outleft = sizeof gb;
    iconv_t cd = iconv_open("GB18030", "UTF-8");

    assert_true(cd != (iconv_t)-1);
    assert_true(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
    iconv_close(cd);
    size_t gblen = sizeof gb - outleft;
    assert_true(gblen != strlen(utf8)); /* really different bytes */

    tab_reader *r;
    assert_int_equal(tab_open(TAB_CSV, gb, gblen, &r), 0);
    expect_row(r, 1, 3, "姓名", "身份证号", "地址");
    expect_row(r, 2, 3, "张三", "11010119900307803X", "海淀区,中关村");
    expect_row(r, 3, 3, "𠀀", "2", "3"); /* a four-byte GB18030 character */
    expect_end(r);
    tab_close(r);

    /* Bytes that are neither UTF-8 nor GB18030 */
    const char bad[] = "a,b\n\x80\xff,c\n";
    assert_int_equal(tab_open(TAB_CSV, bad, strlen(bad), &r), TAB_ERR_FORMAT);
    assert_null(r);
}

static void test_csv_formula_guard(void **state)
{
    char *path = temp_path();
    tab_writer *w;
    const char *row[] = { "=HYPERLINK(\"http://x\",\"点击\")", "-12", "+8613812345678", "@SUM(A1)",
                          "-", "+1-2", "-3.5e2", "=1", "a=b", "-A1" };
    size_t len;

    assert_int_equal(tab_writer_open(TAB_CSV, path, NULL, &w), 0);
    assert_int_equal(tab_write_row(w, row, NULL, 10), 0);
    assert_int_equal(tab_writer_close(w), 0);
    char *data = slurp(path, &len);
    const char want[] = "\xEF\xBB\xBF\"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\")\",-12,+8613812345678,"
                        "'@SUM(A1),'-,'+1-2,-3.5e2,'=1,a=b,'-A1\r\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);

    tab_reader *r;
    assert_int_equal(tab_open(TAB_CSV, data, len, &r), 0);
    expect_row(r, 1, 10, "'=HYPERLINK(\"http://x\",\"点击\")", "-12", "+8613812345678", "'@SUM(A1)",
               "'-", "'+1-2", "-3.5e2", "'=1", "a=b", "'-A1");
    tab_close(r);
    free(data);
    unlink(path);
    free(path);
}

static char *repeat_cells(int n, const char *cell, const char *sep)
{
    size_t cl = strlen(cell), sl = strlen(sep);
    char *s = malloc((size_t)n * (cl + sl) + 2), *p = s;
    for (int i = 0; i < n; i++) {
        if (i)
            p = memcpy(p, sep, sl), p += sl;
        memcpy(p, cell, cl), p += cl;
    }
    strcpy(p, "\n");
    return s;
}

static void test_csv_limits(void **state)
{
    tab_reader *r;
    int rows;

    char *ok = repeat_cells(512, "x", ",");
    assert_int_equal(tab_open(TAB_CSV, ok, strlen(ok), &r), 0);
    assert_int_equal(drain(r, &rows), 0);
    assert_int_equal(rows, 1);
    tab_close(r);
    free(ok);

    char *wide = repeat_cells(513, "x", ",");
    assert_int_equal(tab_open(TAB_CSV, wide, strlen(wide), &r), 0);
    assert_int_equal(drain(r, &rows), TAB_ERR_TOO_LARGE);
    const char *const *cells;
    int n;
    assert_int_equal(tab_next(r, &cells, &n), TAB_ERR_TOO_LARGE); /* sticky */
    tab_close(r);
    free(wide);

    /* one cell of 70,000 bytes, unquoted and quoted (with line breaks) */
    for (int quoted = 0; quoted < 2; quoted++) {
        size_t big = 70000;
        char *s = malloc(big + 16), *p = s;
        p += sprintf(p, "a,");
        if (quoted)
            *p++ = '"';
        for (size_t i = 0; i < big; i++)
            *p++ = quoted && i % 100 == 0 ? '\n' : 'y';
        if (quoted)
            *p++ = '"';
        strcpy(p, "\nb,c\n");
        assert_int_equal(tab_open(TAB_CSV, s, strlen(s), &r), 0);
        assert_int_equal(drain(r, &rows), TAB_ERR_TOO_LARGE);
        tab_close(r);
        free(s);
    }

    /* exactly 64 KiB is still fine */
    char *s = malloc(65536 + 8);
    memset(s, 'z', 65536);
    strcpy(s + 65536, "\n1\n");
    assert_int_equal(tab_open(TAB_CSV, s, strlen(s), &r), 0);
    assert_int_equal(tab_next(r, &cells, &n), 1);
    assert_int_equal(strlen(cells[0]), 65536);
    expect_row(r, 2, 1, "1");
    tab_close(r);
    free(s);

    /* 1,048,576 rows pass, one more does not */
    size_t nrows = 1048576;
    char *many = malloc(2 * (nrows + 1) + 1);
    for (size_t i = 0; i < nrows + 1; i++)
        many[2 * i] = '1', many[2 * i + 1] = '\n';
    assert_int_equal(tab_open(TAB_CSV, many, 2 * nrows, &r), 0);
    assert_int_equal(drain(r, &rows), 0);
    assert_int_equal(rows, (int)nrows);
    tab_close(r);
    assert_int_equal(tab_open(TAB_CSV, many, 2 * (nrows + 1), &r), 0);
    assert_int_equal(drain(r, &rows), TAB_ERR_TOO_LARGE);
    assert_int_equal(rows, (int)nrows);
    tab_close(r);
    free(many);
}

static void test_csv_empty_rows(void **state)
{
    /* blank lines are no rows; all-empty rows count unless they trail */
    const char in[] = "a,b\n\n,\r\nc,d\r\r\n\"\"\n,,\n\n";
    tab_reader *r;

    assert_int_equal(tab_open(TAB_CSV, in, strlen(in), &r), 0);
    expect_row(r, 1, 2, "a", "b");
    expect_row(r, 3, 2, "", "");
    expect_row(r, 4, 2, "c", "d");
    expect_end(r);
    tab_close(r);

    const char in2[] = "h\n,\n\n\"\"\nx,y\n";
    assert_int_equal(tab_open(TAB_CSV, in2, strlen(in2), &r), 0);
    expect_row(r, 1, 1, "h");
    expect_row(r, 2, 2, "", "");
    expect_row(r, 4, 1, "");
    expect_row(r, 5, 2, "x", "y");
    expect_end(r);
    tab_close(r);

    /* no final line break, old Mac line ends, spaces around unquoted fields */
    const char in3[] = "1, 2 ,3\r4,\"5\r6\",7";
    assert_int_equal(tab_open(TAB_CSV, in3, strlen(in3), &r), 0);
    expect_row(r, 1, 3, "1", "2", "3");
    expect_row(r, 2, 3, "4", "5\r6", "7");
    expect_end(r);
    tab_close(r);

    assert_int_equal(tab_open(TAB_CSV, "", 0, &r), 0);
    expect_end(r);
    tab_close(r);
    assert_int_equal(tab_open(TAB_CSV, "\xEF\xBB\xBF", 3, &r), 0);
    expect_end(r);
    tab_close(r);
}

/* Many rows, so rows and fields straddle the reader's internal chunks. */
static void test_csv_streaming(void **state)
{
    size_t cap = 8 << 20, len = 0;
    char *s = malloc(cap);
    const int N = 50000;
    int line = 1;
    int *lines = malloc(sizeof(int) * (size_t)N);

    for (int i = 0; i < N; i++) {
        lines[i] = line;
        if (i % 997 == 0) {
            len += (size_t)sprintf(s + len, "%d,\"多行\n备注%d\n\",", i, i);
            memset(s + len, 'q', 3000); /* a long-ish field */
            len += 3000;
            len += (size_t)sprintf(s + len, "\r\n");
            line += 3;
        } else {
            len += (size_t)sprintf(s + len, "%d,居民%d,1381234%04d\r\n", i, i, i % 10000);
            line += 1;
        }
    }
    tab_reader *r;
    const char *const *cells;
    int n;
    char want[64];

    assert_int_equal(tab_open(TAB_CSV, s, len, &r), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(tab_next(r, &cells, &n), 1);
        assert_int_equal(n, 3);
        sprintf(want, "%d", i);
        assert_string_equal(cells[0], want);
        assert_int_equal(tab_row_number(r), lines[i]);
        if (i % 997 == 0) {
            sprintf(want, "多行\n备注%d\n", i);
            assert_string_equal(cells[1], want);
            assert_int_equal(strlen(cells[2]), 3000);
        } else {
            sprintf(want, "居民%d", i);
            assert_string_equal(cells[1], want);
        }
    }
    expect_end(r);
    tab_close(r);
    free(lines);
    free(s);
}

static void test_csv_binary(void **state)
{
    const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
    tab_reader *r;
    assert_int_equal(tab_open(TAB_CSV, xls, sizeof xls, &r), TAB_ERR_FORMAT);
}

static void test_sniff(void **state)
{
    assert_int_equal(tab_sniff("PK\3\4rest", 8), TAB_XLSX);
    assert_int_equal(tab_sniff("PK", 2), TAB_CSV);
    assert_int_equal(tab_sniff("a,b\n", 4), TAB_CSV);
    assert_int_equal(tab_sniff(NULL, 0), TAB_CSV);
}

/* ---- XLSX ---- */

static char *zip_part(const char *data, size_t len, const char *name)
{
    zip_error_t ze;
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &ze);
    zip_stat_t st;
    assert_non_null(z);
    assert_int_equal(zip_stat(z, name, 0, &st), 0);
    char *b = calloc(1, st.size + 1);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_int_equal(zip_fread(f, b, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_discard(z);
    return b;
}

static void test_xlsx_roundtrip(void **state)
{
    char *path = temp_path();
    tab_writer *w;
    const char *head[] = { "姓名", "电话", "年龄", "", "备注" };
    const char *r1[] = { "张三", "13812345678", "35", "x", "第一行\n第二行" };
    const int n1[] = { 0, 1, 1, 0, 0 };
    const char *r2[] = { "李四", NULL, "-2.5", "", "=1+1" };
    const int n2[] = { 0, 1, 1, 0, 0 };
    const char *r3[] = { "", "", "", "", "" };
    const char *r4[] = { "王五", "0.1", "abc_x0041_\x01", NULL, "尾" };
    const int n4[] = { 0, 1, 1, 0, 0 };
    size_t len;

    assert_int_equal(tab_writer_open(TAB_XLSX, path, "居民[名单]", &w), 0);
    assert_int_equal(tab_write_row(w, head, NULL, 5), 0);
    assert_int_equal(tab_write_row(w, r1, n1, 5), 0);
    assert_int_equal(tab_write_row(w, r2, n2, 5), 0);
    assert_int_equal(tab_write_row(w, r3, NULL, 5), 0);
    assert_int_equal(tab_write_row(w, r4, n4, 5), 0);
    assert_int_equal(tab_write_row(w, r3, NULL, 5), 0); /* trailing, dropped on reading */
    assert_int_equal(tab_writer_close(w), 0);

    char *data = slurp(path, &len);
    assert_int_equal(tab_sniff(data, len), TAB_XLSX);
    tab_reader *r;
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    expect_row(r, 1, 5, "姓名", "电话", "年龄", "", "备注");
    expect_row(r, 2, 5, "张三", "13812345678", "35", "x", "第一行\n第二行");
    expect_row(r, 3, 5, "李四", "", "-2.5", "", "=1+1");
    expect_row(r, 5, 5, "王五", "0.1", "abc_x0041_\x01", "", "尾");
    expect_end(r);
    tab_close(r);

    /* what Excel will show: numbers as numbers, header styled, filtered, frozen, wide enough */
    char *sheet = zip_part(data, len, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<c r=\"B2\"><v>13812345678</v></c>"));
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:E6\"/>"));
    assert_non_null(strstr(sheet, "state=\"frozen\""));
    assert_non_null(strstr(sheet, "<cols>"));
    char *wbx = zip_part(data, len, "xl/workbook.xml");
    assert_non_null(strstr(wbx, "name=\"居民_名单_\""));
    char *styles = zip_part(data, len, "xl/styles.xml");
    assert_non_null(strstr(styles, "<b/>"));
    assert_non_null(strstr(styles, "patternType=\"solid\""));
    free(sheet);
    free(wbx);
    free(styles);
    free(data);
    unlink(path);
    free(path);
}

/* Dates, rich text and booleans, written the way Excel itself stores them (shared strings). */
static void test_xlsx_dates(void **state)
{
    char *path = temp_path();
    size_t len;
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *iso = workbook_add_format(wb), *b14 = workbook_add_format(wb),
               *cn = workbook_add_format(wb), *tm = workbook_add_format(wb),
               *dec = workbook_add_format(wb), *bold = workbook_add_format(wb);
    lxw_datetime d1 = { 2024, 2, 29, 0, 0, 0 }, d2 = { 1990, 3, 7, 13, 30, 0 },
                 d3 = { 1900, 1, 1, 0, 0, 0 }, t1 = { 0, 0, 0, 8, 30, 0 };

    format_set_num_format(iso, "yyyy-mm-dd");
    format_set_num_format_index(b14, 14);
    format_set_num_format(cn, "yyyy\"年\"m\"月\"d\"日\"");
    format_set_num_format(tm, "hh:mm");
    format_set_num_format(dec, "0.00");
    format_set_bold(bold);
    worksheet_write_string(ws, 0, 0, "日期", NULL);
    worksheet_write_string(ws, 0, 1, "出生", NULL);
    worksheet_write_string(ws, 0, 2, "登记", NULL);
    worksheet_write_datetime(ws, 1, 0, &d1, iso);
    worksheet_write_datetime(ws, 1, 1, &d2, b14);
    worksheet_write_datetime(ws, 1, 2, &d3, cn);
    worksheet_write_datetime(ws, 2, 0, &t1, tm);
    worksheet_write_number(ws, 2, 1, 3.14159, dec);
    worksheet_write_boolean(ws, 2, 2, 1, NULL);
    lxw_rich_string_tuple f1 = { .format = bold, .string = "朝阳" };
    lxw_rich_string_tuple f2 = { .format = NULL, .string = "社区" };
    lxw_rich_string_tuple *rich[] = { &f1, &f2, NULL };
    worksheet_write_rich_string(ws, 3, 3, rich, NULL);
    worksheet_write_number(ws, 4, 0, 13812345678.0, NULL);
    worksheet_write_number(ws, 4, 1, 110101199003078035.0, NULL);
    worksheet_write_number(ws, 4, 2, 0.1 + 0.2, NULL);
    worksheet_write_number(ws, 4, 3, 45000, NULL); /* a number, not a date: no date style */
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    char *data = slurp(path, &len);
    tab_reader *r;
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    expect_row(r, 1, 3, "日期", "出生", "登记");
    expect_row(r, 2, 3, "2024-02-29", "1990-03-07", "1900-01-01");
    expect_row(r, 3, 3, "0.354166666666667", "3.14159", "TRUE");
    expect_row(r, 4, 4, "", "", "", "朝阳社区");
    expect_row(r, 5, 4, "13812345678", "110101199003078000", "0.3", "45000");
    expect_end(r);
    tab_close(r);
    free(data);
    unlink(path);
    free(path);
}

/* Parts written by hand: the corners other generators (and old Excel files) use. */
static void test_xlsx_handmade(void **state)
{
    size_t len;
    char *data = make_zip(
        &len, "xl/workbook.xml",
        CT "<x:workbook xmlns:x=\"" NS_MAIN "\" xmlns:rel=\"" NS_REL "\">"
           "<x:workbookPr date1904=\"1\"/><x:sheets>"
           "<x:sheet name=\"图\" sheetId=\"2\" rel:id=\"rId7\"/>"
           "<x:sheet name=\"数据\" sheetId=\"1\" rel:id=\"rId3\"/></x:sheets></x:workbook>",
        "xl/_rels/workbook.xml.rels",
        CT "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId7\" Type=\"" NS_REL "/chartsheet\" Target=\"chartsheets/c1.xml\"/>"
           "<Relationship Id=\"rId3\" Type=\"" NS_REL "/worksheet\" Target=\"/xl/ws/../worksheets/data.xml\"/>"
           "<Relationship Id=\"rId9\" Type=\"" NS_REL "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
           "</Relationships>",
        "xl/sharedStrings.xml",
        CT "<x:sst xmlns:x=\"" NS_MAIN "\" count=\"3\" uniqueCount=\"3\">"
           "<x:si><x:t>居委会</x:t></x:si>"
           "<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space=\"preserve\">富文本 </x:t></x:r>"
           "<x:r><x:t>拼接</x:t></x:r><x:rPh sb=\"0\" eb=\"1\"><x:t>ふりがな</x:t></x:rPh></x:si>"
           "<x:si><x:t>换行_x000D__x000A_了 &amp; &lt;ok&gt;</x:t></x:si></x:sst>",
        "xl/styles.xml",
        CT "<styleSheet xmlns=\"" NS_MAIN "\"><numFmts count=\"2\">"
           "<numFmt numFmtId=\"176\" formatCode=\"[$-804]yyyy/m/d;@\"/>"
           "<numFmt numFmtId=\"177\" formatCode=\"[h]:mm:ss\"/></numFmts>"
           "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
           "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"176\"/><xf numFmtId=\"177\"/>"
           "<xf numFmtId=\"31\"/></cellXfs></styleSheet>",
        "xl/worksheets/data.xml",
        CT "<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData>"
           "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>1</x:v></x:c>"
           "<x:c r=\"E2\" t=\"s\"><x:v>2</x:v></x:c></x:row>"
           "<x:row><x:c r=\"B3\" s=\"1\"><x:v>0</x:v></x:c><x:c r=\"C3\" s=\"2\"><x:v>1.5</x:v></x:c>"
           "<x:c r=\"D3\" s=\"3\"><x:v>45351</x:v></x:c></x:row>"
           "<x:row r=\"5\"><x:c r=\"A5\" t=\"inlineStr\"><x:is><x:r><x:t>内联</x:t></x:r>"
           "<x:rPh><x:t>ruby</x:t></x:rPh><x:r><x:t>_x0009_串</x:t></x:r></x:is></x:c>"
           "<x:c r=\"B5\" t=\"str\"><x:f>A1&amp;\"x\"</x:f><x:v>公式结果</x:v></x:c>"
           "<x:c r=\"C5\" t=\"e\"><x:v>#N/A</x:v></x:c><x:c r=\"D5\" t=\"b\"><x:v>0</x:v></x:c>"
           "<x:c r=\"F5\"><x:v>1.3812345678E10</x:v></x:c><x:c r=\"G5\"><x:v>-0</x:v></x:c>"
           "<x:c r=\"H5\" t=\"d\"><x:v>2023-05-06T00:00:00</x:v></x:c><x:c r=\"I5\" s=\"1\"/></x:row>"
           "<x:row r=\"6\"><x:c r=\"A6\" s=\"1\"/><x:c r=\"B6\" t=\"inlineStr\"><x:is><x:t></x:t></x:is></x:c></x:row>"
           "<x:row r=\"7\"/>"
           "</x:sheetData><x:mergeCells count=\"0\"/></x:worksheet>",
        (const char *)NULL);
    tab_reader *r;

    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    expect_row(r, 2, 5, "居委会", "富文本 拼接", "", "", "换行\r\n了 & <ok>");
    /* date1904: serial 0 is 1904-01-01; 45351 is 2028-03-01; [h]:mm:ss is a duration */
    expect_row(r, 3, 4, "", "1904-01-01", "1.5", "2028-03-01");
    expect_row(r, 5, 8, "内联\t串", "公式结果", "#N/A", "FALSE", "", "13812345678", "0", "2023-05-06");
    expect_end(r);
    tab_close(r);
    free(data);
}

static void test_xlsx_malformed(void **state)
{
    tab_reader *r = NULL;
    size_t len;
    int rows;

    /* not a zip at all */
    char junk[4096];
    srand(42);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)rand();
    assert_int_equal(tab_open(TAB_XLSX, junk, sizeof junk, &r), TAB_ERR_FORMAT);
    assert_null(r);
    memcpy(junk, "PK\3\4", 4);
    assert_int_equal(tab_open(TAB_XLSX, junk, sizeof junk, &r), TAB_ERR_FORMAT);
    assert_int_equal(tab_open(TAB_XLSX, "", 0, &r), TAB_ERR_FORMAT);

    /* a real xlsx, truncated at many points */
    char *path = temp_path();
    tab_writer *w;
    const char *row[] = { "甲", "乙", "丙" };
    assert_int_equal(tab_writer_open(TAB_XLSX, path, "S", &w), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(tab_write_row(w, row, NULL, 3), 0);
    assert_int_equal(tab_writer_close(w), 0);
    char *data = slurp(path, &len);
    for (size_t cut = 1; cut < len; cut += len / 37 + 1) {
        assert_int_equal(tab_open(TAB_XLSX, data, cut, &r), TAB_ERR_FORMAT);
        assert_null(r);
    }
    /* corrupt bytes inside the compressed sheet: CRC or inflate error, never a crash */
    for (size_t at = 100; at < len - 200; at += 97) {
        char *bad = malloc(len);
        memcpy(bad, data, len);
        bad[at] ^= 0x5A;
        int rc = tab_open(TAB_XLSX, bad, len, &r);
        if (rc == 0) {
            rc = drain(r, &rows);
            tab_close(r);
        }
        assert_true(rc == 0 || rc == TAB_ERR_FORMAT);
        free(bad);
    }
    free(data);
    unlink(path);
    free(path);

    /* a zip that is no workbook */
    data = make_zip(&len, "readme.txt", "hello", (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), TAB_ERR_FORMAT);
    free(data);

    /* broken XML in the sheet: found while streaming */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    "xl/worksheets/sheet1.xml",
                    CT "<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
                       "<is><t>ok</t></is></c></row><row r=\"2\"><c r=\"A2\"><v>1</v></row>",
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    expect_row(r, 1, 1, "ok");
    assert_int_equal(drain(r, &rows), TAB_ERR_FORMAT);
    tab_close(r);
    free(data);

    /* broken XML in the workbook */
    data = make_zip(&len, "xl/workbook.xml", "<workbook><sheets>", "xl/_rels/workbook.xml.rels", WB_RELS,
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), TAB_ERR_FORMAT);
    free(data);

    /* the sheet the relationships name is missing */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), TAB_ERR_FORMAT);
    free(data);

    /* a DTD with entities (billion laughs) is refused outright */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    "xl/sharedStrings.xml",
                    "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\">"
                    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><sst><si><t>&b;</t></si></sst>",
                    "xl/worksheets/sheet1.xml", CT "<worksheet><sheetData/></worksheet>",
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), TAB_ERR_FORMAT);
    free(data);

    /* a shared string index past the table */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    "xl/worksheets/sheet1.xml",
                    CT "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>"
                       "</sheetData></worksheet>",
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    assert_int_equal(drain(r, &rows), TAB_ERR_FORMAT);
    tab_close(r);
    free(data);
}

static void test_xlsx_limits(void **state)
{
    tab_reader *r;
    size_t len;
    int rows;

    /* a value in column 600 (beyond 512) */
    char *data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                          "xl/worksheets/sheet1.xml",
                          CT "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                             "<c r=\"WB1\"><v>2</v></c></row></sheetData></worksheet>",
                          (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    assert_int_equal(drain(r, &rows), TAB_ERR_TOO_LARGE);
    tab_close(r);
    free(data);

    /* column 512 itself is fine; an empty styled cell far right is no value */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    "xl/worksheets/sheet1.xml",
                    CT "<worksheet><sheetData><row r=\"1\"><c r=\"SR1\"><v>2</v></c>"
                       "<c r=\"XFD1\" s=\"3\"/></row></sheetData></worksheet>",
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    const char *const *cells;
    int n;
    assert_int_equal(tab_next(r, &cells, &n), 1);
    assert_int_equal(n, 512);
    assert_string_equal(cells[511], "2");
    assert_string_equal(cells[0], "");
    expect_end(r);
    tab_close(r);
    free(data);

    /* row numbers past what a sheet can hold */
    data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                    "xl/worksheets/sheet1.xml",
                    CT "<worksheet><sheetData><row r=\"1048577\"><c><v>1</v></c></row>"
                       "</sheetData></worksheet>",
                    (const char *)NULL);
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    assert_int_equal(drain(r, &rows), TAB_ERR_FORMAT);
    tab_close(r);
    free(data);
}

/* A zip bomb shaped as one endless tag is stopped before expat buffers all of it. */
static void test_xlsx_endless_tag(void **state)
{
    size_t big = 40u << 20, len;
    const char *head = CT "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"/>"
                          "<c r=\"B1\" t=\"inlineStr\"><is><t>x</t></is></c></row><row r=\"2\" junk=\"";
    char *sheet = malloc(strlen(head) + big + 8);
    strcpy(sheet, head);
    memset(sheet + strlen(head), 'a', big);
    strcpy(sheet + strlen(head) + big, "\"/>");
    char *data = make_zip(&len, "xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", WB_RELS,
                          "xl/worksheets/sheet1.xml", sheet, (const char *)NULL);
    free(sheet);
    assert_true(len < 1u << 20);

    tab_reader *r;
    int rows;
    assert_int_equal(tab_open(TAB_XLSX, data, len, &r), 0);
    expect_row(r, 1, 2, "", "x");
    assert_int_equal(drain(r, &rows), TAB_ERR_TOO_LARGE);
    tab_close(r);
    free(data);
}

/* Readers and writers share nothing: several threads at once, one input buffer. */
struct thread_job {
    enum tab_format fmt;
    const char *data;
    size_t len;
    int rows;
    long sum;
};

static void *read_job(void *arg)
{
    struct thread_job *j = arg;
    tab_reader *r;
    const char *const *cells;
    int n;
    if (tab_open(j->fmt, j->data, j->len, &r) != 0)
        return NULL;
    while (tab_next(r, &cells, &n) == 1) {
        j->rows++;
        for (int i = 0; i < n; i++)
            j->sum += (long)strlen(cells[i]) * (i + 1);
    }
    tab_close(r);
    return NULL;
}

static void test_threads(void **state)
{
    char *path = temp_path();
    tab_writer *w;
    char a[32], b[32], c[32];
    const char *row[] = { a, b, c };
    const int isn[] = { 1, 0, 1 };
    size_t len;

    assert_int_equal(tab_writer_open(TAB_XLSX, path, "S", &w), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf(a, sizeof a, "%d", i);
        snprintf(b, sizeof b, "居民%d", i * 7);
        snprintf(c, sizeof c, "%d.25", i);
        assert_int_equal(tab_write_row(w, row, isn, 3), 0);
    }
    assert_int_equal(tab_writer_close(w), 0);
    char *data = slurp(path, &len);

    pthread_t t[8];
    struct thread_job jobs[8];
    for (int i = 0; i < 8; i++) {
        jobs[i] = (struct thread_job){ i % 2 ? TAB_XLSX : TAB_CSV, i % 2 ? data : CSV_SAMPLE,
                                       i % 2 ? len : strlen(CSV_SAMPLE), 0, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, read_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].rows, jobs[i % 2].rows);
        assert_int_equal(jobs[i].sum, jobs[i % 2].sum);
    }
    assert_int_equal(jobs[1].rows, 3000);
    assert_int_equal(jobs[0].rows, 3);
    free(data);
    unlink(path);
    free(path);
}

static void test_writer_errors(void **state)
{
    tab_writer *w = NULL;
    assert_int_equal(tab_writer_open(TAB_CSV, "/nonexistent-dir/x.csv", NULL, &w), TAB_ERR_IO);
    assert_null(w);
    assert_int_equal(tab_writer_open(TAB_XLSX, "/nonexistent-dir/x.xlsx", "S", &w), TAB_ERR_IO);
    assert_null(w);

    /* a string longer than Excel allows in a cell: the row fails and no file is left */
    char *path = temp_path();
    char *big = malloc(40000);
    memset(big, 'a', 39999);
    big[39999] = '\0';
    const char *row[] = { big };
    assert_int_equal(tab_writer_open(TAB_XLSX, path, NULL, &w), 0);
    assert_int_equal(tab_write_row(w, row, NULL, 1), TAB_ERR_TOO_LARGE);
    assert_int_equal(tab_writer_close(w), TAB_ERR_TOO_LARGE);
    assert_int_equal(access(path, F_OK), -1);
    free(big);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_roundtrip),  cmocka_unit_test(test_csv_bom_crlf),
        cmocka_unit_test(test_csv_gb18030),    cmocka_unit_test(test_csv_formula_guard),
        cmocka_unit_test(test_csv_limits),     cmocka_unit_test(test_csv_empty_rows),
        cmocka_unit_test(test_csv_streaming),  cmocka_unit_test(test_csv_binary),
        cmocka_unit_test(test_sniff),          cmocka_unit_test(test_xlsx_roundtrip),
        cmocka_unit_test(test_xlsx_dates),     cmocka_unit_test(test_xlsx_handmade),
        cmocka_unit_test(test_xlsx_malformed), cmocka_unit_test(test_xlsx_limits),
        cmocka_unit_test(test_xlsx_endless_tag), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
