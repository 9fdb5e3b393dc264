/* provider.c: contracted home-care providers (居家养老服务机构). A provider is an organisation the
 * district (or a street office) contracts to serve elders at home: its unified social credit code
 * (统一社会信用代码, GB 32100-2015, checked with its check character), contact, contract dates, the
 * units it serves and whether orders may go to it. It is filed under the contracting unit. Like the
 * service catalogue, the list of providers is public to every signed-in user (an operator picks
 * one, a provider's people see their own name); only a writer whose scope covers the contracting
 * unit changes it. Its caregivers and orders are caregiver.c's and service_order.c's. */
#include "resource.h"
#include "provider.h"
#include <string.h>

static const struct field provider_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, "机构名称", "Name", .max_len = 100},
    {"credit_code", FT_TEXT, F_REQUIRED | F_UNIQUE | F_FILTER | F_SEARCH | F_LIST, "统一社会信用代码", "Unified social credit code",
     .max_len = 18},
    {"contact_name", FT_TEXT, F_LIST, "联系人", "Contact", .max_len = 50},
    {"phone", FT_TEXT, F_LIST, "联系电话", "Phone", .max_len = 30},
    {"address", FT_TEXT, 0, "地址", "Address", .max_len = 200},
    {"contract_start", FT_DATE, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "合同开始", "Contract from"},
    {"contract_end", FT_DATE, F_FILTER | F_SORT | F_LIST, "合同截止", "Contract until", .after = "contract_start"},
    {"service_area", FT_REFS, F_FILTER, "服务区域", "Service area", .ref = "org_units"},
    {"status", FT_DICT, F_FILTER | F_SORT | F_LIST, "状态", "Status", .dict = "provider_status", .def = "active"},
    {"org_id", FT_ORG, F_REQUIRED | F_FILTER | F_SORT | F_LIST, "签约单位", "Contracted by", .levels = "city district street"},
    {"note", FT_TEXT, 0, "备注", "Note", .max_len = 500},
};

int credit_code_valid(const char *s) {
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (!s || strlen(s) != 18) return 0;
    int sum = 0;
    for (int i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(chars, s[i]) : NULL;
        if (!p) return 0;
        if (i < 17) sum += (int)(p - chars) * weights[i];
        else return (int)(p - chars) == (31 - sum % 31) % 31;
    }
    return 0;
}

static int provider_validate(struct write_ctx *w) {
    const char *code = write_ctx_str(w, "credit_code");
    if (json_object_get(w->in, "credit_code") && code && !credit_code_valid(code))
        write_error(w, "credit_code", "invalid_credit_code", "统一社会信用代码不正确（18位，校验位须符合 GB 32100-2015）",
                    "Not a valid unified social credit code (18 characters with the GB 32100-2015 check character)");
    return 0;
}

const struct resource res_providers = {
    .name = "providers", .table = "providers", .label_zh = "服务机构", .label_en = "Care providers",
    .fields = provider_fields, .nfields = sizeof provider_fields / sizeof provider_fields[0],
    .flags = R_SCOPED | R_GLOBAL_READ | R_EXPORT, .default_sort = "name", .title_field = "name",
    .validate = provider_validate,
};
