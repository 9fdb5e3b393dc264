/* crypto.c: see crypto.h. Subkeys are derived from the master key so the encryption key and the
 * lookup-hash key are independent. */
#include "crypto.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char enc_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char idx_key[crypto_generichash_KEYBYTES];
/* BLAKE2b keyed with idx_key, the key block already absorbed: a lookup hash copies it and hashes
 * only its value, one compression instead of two (it runs twice for every imported resident). */
static crypto_generichash_state idx_base;
static int ready;

static int load_hex(const char *hex, unsigned char master[32]) {
    size_t bin_len = 0;
    if (sodium_hex2bin(master, 32, hex, strlen(hex), " \n\r\t", &bin_len, NULL) != 0 || bin_len != 32) return -1;
    return 0;
}

int crypto_setup(const char *key_hex, const char *key_file) {
    if (sodium_init() < 0) return -1;
    unsigned char master[32];
    if (key_hex && *key_hex) {
        if (load_hex(key_hex, master)) { log_error("msg=\"secret_key must be 64 hex digits\""); return -1; }
    } else if (key_file) {
        char buf[200] = {0};
        int fd = open(key_file, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0 || load_hex(buf, master)) { log_error("msg=\"key file is not 64 hex digits\" file=%s", key_file); return -1; }
        } else if (errno == ENOENT) {
            randombytes_buf(master, sizeof master);
            char hex[65];
            sodium_bin2hex(hex, sizeof hex, master, sizeof master);
            fd = open(key_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd < 0 || write(fd, hex, 64) != 64 || write(fd, "\n", 1) != 1) {
                log_error("msg=\"cannot write key file\" file=%s err=\"%s\"", key_file, strerror(errno));
                if (fd >= 0) close(fd);
                return -1;
            }
            close(fd);
            log_info("msg=\"created a new encryption key; back it up with the database\" file=%s", key_file);
        } else {
            log_error("msg=\"cannot read key file\" file=%s err=\"%s\"", key_file, strerror(errno));
            return -1;
        }
    } else {
        return -1;
    }
    crypto_kdf_derive_from_key(enc_key, sizeof enc_key, 1, "shequenc", master);
    crypto_kdf_derive_from_key(idx_key, sizeof idx_key, 2, "shequidx", master);
    crypto_generichash_init(&idx_base, idx_key, sizeof idx_key, CRYPTO_HASH_BYTES);
    sodium_memzero(master, sizeof master);
    ready = 1;
    return 0;
}

/* Nonces need to be unique, not secret: 192 random bits per value, drawn from a per-thread pool
 * refilled 4 KiB at a time, so a bulk import makes one getrandom call per ~170 values, not one each. */
static __thread unsigned char nonce_pool[4096];
static __thread size_t nonce_left;

static void fresh_nonce(unsigned char *out, size_t n) {
    if (nonce_left < n) {
        randombytes_buf(nonce_pool, sizeof nonce_pool);
        nonce_left = sizeof nonce_pool;
    }
    unsigned char *src = nonce_pool + sizeof nonce_pool - nonce_left;
    memcpy(out, src, n);
    sodium_memzero(src, n);                   /* never hand the same bytes out twice */
    nonce_left -= n;
}

int crypto_seal(const char *field, const char *plain, size_t len, unsigned char *out, size_t *outlen) {
    if (!ready) return -1;
    unsigned char *nonce = out;
    fresh_nonce(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
        (const unsigned char *)plain, len, (const unsigned char *)field, strlen(field), NULL, nonce, enc_key);
    *outlen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    return 0;
}

int crypto_open(const char *field, const unsigned char *in, size_t len, char *out, size_t outsz) {
    const size_t np = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (!ready || len < CRYPTO_SEAL_OVERHEAD || len - CRYPTO_SEAL_OVERHEAD + 1 > outsz) return -1;
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, in + np, len - np,
            (const unsigned char *)field, strlen(field), in, enc_key) != 0)
        return -1;
    out[mlen] = 0;
    return 0;
}

void crypto_lookup_hash(const char *field, const char *value, unsigned char out[CRYPTO_HASH_BYTES]) {
    crypto_generichash_state st = idx_base;
    crypto_generichash_update(&st, (const unsigned char *)field, strlen(field) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, out, CRYPTO_HASH_BYTES);
}

int crypto_password_hash(const char *password, char *out, size_t outsz) {
    if (sodium_init() < 0 || outsz < crypto_pwhash_STRBYTES) return -1;
    return crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

int crypto_password_verify(const char *hash, const char *password) {
    if (!hash || strncmp(hash, "$argon2id$", 10) != 0) return -1;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}

int crypto_password_needs_rehash(const char *hash) {
    return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, CRYPTO_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void crypto_token_hash(const char *token, char out[65]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void crypto_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int crypto_equal(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return 0;
    return sodium_memcmp(a, b, la) == 0;
}
