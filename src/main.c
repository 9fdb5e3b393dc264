/* main.c: the `shequ` command line - serve, migrate, demo, user, import, export, audit, backup,
 * migrate-data (migrate_data.c), plan. Each command parses its own flags and has --help. Commands
 * that touch records reuse the server's handlers with a command-line caller, so the rules are the
 * same as over HTTP. */
#include "audit.h"
#include "config.h"
#include "ratelimit.h"
#include "crypto.h"
#include "demo.h"
#include "dispatch/dispatch.h"
#include "http.h"
#include "idnum.h"
#include "import_solo.h"
#include "log.h"
#include "migrate.h"
#include "migrate_data.h"
#include "resource.h"
#include "session.h"
#include "api.h"
#include "care_plan.h"
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *usage_main =
    "shequ - 社区服务平台 / community social-service platform\n"
    "\n"
    "Usage: shequ <command> [options]      (shequ <command> --help for each)\n"
    "\n"
    "  serve     运行服务 / serve the API and console     [--db URL] [--listen HOST:PORT] [--config FILE]\n"
    "  migrate   建立或升级数据库 / create or upgrade the schema\n"
    "  demo      生成金水区演示数据 / build the demo district   [--password PW] [--scale N]\n"
    "  user      账号管理 / accounts: add | passwd | list\n"
    "  import    导入 CSV/XLSX / import a file:  import <resource> FILE [--dry-run]\n"
    "  export    导出 CSV/XLSX / export a file:  export <resource> FILE [--filter k=v]\n"
    "  audit     审计日志 / audit log: verify\n"
    "  backup    在线备份 / online backup:  backup FILE\n"
    "  migrate-data  迁移到 PostgreSQL / move a district:  --from sqlite:PATH --to postgresql://...\n"
    "  plan      上门服务排班求解 / visit routing solver (VRPTW)\n"
    "  care-plans  按护理计划生成当日工单 / a day's orders from care plans:  generate --date YYYY-MM-DD\n"
    "\n"
    "Common options: --db URL (sqlite:PATH, default sqlite:shequ.db or $SHEQU_DB; or\n"
    "postgresql://USER@HOST:PORT/DBNAME, libpq's URI form), --config FILE.\n"
    "The encryption key for ID numbers and phones is secret_key in the config, $SHEQU_SECRET_KEY, or\n"
    "the file key_file; by default PATH.key beside an SQLite database (created on first use; back it\n"
    "up with the database). A PostgreSQL database needs one of the first three.\n";

struct common { struct config cfg; const char *config_file; };

static int load_config(struct common *cm) {
    config_defaults(&cm->cfg);
    if (cm->config_file && config_load_file(&cm->cfg, cm->config_file)) return -1;
    config_load_env(&cm->cfg);
    return 0;
}

/* Options every command takes; returns 1 if consumed. */
static int common_opt(struct common *cm, int c, const char *arg, struct config *override, int *have_db) {
    if (c == 'd') { snprintf(override->db, sizeof override->db, "%s", arg); *have_db = 1; return 1; }
    if (c == 'c') { cm->config_file = arg; return 1; }
    return 0;
}

static int open_db(struct config *cfg, int pool, db **out, int need_key) {
    log_level = !strcmp(cfg->log_level, "debug") ? LOG_DEBUG : !strcmp(cfg->log_level, "warn") ? LOG_WARN : LOG_INFO;
    if (db_open(cfg->db, pool, out) != 0) {
        /* a URL's password stays out of the message */
        char shown[sizeof cfg->db];
        db_url_redacted(cfg->db, shown, sizeof shown);
        fprintf(stderr, "shequ: cannot open database %s\n", shown);
        return -1;
    }
    if (need_key) {
        char keyfile[600];
        if (*cfg->key_file) snprintf(keyfile, sizeof keyfile, "%s", cfg->key_file);
        else if (db_url_path(*out)) snprintf(keyfile, sizeof keyfile, "%s.key", db_url_path(*out));
        else if (!*cfg->secret_key) {
            /* a database server has no file to keep the key beside, and every server needs the same one */
            fprintf(stderr, "shequ: a PostgreSQL database needs the encryption key from the configuration: "
                            "secret_key, $SHEQU_SECRET_KEY or key_file (64 hex digits, the same on every server)\n");
            db_close(*out);
            return -1;
        }
        else keyfile[0] = 0;
        if (crypto_setup(*cfg->secret_key ? cfg->secret_key : NULL, keyfile) != 0) {
            fprintf(stderr, "shequ: no usable encryption key (secret_key, $SHEQU_SECRET_KEY or %s)\n", keyfile);
            db_close(*out);
            return -1;
        }
    }
    char *codes = strdup(cfg->address_codes), *save = NULL;
    for (char *t = strtok_r(codes, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) idnum_add_address_code(atoi(t));
    free(codes);
    return 0;
}

static int migrate_db(db *d) {
    db_conn *c = db_acquire(d);
    int rc = migrate_run(c, 1);
    db_release(c);
    if (rc) fprintf(stderr, "shequ: migration failed\n");
    return rc;
}

static const struct option common_long[] = {
    {"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

/* For commands whose only options are the common ones: parses them, loads the configuration.
 * Returns -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_common_only(int argc, char **argv, const char *help, struct common *cm) {
    struct config ov;
    int have_db = 0, c;
    while ((c = getopt_long(argc, argv, "", common_long, NULL)) != -1) {
        if (common_opt(cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'h') { fputs(help, stdout); return 0; }
        fputs(help, stderr);
        return 2;
    }
    if (load_config(cm)) return 1;
    if (have_db) snprintf(cm->cfg.db, sizeof cm->cfg.db, "%s", ov.db);
    return -1;
}

/* ---------- serve ---------- */

static int cmd_serve(int argc, char **argv) {
    static const char *help =
        "Usage: shequ serve [--db URL] [--listen HOST:PORT] [--config FILE] [--threads N] [--web DIR]\n"
        "Serves the JSON API under /api/v1/ and the console on HOST:PORT (default 127.0.0.1:8080).\n"
        "The console is read from DIR (default build/web, made from web/ by `make`).\n"
        "Migrates the database first. Stops gracefully on SIGTERM or Ctrl-C.\n"
        "Threads: 2 per core, 6 per core on PostgreSQL (each statement is a round trip they wait out).\n";
    struct common cm = {0};
    struct config ov;
    memset(&ov, 0, sizeof ov);
    int have_db = 0;
    const char *listen = NULL, *web = NULL;
    int threads = 0;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"listen", required_argument, 0, 'l'}, {"threads", required_argument, 0, 't'}, {"web", required_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'l') listen = optarg;
        else if (c == 't') threads = atoi(optarg);
        else if (c == 'w') web = optarg;
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (load_config(&cm)) return 1;
    struct config *cfg = &cm.cfg;
    if (have_db) snprintf(cfg->db, sizeof cfg->db, "%s", ov.db);
    if (listen && config_parse_listen(cfg, listen)) { fprintf(stderr, "shequ: --listen takes HOST:PORT\n"); return 2; }
    if (threads > 0) cfg->threads = threads;
    /* on a database server each statement is a round trip the thread waits out, longer when the
     * database is on another machine: two threads a core would leave the cores idle then. With
     * PostgreSQL on the same 2 cores the CPU is the limit and 4 or 12 threads measure the same
     * within noise (docs/BENCHMARKS.md). */
    else if (cfg->threads_auto && db_url_remote(cfg->db)) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = n > 0 ? (int)(6 * n) : 12;
    }
    if (web) snprintf(cfg->web_root, sizeof cfg->web_root, "%s", web);
    session_idle_timeout_s = cfg->session_idle_minutes * 60;
    cookie_secure = cfg->cookie_secure;
    ratelimit_configure(cfg);
    db *d;
    if (open_db(cfg, cfg->threads + 3, &d, 1)) return 1;
    if (migrate_db(d)) { db_close(d); return 1; }
    struct server_opts o = {cfg->host, cfg->port, cfg->threads, cfg->max_connections, cfg->per_ip_connections,
                            cfg->timeout_s, cfg->body_limit, cfg->import_limit, cfg->web_root};
    int rc = http_serve(d, &o);
    db_close(d);
    return rc ? 1 : 0;
}

static int cmd_migrate(int argc, char **argv) {
    static const char *help = "Usage: shequ migrate [--db URL] [--config FILE]\nCreates or upgrades the schema and seeds dictionaries, roles and the Zhengzhou divisions.\n";
    struct common cm = {0};
    int ex = parse_common_only(argc, argv, help, &cm);
    if (ex >= 0) return ex;
    db *d;
    if (open_db(&cm.cfg, 1, &d, 0)) return 1;
    int rc = migrate_db(d);
    db_close(d);
    if (!rc) printf("migrated %s\n", cm.cfg.db);
    return rc ? 1 : 0;
}

/* ---------- demo ---------- */

static int cmd_demo(int argc, char **argv) {
    static const char *help =
        "Usage: shequ demo [--db URL] [--password PW] [--scale N] [--seed N]\n"
        "Builds the demo district 金水区 (Jinshui, Zhengzhou) as the source article reports it: its street\n"
        "offices, 163 communities (40 of class 1), 39 city-level service centres, grids, buildings,\n"
        "N synthetic residents (default 200000) in households, and one user per built-in role\n"
        "(password PW, else a random one that is printed). The database must be new or empty of people.\n";
    struct common cm = {0};
    struct config ov;
    int have_db = 0, c;
    const char *password = NULL;
    long scale = 200000;
    unsigned long long seed = 20160112;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"password", required_argument, 0, 'p'}, {"scale", required_argument, 0, 's'}, {"seed", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'p') password = optarg;
        else if (c == 's') scale = atol(optarg);
        else if (c == 'S') seed = strtoull(optarg, NULL, 10);
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (scale < 100 || scale > 20000000) { fprintf(stderr, "shequ: --scale must be between 100 and 20000000\n"); return 2; }
    if (password && !validate_password_policy(password)) {
        fprintf(stderr, "shequ: the password needs 8+ characters with letters and digits\n");
        return 2;
    }
    if (load_config(&cm)) return 1;
    if (have_db) snprintf(cm.cfg.db, sizeof cm.cfg.db, "%s", ov.db);
    db *d;
    if (open_db(&cm.cfg, 2, &d, 1)) return 1;
    if (migrate_db(d)) { db_close(d); return 1; }
    char pw[CRYPTO_TOKEN_CHARS + 1];
    if (!password) {
        crypto_token(pw);
        pw[12] = 0;
        strcat(pw, "a1");                 /* letters and digits, whatever the random draw was */
        password = pw;
    }
    int rc = demo_build(d, scale, seed, password);
    db_close(d);
    return rc ? 1 : 0;
}

/* ---------- helpers for record commands ---------- */

/* The command-line caller: every permission with scope "all", recorded in the audit log as cli. */
static void cli_principal(principal *p) {
    memset(p, 0, sizeof *p);
    snprintf(p->username, sizeof p->username, "cli");
    snprintf(p->name, sizeof p->name, "命令行");
    snprintf(p->org_path, sizeof p->org_path, "/");
    p->via_bearer = 1;
    static const char *extra[] = {"audit.read", "data.export", "data.import", "service_orders.intake", "service_orders.dispatch",
                                  "service_orders.serve", "service_orders.follow_up", "service_orders.settle", NULL};
    for (int i = 0; i < resources_count; i++) {
        const char *base = resources[i]->perm ? resources[i]->perm : resources[i]->name;
        const char *kinds[] = {"read", "write", "unmask"};
        for (int k = 0; k < 3; k++) {
            int n = snprintf(p->permbuf + p->permbuf_len, sizeof p->permbuf - (size_t)p->permbuf_len, "%s.%s", base, kinds[k]);
            if (p->ngrants >= MAX_GRANTS || n <= 0 || p->permbuf_len + n + 1 > (int)sizeof p->permbuf) return;
            p->grants[p->ngrants].perm = p->permbuf + p->permbuf_len;
            p->grants[p->ngrants++].scope = SCOPE_ALL;
            p->permbuf_len += n + 1;
        }
    }
    for (int i = 0; extra[i] && p->ngrants < MAX_GRANTS; i++) {
        p->grants[p->ngrants].perm = extra[i];
        p->grants[p->ngrants++].scope = SCOPE_ALL;
    }
}

static int read_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0) { fclose(f); return -1; }
    *out = malloc((size_t)n + 1);
    *len = fread(*out, 1, (size_t)n, f);
    (*out)[*len] = 0;
    fclose(f);
    return 0;
}

static int print_response(req *r) {
    if (r->resp_body) {
        json_t *j = json_loads(r->resp_body, 0, NULL);
        if (j) { char *s = json_dumps(j, JSON_INDENT(2)); puts(s); free(s); json_decref(j); }
        else puts(r->resp_body);
    }
    return r->status >= 400 ? 1 : 0;
}

static int cmd_import(int argc, char **argv) {
    static const char *help =
        "Usage: shequ import <resource> FILE [--dry-run] [--db URL]\n"
        "Imports a CSV (UTF-8 or GBK) or XLSX file into a resource (persons, households, buildings,\n"
        "org_units, dict_items). Headers are field names or labels (姓名, 证件号码 ...). Every row is\n"
        "checked as over the API; any bad row imports nothing. --dry-run checks and reports only.\n"
        "An SQLite file that nothing else has open is held alone for the import (rows written once,\n"
        "with a rollback journal, WAL again afterwards); otherwise the import shares it as a server does.\n";
    struct common cm = {0};
    struct config ov;
    int have_db = 0, c, dry = 0;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"dry-run", no_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'n') dry = 1;
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (argc - optind != 2) { fputs(help, stderr); return 2; }
    const struct resource *res = resource_find(argv[optind]);
    if (!res) { fprintf(stderr, "shequ: no resource '%s'\n", argv[optind]); return 2; }
    if (load_config(&cm)) return 1;
    if (have_db) snprintf(cm.cfg.db, sizeof cm.cfg.db, "%s", ov.db);
    char *body;
    size_t len;
    if (read_file(argv[optind + 1], &body, &len)) { fprintf(stderr, "shequ: cannot read %s\n", argv[optind + 1]); return 1; }
    db *d;
    if (open_db(&cm.cfg, 1, &d, 1)) { free(body); return 1; }
    if (migrate_db(d)) { free(body); db_close(d); return 1; }
    db_conn *conn = db_acquire(d);
    principal p;
    cli_principal(&p);
    req r;
    req_init_cli(&r, conn, &p, "POST");
    const char *q[] = {"dry_run", "1"};
    if (dry) { r.cli_query = q; r.ncli_query = 1; }
    r.res = res;
    r.body = body;
    r.body_len = len;
    double t0 = now_monotonic();
    struct import_solo solo;
    int alone = !dry && import_solo_begin(conn, &solo);     /* rows written once when nobody else has the file */
    http_run_handler(&r, crud_import);
    if (alone) import_solo_end(conn, &solo);
    double secs = now_monotonic() - t0;
    int rc = print_response(&r);
    fprintf(stderr, "%.2f s\n", secs);
    req_free_cli(&r);
    free(body);
    db_release(conn);
    db_close(d);
    return rc;
}

static int cmd_export(int argc, char **argv) {
    static const char *help =
        "Usage: shequ export <resource> FILE.csv|FILE.xlsx [--filter name=value ...] [--unmask] [--db URL]\n"
        "Writes every live record of the resource (or those matching the filters, as in the API's list)\n"
        "to a CSV or XLSX file. ID numbers and phones are masked unless --unmask is given (audited).\n";
    struct common cm = {0};
    struct config ov;
    int have_db = 0, c;
    const char *filters[64];
    int nf = 0;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"filter", required_argument, 0, 'f'}, {"unmask", no_argument, 0, 'u'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'u') { filters[nf++] = "unmask"; filters[nf++] = "1"; continue; }
        if (c == 'f') {
            char *eq = strchr(optarg, '=');
            if (!eq || nf >= 62) { fputs(help, stderr); return 2; }
            *eq = 0;
            filters[nf++] = optarg;
            filters[nf++] = eq + 1;
        } else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (argc - optind != 2) { fputs(help, stderr); return 2; }
    const struct resource *res = resource_find(argv[optind]);
    if (!res) { fprintf(stderr, "shequ: no resource '%s'\n", argv[optind]); return 2; }
    const char *out = argv[optind + 1];
    size_t ol = strlen(out);
    int xlsx = ol > 5 && !strcmp(out + ol - 5, ".xlsx");
    if (!xlsx && !(ol > 4 && !strcmp(out + ol - 4, ".csv"))) { fprintf(stderr, "shequ: the file must end in .csv or .xlsx\n"); return 2; }
    if (load_config(&cm)) return 1;
    if (have_db) snprintf(cm.cfg.db, sizeof cm.cfg.db, "%s", ov.db);
    db *d;
    if (open_db(&cm.cfg, 1, &d, 1)) return 1;
    if (migrate_db(d)) { db_close(d); return 1; }
    db_conn *conn = db_acquire(d);
    principal p;
    cli_principal(&p);
    req r;
    req_init_cli(&r, conn, &p, "GET");
    r.cli_query = filters;
    r.ncli_query = nf / 2;
    r.res = res;
    http_run_handler(&r, xlsx ? crud_export_xlsx : crud_export_csv);
    int rc = 0;
    if (r.status == 200 && r.resp_fd >= 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[65536];
        ssize_t n;
        while (fd >= 0 && (n = read(r.resp_fd, buf, sizeof buf)) > 0)
            if (write(fd, buf, (size_t)n) != n) { rc = 1; break; }
        if (fd < 0) { fprintf(stderr, "shequ: cannot write %s\n", out); rc = 1; }
        else close(fd);
        if (!rc) printf("%s\n", out);
    } else {
        rc = print_response(&r);
    }
    req_free_cli(&r);
    db_release(conn);
    db_close(d);
    return rc;
}

/* ---------- care-plans ---------- */

static int cmd_care_plans(int argc, char **argv) {
    static const char *help =
        "Usage: shequ care-plans generate --date YYYY-MM-DD [--db URL]\n"
        "Makes that day's service orders from the active care plans (护理计划), as\n"
        "POST /api/v1/care_plans/generate does: once per plan and day (a second run makes none),\n"
        "skipping paused or ended plans, dates outside a plan and elders no longer served. For a\n"
        "daily cron job: shequ care-plans generate --date $(TZ=Asia/Shanghai date +%F)\n";
    if (argc < 2 || strcmp(argv[1], "generate")) {
        int h = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    argc--;
    argv++;
    struct common cm = {0};
    struct config ov;
    int have_db = 0, c;
    const char *date = NULL;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"date", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 't') date = optarg;
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (!date || optind != argc) { fputs(help, stderr); return 2; }
    if (load_config(&cm)) return 1;
    if (have_db) snprintf(cm.cfg.db, sizeof cm.cfg.db, "%s", ov.db);
    db *d;
    if (open_db(&cm.cfg, 1, &d, 1)) return 1;
    if (migrate_db(d)) { db_close(d); return 1; }
    db_conn *conn = db_acquire(d);
    principal p;
    cli_principal(&p);
    req r;
    req_init_cli(&r, conn, &p, "POST");
    json_t *body = json_pack("{s:s}", "date", date);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    r.body = text;
    r.body_len = strlen(text);
    http_run_handler(&r, care_plan_generate);
    int rc = print_response(&r);
    req_free_cli(&r);
    free(text);
    db_release(conn);
    db_close(d);
    return rc;
}

/* ---------- user ---------- */

static int cmd_user(int argc, char **argv) {
    static const char *help =
        "Usage:\n"
        "  shequ user add --username U --name NAME --org CODE|ID --roles r1,r2 [--password PW]\n"
        "  shequ user passwd USERNAME [--password PW]\n"
        "  shequ user list\n"
        "Built-in roles: district_admin street_admin community_worker grid_worker auditor.\n"
        "Without --password a random one is generated and printed. All take --db URL.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { fputs(help, argc < 2 ? stderr : stdout); return argc < 2 ? 2 : 0; }
    const char *sub = argv[1];
    struct common cm = {0};
    struct config ov;
    int have_db = 0, c;
    const char *username = NULL, *name = NULL, *org = NULL, *roles = NULL, *password = NULL;
    static const struct option longs[] = {{"db", required_argument, 0, 'd'}, {"config", required_argument, 0, 'c'},
        {"username", required_argument, 0, 'u'}, {"name", required_argument, 0, 'n'}, {"org", required_argument, 0, 'o'},
        {"roles", required_argument, 0, 'r'}, {"password", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 2;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (common_opt(&cm, c, optarg, &ov, &have_db)) continue;
        if (c == 'u') username = optarg;
        else if (c == 'n') name = optarg;
        else if (c == 'o') org = optarg;
        else if (c == 'r') roles = optarg;
        else if (c == 'p') password = optarg;
        else if (c == 'h') { fputs(help, stdout); return 0; }
        else { fputs(help, stderr); return 2; }
    }
    if (!strcmp(sub, "passwd") && optind < argc) username = argv[optind];
    if (load_config(&cm)) return 1;
    if (have_db) snprintf(cm.cfg.db, sizeof cm.cfg.db, "%s", ov.db);
    char pw[CRYPTO_TOKEN_CHARS + 3];
    db *d;
    if (open_db(&cm.cfg, 1, &d, 1)) return 1;
    if (!password && strcmp(sub, "list") != 0) {
        crypto_token(pw);
        pw[12] = 0;
        strcat(pw, "a1");
        password = pw;
        printf("password: %s\n", password);
    }
    if (migrate_db(d)) { db_close(d); return 1; }
    db_conn *conn = db_acquire(d);
    principal p;
    cli_principal(&p);
    req r;
    int rc = 0;
    if (!strcmp(sub, "list")) {
        db_stmt *s = db_prepare(conn, "SELECT u.id, u.username, u.name, u.roles, u.status, o.name FROM users u "
                                      "JOIN org_units o ON o.id = u.org_id WHERE u.deleted_at IS NULL ORDER BY u.id");
        while (s && db_step(s) == DB_ROW)
            printf("%-5lld %-20s %-10s %-30s %-8s %s\n", (long long)db_col_int(s, 0), db_col_text(s, 1), db_col_text(s, 2),
                   db_col_text(s, 3), db_col_text(s, 4), db_col_text(s, 5));
        db_done(s);
    } else if (!strcmp(sub, "add")) {
        if (!username || !name || !org || !roles) { fputs(help, stderr); rc = 2; goto done; }
        int64_t org_id = 0;
        if (db_query_int(conn, "SELECT id FROM org_units WHERE (code = ? OR CAST(id AS TEXT) = ?) AND deleted_at IS NULL", &org_id, "ss", org, org) != 0) {
            fprintf(stderr, "shequ: no unit with code or id %s\n", org);
            rc = 1;
            goto done;
        }
        req_init_cli(&r, conn, &p, "POST");
        r.res = resource_find("users");
        json_t *in = json_pack("{s:s,s:s,s:s,s:I,s:[]}", "username", username, "password", password, "name", name, "org_id", (json_int_t)org_id, "roles");
        char *rl = strdup(roles), *save = NULL;
        for (char *t = strtok_r(rl, ",", &save); t; t = strtok_r(NULL, ",", &save)) json_array_append_new(json_object_get(in, "roles"), json_string(t));
        free(rl);
        r.body = json_dumps(in, 0);
        r.body_len = strlen(r.body);
        json_decref(in);
        http_run_handler(&r, crud_create);
        rc = print_response(&r);
        free(r.body);
        req_free_cli(&r);
    } else if (!strcmp(sub, "passwd")) {
        if (!username) { fputs(help, stderr); rc = 2; goto done; }
        if (!validate_password_policy(password)) { fprintf(stderr, "shequ: the password needs 8+ characters with letters and digits\n"); rc = 2; goto done; }
        char hash[200];
        if (crypto_password_hash(password, hash, sizeof hash)) { rc = 1; goto done; }
        db_stmt *s = db_prepare(conn, "UPDATE users SET password_hash = ?, version = version + 1 WHERE username = ? AND deleted_at IS NULL");
        db_bind_text(s, 1, hash, -1);
        db_bind_text(s, 2, username, -1);
        db_step(s);
        db_done(s);
        if (db_changes(conn) == 0) { fprintf(stderr, "shequ: no user %s\n", username); rc = 1; goto done; }
        int64_t uid = 0;
        db_query_int(conn, "SELECT id FROM users WHERE username = ? AND deleted_at IS NULL", &uid, "s", username);
        session_revoke_user(conn, uid, NULL);
        audit_log_as(conn, 0, "cli", "cli", "password_reset", "users", uid, "/", "命令行重置密码", NULL);
        printf("password changed for %s\n", username);
    } else {
        fputs(help, stderr);
        rc = 2;
    }
done:
    db_release(conn);
    db_close(d);
    return rc;
}

/* ---------- audit, backup ---------- */

static int cmd_audit(int argc, char **argv) {
    static const char *help = "Usage: shequ audit verify [--db URL]\nChecks the audit log's hash chain: an edited, inserted or deleted entry is reported with its id.\n";
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { fputs(help, stdout); return 0; }
        fputs(help, stderr);
        return 2;
    }
    struct common cm = {0};
    optind = 2;
    int ex = parse_common_only(argc, argv, help, &cm);
    if (ex >= 0) return ex;
    db *d;
    if (open_db(&cm.cfg, 1, &d, 0)) return 1;
    db_conn *conn = db_acquire(d);
    int64_t checked = 0;
    char reason[200] = "";
    int64_t bad = audit_verify(conn, &checked, reason, sizeof reason);
    db_release(conn);
    db_close(d);
    if (bad < 0) { fprintf(stderr, "shequ: cannot read the audit log\n"); return 1; }
    if (bad > 0) { printf("audit log BROKEN at entry %lld: %s\n", (long long)bad, reason); return 3; }
    printf("audit log intact: %lld entries verified\n", (long long)checked);
    return 0;
}

static int cmd_backup(int argc, char **argv) {
    static const char *help = "Usage: shequ backup FILE [--db URL]\nCopies the live database to FILE while the server keeps running: SQLite's online backup, or for\n"
                              "PostgreSQL a pg_dump archive (custom format; restore with pg_restore). Back up the key too.\n";
    struct common cm = {0};
    int ex = parse_common_only(argc, argv, help, &cm);
    if (ex >= 0) return ex;
    if (argc - optind != 1) { fputs(help, stderr); return 2; }
    db *d;
    if (open_db(&cm.cfg, 1, &d, 0)) return 1;
    db_conn *conn = db_acquire(d);
    int rc = db_backup(conn, argv[optind]);
    db_release(conn);
    db_close(d);
    if (rc) { fprintf(stderr, "shequ: backup failed\n"); return 1; }
    printf("backup written to %s\n", argv[optind]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    argv++;
    argc--;
    optind = 1;
    if (!strcmp(cmd, "serve")) return cmd_serve(argc, argv);
    if (!strcmp(cmd, "migrate")) return cmd_migrate(argc, argv);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc, argv);
    if (!strcmp(cmd, "user")) return cmd_user(argc, argv);
    if (!strcmp(cmd, "import")) return cmd_import(argc, argv);
    if (!strcmp(cmd, "export")) return cmd_export(argc, argv);
    if (!strcmp(cmd, "audit")) return cmd_audit(argc, argv);
    if (!strcmp(cmd, "backup")) return cmd_backup(argc, argv);
    if (!strcmp(cmd, "migrate-data")) return migrate_data_main(argc, argv);
    if (!strcmp(cmd, "plan")) return dispatch_plan_main(argc, argv);
    if (!strcmp(cmd, "care-plans")) return cmd_care_plans(argc, argv);
    fprintf(stderr, "shequ: unknown command '%s'\n\n%s", cmd, usage_main);
    return 2;
}
