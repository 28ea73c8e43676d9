/*
 * keys.c - the survey plugin's timer keys (glue.h): PREFIX:ID in full, or
 * PREFIX#sha256:HEX when the full key would pass SV_TIMER_KEY_MAX bytes.
 * Order, complaint and survey ids are data fields without a length limit
 * of their own, so a survey id built from a 256-byte customer and a long
 * order id can exceed what the host stores; SHA-256 keeps such keys distinct
 * (a collision would need two ids with one digest). '#' after the prefix
 * keeps hashed keys apart from full ones, whatever the ids hold. The digest
 * comes from OpenSSL's libcrypto (Debian libssl-dev, which libpq-dev
 * already pulls in), not a private copy.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "glue.h"

#define HASH_TAG "#sha256:"

static char *hashed(const char *prefix, const char *id)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(id, strlen(id), md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return sv_concat(prefix, HASH_TAG, hex, (char *)NULL);
}

char *sv_timer_key(const char *prefix, const char *id)
{
    if (strlen(prefix) + 1 + strlen(id) <= SV_TIMER_KEY_MAX)
        return sv_concat(prefix, ":", id, (char *)NULL);
    return hashed(prefix, id);
}

bool sv_timer_key_is(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(key, prefix, n) == 0 && (key[n] == ':' || strncmp(key + n, HASH_TAG, sizeof HASH_TAG - 1) == 0);
}

const char *sv_timer_key_id(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(key, prefix, n) == 0 && key[n] == ':' ? key + n + 1 : NULL;
}
