/*
 * rp_viewstr.c - a view's string as a malloc'd C string (see rp_viewstr.h).
 */
#include "rapport/rp_viewstr.h"

#include <stdlib.h>
#include <string.h>

bool rp_view_strdup(const rp_host_api *api, rp_view v, char **out)
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
