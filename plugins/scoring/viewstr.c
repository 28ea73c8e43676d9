/*
 * viewstr.c - copying a msgpack string view out (see viewstr.h).
 */
#include <stdlib.h>
#include <string.h>

#include "viewstr.h"

bool sc_view_dup(const rp_host_api *api, rp_view v, char **out)
{
    const char *s;
    size_t len;
    *out = NULL;
    if (!api->view_str(v, &s, &len))
        return true;
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = copy;
    return true;
}
