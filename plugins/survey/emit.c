/*
 * emit.c - msgpack maps for the survey plugin's derived events (fields in
 * docs/plugins/survey.md) and timer payloads.
 */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

struct sv_pack {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    bool oom;
};

/* Remembers a failed write instead of checking every pack call. */
static int write_checked(void *data, const char *buf, size_t len)
{
    sv_pack *p = data;
    if (!p->oom && msgpack_sbuffer_write(&p->sb, buf, len) != 0)
        p->oom = true;
    return 0;
}

sv_pack *sv_pack_new(size_t fields)
{
    sv_pack *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, p, write_checked);
    msgpack_pack_map(&p->pk, fields);
    return p;
}

static void put_str(sv_pack *p, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(&p->pk, n);
    msgpack_pack_str_body(&p->pk, s, n);
}

void sv_pack_str(sv_pack *p, const char *key, const char *value)
{
    if (!p)
        return;
    put_str(p, key);
    if (value)
        put_str(p, value);
    else
        msgpack_pack_nil(&p->pk);
}

void sv_pack_int(sv_pack *p, const char *key, int64_t value)
{
    if (!p)
        return;
    put_str(p, key);
    msgpack_pack_int64(&p->pk, value);
}

void sv_pack_dbl(sv_pack *p, const char *key, double value)
{
    if (!p)
        return;
    put_str(p, key);
    if (value >= 0)
        msgpack_pack_double(&p->pk, value);
    else
        msgpack_pack_nil(&p->pk);
}

void sv_pack_bool(sv_pack *p, const char *key, bool value)
{
    if (!p)
        return;
    put_str(p, key);
    if (value)
        msgpack_pack_true(&p->pk);
    else
        msgpack_pack_false(&p->pk);
}

static void scale_question(sv_pack *p, const char *id, const char *text, int min, int max)
{
    msgpack_pack_map(&p->pk, 5);
    sv_pack_str(p, "id", id);
    sv_pack_str(p, "type", "scale");
    sv_pack_str(p, "text", text);
    sv_pack_int(p, "min", min);
    sv_pack_int(p, "max", max);
}

void sv_pack_questions(sv_pack *p)
{
    if (!p)
        return;
    put_str(p, "questions");
    msgpack_pack_array(&p->pk, 3);
    scale_question(p, "nps", "How likely are you to recommend us to a friend or colleague?", 0, 10);
    scale_question(p, "csat", "How satisfied are you with us?", 1, 5);
    msgpack_pack_map(&p->pk, 4);
    sv_pack_str(p, "id", "comment");
    sv_pack_str(p, "type", "text");
    sv_pack_str(p, "text", "Anything we should know?");
    sv_pack_bool(p, "optional", true);
}

static bool finish(sv_pack *p, rp_ctx *ctx, const rp_host_api *api, const char *what)
{
    if (p && !p->oom)
        return true;
    api->fail(ctx, "survey: out of memory building %s", what);
    return false;
}

static void destroy(sv_pack *p)
{
    if (!p)
        return;
    msgpack_sbuffer_destroy(&p->sb);
    free(p);
}

bool sv_pack_emit(sv_pack *p, rp_ctx *ctx, const rp_host_api *api, const char *type,
                  const char *customer)
{
    bool ok = finish(p, ctx, api, type)
              && api->emit(ctx, type, customer, NULL, (const uint8_t *)p->sb.data, p->sb.size) == RP_OK;
    destroy(p);
    return ok;
}

bool sv_pack_timer(sv_pack *p, rp_ctx *ctx, const rp_host_api *api, const char *tenant,
                   const char *key, int64_t due_ms, const char *customer)
{
    bool ok = finish(p, ctx, api, key)
              && api->timer_set(ctx, tenant, key, due_ms, customer, NULL, (const uint8_t *)p->sb.data,
                                p->sb.size) == RP_OK;
    destroy(p);
    return ok;
}
