/*
 * db_conninfo.h - the conninfo rapportd actually connects with: the user's,
 * plus time limits libpq does not set by default.
 *
 * Without them a connection attempt to a server that does not answer (a
 * dropped network, a host that vanished) waits for the kernel's TCP timeouts,
 * minutes, and a session whose server died silently is noticed only after
 * about two hours of TCP keepalive silence. Each is added only when neither
 * the conninfo nor its PG* environment variable sets it, so the user's word
 * always wins.
 */
#ifndef RP_DB_CONNINFO_H
#define RP_DB_CONNINFO_H

#include <stddef.h>

/* The defaults added, as conninfo keyword and value. */
typedef struct rp_conninfo_default {
    const char *keyword;
    const char *value;
} rp_conninfo_default;

extern const rp_conninfo_default RP_CONNINFO_DEFAULTS[];

/* conninfo (key=value or postgresql:// URI; NULL or "" = libpq defaults)
 * rewritten as key='value' pairs with the missing defaults added. malloc'd;
 * NULL with err when libpq cannot parse it. */
char *rp_db_conninfo_effective(const char *conninfo, char *err, size_t errlen);

#endif
