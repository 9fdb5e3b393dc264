/* test_idnum.c: unit tests for src/idnum.c - GB 11643 ID numbers, address codes, phone
 * normalisation and the masked display forms. Check characters of constructed numbers were
 * worked out by hand (or from the standard's examples) so the tests do not trust the code
 * they test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "idnum.h"

#define TODAY "2024-06-01"

static void assert_parse(const char *in, int expected)
{
    struct idnum_info info;
    int r = idnum_parse(in, TODAY, &info);
    if (r != expected)
        print_error("idnum_parse(\"%s\") = %d (%s), expected %d (%s)\n", in, r,
                    idnum_error_code(r), expected, idnum_error_code(expected));
    assert_int_equal(r, expected);
}

static void test_standard_examples(void **state)
{
    struct idnum_info info;

    assert_int_equal(idnum_parse("11010519491231002X", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "11010519491231002X");
    assert_string_equal(info.birth_date, "1949-12-31");
    assert_int_equal(info.gender, 2);
    assert_int_equal(info.address_code, 110105);

    /* 440524 (潮阳县) was abolished in 1992: old numbers keep old codes. */
    assert_int_equal(idnum_parse("440524188001010014", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "440524188001010014");
    assert_string_equal(info.birth_date, "1880-01-01");
    assert_int_equal(info.gender, 1);
    assert_int_equal(info.address_code, 440524);
}

static void test_check_char(void **state)
{
    assert_int_equal(idnum_check_char("11010519491231002"), 'X');
    assert_int_equal(idnum_check_char("44052418800101001"), '4');
    assert_int_equal(idnum_check_char("41010519900101123"), '3');
    /* Only the first 17 characters count. */
    assert_int_equal(idnum_check_char("11010519491231002X"), 'X');
    assert_int_equal(idnum_check_char("1101051949123100"), '\0');
    assert_int_equal(idnum_check_char("1101051949123100A"), '\0');
    assert_int_equal(idnum_check_char(NULL), '\0');
}

static void test_legacy_15_digits(void **state)
{
    struct idnum_info info;
    /* 410105 900101 123 -> 410105 19900101 123 + check.
     * Digits 4 1 0 1 0 5 1 9 9 0 0 1 0 1 1 2 3, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
     * 28+9+0+5+0+20+2+9+54+0+0+9+0+5+8+8+6 = 163; 163 mod 11 = 9 -> "10X98765432"[9] = '3'. */
    assert_int_equal(idnum_parse("410105900101123", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "410105199001011233");
    assert_string_equal(info.birth_date, "1990-01-01");
    assert_int_equal(info.gender, 1);
    assert_int_equal(info.address_code, 410105);

    /* 15-digit numbers imply 19xx, and 1900 was not a leap year. */
    assert_parse("410105000229123", IDNUM_BIRTH_DATE);
    assert_parse("41010590010112X", IDNUM_CHARS);
}

static void test_wrong_check_char(void **state)
{
    assert_parse("110105194912310020", IDNUM_CHECK);
    assert_parse("440524188001010015", IDNUM_CHECK);
    assert_parse("410105199001011234", IDNUM_CHECK);
    assert_string_equal(idnum_error_code(IDNUM_CHECK), "id_number_check");
    assert_string_equal(idnum_error_zh(IDNUM_CHECK), "身份证号校验位错误");
}

static void test_lowercase_x_and_spaces(void **state)
{
    struct idnum_info info;
    assert_int_equal(idnum_parse("11010519491231002x", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "11010519491231002X");
    assert_int_equal(idnum_parse("  11010519491231002x\t\n", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "11010519491231002X");
    assert_int_equal(idnum_parse(" 410105900101123 ", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.number, "410105199001011233");
}

static void test_empty_length_chars(void **state)
{
    assert_parse(NULL, IDNUM_EMPTY);
    assert_parse("", IDNUM_EMPTY);
    assert_parse("   \t ", IDNUM_EMPTY);
    assert_parse("11010519491231002", IDNUM_LENGTH);
    assert_parse("11010519491231002X0", IDNUM_LENGTH);
    assert_parse("110105 19491231 002X", IDNUM_LENGTH);
    assert_parse("11010519491231002Y", IDNUM_CHARS);
    assert_parse("1101051949123100X2", IDNUM_CHARS);
    assert_parse("X10105194912310020", IDNUM_CHARS);
    /* Full-width digits are not accepted (3 bytes each). */
    assert_parse("１１０１０５１９４９１２３１００２Ｘ", IDNUM_LENGTH);
}

static void test_leap_years(void **state)
{
    struct idnum_info info;
    assert_int_equal(idnum_parse("410105200002291236", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.birth_date, "2000-02-29");
    assert_int_equal(idnum_parse("410105202402291242", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.birth_date, "2024-02-29");
    assert_int_equal(info.gender, 2);

    assert_parse("410105200102291233", IDNUM_BIRTH_DATE); /* 2001 */
    assert_parse("41010519000229123X", IDNUM_BIRTH_DATE); /* 1900: century, not leap */
    assert_parse("410105199002301232", IDNUM_BIRTH_DATE); /* 30 February */
    assert_parse("410105199013011230", IDNUM_BIRTH_DATE); /* month 13 */
}

static void test_birth_date_limits(void **state)
{
    struct idnum_info info;
    assert_parse("410105184912311235", IDNUM_BIRTH_DATE);
    assert_int_equal(idnum_parse("410105185001011236", TODAY, &info), IDNUM_OK);
    assert_string_equal(info.birth_date, "1850-01-01");

    /* Born today is fine, tomorrow is not. */
    assert_parse("410105202406011236", IDNUM_OK);
    assert_parse("410105202406021231", IDNUM_FUTURE);
    assert_int_equal(idnum_parse("410105202406021231", "2024-06-02", &info), IDNUM_OK);
    assert_int_equal(idnum_parse("410105202406021231", "2024-06-01", NULL), IDNUM_FUTURE);
    assert_string_equal(idnum_error_code(IDNUM_FUTURE), "id_number_future");
}

static void test_address_codes(void **state)
{
    struct idnum_info info;
    assert_parse("999999199001011238", IDNUM_ADDRESS);
    assert_string_equal(idnum_error_code(IDNUM_ADDRESS), "id_number_address");

    assert_parse("410171199001011237", IDNUM_FUNCTIONAL_ZONE);
    assert_string_equal(idnum_error_code(IDNUM_FUNCTIONAL_ZONE), "id_number_functional_zone");
    assert_int_equal(idnum_address_known(410171), 0);
    assert_int_equal(idnum_address_known(410172), 0);
    assert_int_equal(idnum_address_known(410173), 0);

    /* 110103 崇文区 was merged into 东城区 in 2010 (current=no) but still valid on IDs. */
    assert_int_equal(idnum_address_known(110103), 1);
    assert_int_equal(idnum_parse("11010319900101123X", TODAY, &info), IDNUM_OK);
    assert_int_equal(info.address_code, 110103);

    /* Province- and prefecture-level codes appear on early numbers. */
    assert_parse("410000199001011236", IDNUM_OK);
    assert_parse("410100199001011231", IDNUM_OK);

    /* The first and last entries of the sorted list are found too. */
    assert_int_equal(idnum_address_known(110000), 1);
    assert_int_equal(idnum_address_known(820000), 1);
    assert_int_equal(idnum_address_known(0), 0);
    assert_int_equal(idnum_address_known(-1), 0);
}

static void test_added_address_code(void **state)
{
    /* 330113 杭州市临平区 was created in 2021, after the compiled list. */
    assert_int_equal(idnum_address_known(330113), 0);
    assert_parse("330113199001011233", IDNUM_ADDRESS);

    idnum_add_address_code(330113);
    idnum_add_address_code(330113); /* a repeat is harmless */
    assert_int_equal(idnum_address_known(330113), 1);
    assert_parse("330113199001011233", IDNUM_OK);

    /* Functional zones and malformed codes cannot be added. */
    idnum_add_address_code(410171);
    assert_parse("410171199001011237", IDNUM_FUNCTIONAL_ZONE);
    idnum_add_address_code(12345);
    idnum_add_address_code(1234567);
    assert_int_equal(idnum_address_known(12345), 0);
    assert_int_equal(idnum_address_known(1234567), 0);

    /* Several out of order, including enough to grow the list. */
    for (int c = 990140; c >= 990100; c--)
        idnum_add_address_code(c);
    for (int c = 990100; c <= 990140; c++)
        assert_int_equal(idnum_address_known(c), 1);
    assert_int_equal(idnum_address_known(990141), 0);
    assert_int_equal(idnum_address_known(330113), 1);
}

static void test_error_texts(void **state)
{
    static const struct {
        int r;
        const char *code;
    } cases[] = {
        {IDNUM_EMPTY, "id_number_empty"},
        {IDNUM_LENGTH, "id_number_length"},
        {IDNUM_CHARS, "id_number_chars"},
        {IDNUM_CHECK, "id_number_check"},
        {IDNUM_BIRTH_DATE, "id_number_birth_date"},
        {IDNUM_FUTURE, "id_number_future"},
        {IDNUM_ADDRESS, "id_number_address"},
        {IDNUM_FUNCTIONAL_ZONE, "id_number_functional_zone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(idnum_error_code(cases[i].r), cases[i].code);
        assert_non_null(strstr(idnum_error_zh(cases[i].r), "身份证号"));
        assert_non_null(strstr(idnum_error_en(cases[i].r), "ID number"));
    }
    /* Unknown results still give usable text. */
    assert_non_null(idnum_error_code(42));
    assert_non_null(idnum_error_zh(-99));
    assert_non_null(idnum_error_en(-9));
    assert_string_equal(idnum_error_code(IDNUM_OK), "ok");
}

static void assert_phone(const char *in, const char *expected)
{
    char out[32];
    int r = phone_normalize(in, out, sizeof out);
    if (expected) {
        if (r != 0)
            print_error("phone_normalize(\"%s\") failed\n", in);
        assert_int_equal(r, 0);
        assert_string_equal(out, expected);
    } else {
        if (r != -1)
            print_error("phone_normalize(\"%s\") accepted as \"%s\"\n", in, out);
        assert_int_equal(r, -1);
        assert_string_equal(out, "");
    }
}

static void test_phone_good(void **state)
{
    assert_phone("13812345678", "13812345678");
    assert_phone("+86 138 1234 5678", "13812345678");
    assert_phone("86-13812345678", "13812345678");
    assert_phone("008613812345678", "13812345678");
    assert_phone(" 199-1234-5678 ", "19912345678");
    assert_phone("0371-63912345", "0371-63912345");
    assert_phone("037163912345", "0371-63912345");
    assert_phone("(0371)63912345", "0371-63912345");
    assert_phone("(0371) 6391-2345", "0371-63912345");
    assert_phone("0371-6391234", "0371-6391234");
    assert_phone("010-12345678", "010-12345678");
    assert_phone("02112345678", "021-12345678");
    assert_phone("+86 371 6391 2345", "0371-63912345");
    assert_phone("+86 10 12345678", "010-12345678");
}

static void test_phone_bad(void **state)
{
    char small[11];

    assert_phone(NULL, NULL);
    assert_phone("", NULL);
    assert_phone("   ", NULL);
    assert_phone("1381234567a", NULL);
    assert_phone("1381234567", NULL);      /* 10 digits */
    assert_phone("138123456789", NULL);    /* 12 digits */
    assert_phone("12812345678", NULL);     /* 12x is not a mobile prefix */
    assert_phone("0371-639123", NULL);     /* 6-digit subscriber */
    assert_phone("0371-639123456", NULL);  /* 9-digit subscriber */
    assert_phone("011-12345678", NULL);    /* 010 is the only 01x */
    assert_phone("63912345", NULL);        /* no area code */
    assert_phone("+1 415 555 0100", NULL); /* not mainland */
    assert_phone("+86", NULL);
    assert_phone("138+12345678", NULL);
    assert_phone("(0371 63912345", NULL);
    assert_phone("0371)63912345", NULL);
    assert_phone("0371-63912345-801", NULL);
    assert_phone("13812345678.", NULL);
    assert_phone("１３８１２３４５６７８", NULL);
    assert_phone("1234567890123456789012345678901234567890", NULL);

    /* Output that does not fit is a failure, never a truncated number. */
    assert_int_equal(phone_normalize("13812345678", small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(phone_normalize("13812345678", small, 0), -1);
    assert_int_equal(phone_normalize("13812345678", NULL, 12), -1);
}

static void test_mask_id_number(void **state)
{
    char out[64];
    mask_id_number("410105199001011234", out, sizeof out);
    assert_string_equal(out, "4101**********1234");
    mask_id_number(" 11010519491231002X ", out, sizeof out);
    assert_string_equal(out, "1101**********002X");
    mask_id_number("410105900101123", out, sizeof out);
    assert_string_equal(out, "4101*******1123");
    mask_id_number("E12345678", out, sizeof out);
    assert_string_equal(out, "*********");
    mask_id_number("12", out, sizeof out);
    assert_string_equal(out, "**");
    mask_id_number("", out, sizeof out);
    assert_string_equal(out, "*");
    mask_id_number(NULL, out, sizeof out);
    assert_string_equal(out, "*");

    /* A short buffer truncates; it never shows the tail without the stars before it. */
    mask_id_number("410105199001011234", out, 8);
    assert_string_equal(out, "4101***");
}

static void test_mask_phone(void **state)
{
    char out[64];
    mask_phone("13812345678", out, sizeof out);
    assert_string_equal(out, "138****5678");
    mask_phone("+86 138 1234 5678", out, sizeof out);
    assert_string_equal(out, "138****5678");
    mask_phone("0371-63912345", out, sizeof out);
    assert_string_equal(out, "0371****2345");
    mask_phone("010-1234567", out, sizeof out);
    assert_string_equal(out, "010***4567");
    mask_phone("12345", out, sizeof out);
    assert_string_equal(out, "*****");
    mask_phone("", out, sizeof out);
    assert_string_equal(out, "*");
    /* Not a mainland number, long enough to mask like a mobile. */
    mask_phone("+14155550100", out, sizeof out);
    assert_string_equal(out, "+14*****0100");
    mask_phone("13812345678", out, 1);
    assert_string_equal(out, "");
}

static void test_mask_name(void **state)
{
    char out[64];
    mask_name("张三丰", out, sizeof out);
    assert_string_equal(out, "张**");
    mask_name("张三", out, sizeof out);
    assert_string_equal(out, "张*");
    mask_name("李", out, sizeof out);
    assert_string_equal(out, "*");
    mask_name("欧阳娜娜", out, sizeof out);
    assert_string_equal(out, "欧***");
    mask_name("阿卜杜·热合曼", out, sizeof out);
    assert_string_equal(out, "阿******");
    mask_name(" Li Lei ", out, sizeof out);
    assert_string_equal(out, "L*****");
    mask_name("", out, sizeof out);
    assert_string_equal(out, "*");
    mask_name(NULL, out, sizeof out);
    assert_string_equal(out, "*");

    /* Never half a character: 张 needs 3 bytes plus the NUL. */
    mask_name("张三丰", out, 4);
    assert_string_equal(out, "张");
    mask_name("张三丰", out, 3);
    assert_string_equal(out, "");

    /* Malformed UTF-8 is masked byte by byte rather than read past. */
    mask_name("\xe5\xbc", out, sizeof out);
    assert_string_equal(out, "\xe5*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_examples),
        cmocka_unit_test(test_check_char),
        cmocka_unit_test(test_legacy_15_digits),
        cmocka_unit_test(test_wrong_check_char),
        cmocka_unit_test(test_lowercase_x_and_spaces),
        cmocka_unit_test(test_empty_length_chars),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_birth_date_limits),
        cmocka_unit_test(test_address_codes),
        cmocka_unit_test(test_added_address_code),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_phone_good),
        cmocka_unit_test(test_phone_bad),
        cmocka_unit_test(test_mask_id_number),
        cmocka_unit_test(test_mask_phone),
        cmocka_unit_test(test_mask_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
