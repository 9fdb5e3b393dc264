/* crypto.h: everything secret, through libsodium - field encryption at rest, keyed lookup hashes,
 * argon2id password hashes, random tokens. The master key comes from the configuration (or a key
 * file beside the database, made on first use) and never leaves this module. */
#ifndef SHEQU_CRYPTO_H
#define SHEQU_CRYPTO_H
#include <stddef.h>

#define CRYPTO_HASH_BYTES 16          /* lookup hash stored beside an encrypted field */
#define CRYPTO_SEAL_OVERHEAD 40       /* 24-byte nonce + 16-byte tag */
#define CRYPTO_TOKEN_CHARS 43         /* 32 random bytes, base64url without padding */

/* Loads the 32-byte master key from `key_hex` (64 hex digits) or, when NULL, from `key_file`,
 * creating that file (mode 0600) with a fresh random key if it does not exist. */
int crypto_setup(const char *key_hex, const char *key_file);

/* XChaCha20-Poly1305; `field` is bound as associated data so a value can't be moved to another
 * field. out must hold len + CRYPTO_SEAL_OVERHEAD bytes. */
int crypto_seal(const char *field, const char *plain, size_t len, unsigned char *out, size_t *outlen);
/* Decrypts into out (NUL-terminated); -1 if tampered or out too small. */
int crypto_open(const char *field, const unsigned char *in, size_t len, char *out, size_t outsz);

/* Keyed BLAKE2b of (field, value): finds a record by an encrypted value without decrypting. */
void crypto_lookup_hash(const char *field, const char *value, unsigned char out[CRYPTO_HASH_BYTES]);

int crypto_password_hash(const char *password, char *out, size_t outsz);  /* argon2id string */
int crypto_password_verify(const char *hash, const char *password);       /* 0 if it matches */
int crypto_password_needs_rehash(const char *hash);

void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1]);                       /* random, URL-safe */
void crypto_token_hash(const char *token, char out[65]);                   /* hex BLAKE2b-256 */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
int crypto_equal(const char *a, const char *b);                            /* constant time */

#endif
