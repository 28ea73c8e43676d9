/*
 * forest.c - the referral forest and its incremental maintenance (forest.h
 * explains the quantities, the complexity and the working-set contract).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forest.h"

/* A sentence of any length (ids are up to 256 bytes and chains up to
 * max_depth long): malloc'd, NULL when memory ran out. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

/* Stores a sentence in *why when the caller asked for one. */
#define SAY(why, ...) do { if (why) *(why) = format(__VA_ARGS__); } while (0)

/* ------------------------------------------------------------------------
 * Storage: a node array plus the SDK's key index by customer id.
 * ---------------------------------------------------------------------- */

static const char *node_id(const void *nodes, size_t i)
{
    return ((const rf_node *)nodes)[i].id;
}

void rf_forest_init(rf_forest *f, const rf_influence_params *params, int32_t max_depth)
{
    memset(f, 0, sizeof *f);
    f->influence = *params;
    f->max_depth = max_depth;
}

void rf_forest_free(rf_forest *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->nodes[i].id);
        free(f->nodes[i].parent_id);
    }
    free(f->nodes);
    rp_keyindex_free(&f->index);
    memset(f, 0, sizeof *f);
}

void rf_touch(rf_forest *f, int32_t i)
{
    rf_node *n = &f->nodes[i];
    n->dirty = true;
    if (f->now > n->changed_ms)
        n->changed_ms = f->now;
}

int32_t rf_find(const rf_forest *f, const char *id)
{
    size_t i = rp_keyindex_find(&f->index, id, node_id, f->nodes);
    return i == RP_KEYINDEX_NONE ? RF_NONE : (int32_t)i;
}

static int32_t append_node(rf_forest *f, const rf_node *proto)
{
    if (f->count >= (size_t)INT32_MAX)
        return RF_NONE;
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        rf_node *nodes = realloc(f->nodes, cap * sizeof *nodes);
        if (!nodes)
            return RF_NONE;
        f->nodes = nodes;
        f->cap = cap;
    }
    rf_node n = *proto;
    n.id = strdup(proto->id);
    n.parent_id = proto->parent_id ? strdup(proto->parent_id) : NULL;
    n.parent = n.first_child = n.next_sibling = RF_NONE;
    int32_t i = (int32_t)f->count;
    f->nodes[i] = n;
    if (!n.id || (proto->parent_id && !n.parent_id)
        || !rp_keyindex_add(&f->index, (size_t)i, node_id, f->nodes)) {
        free(n.id);
        free(n.parent_id);
        return RF_NONE;
    }
    f->count++;
    return i;
}

int32_t rf_get_or_add(rf_forest *f, const char *id)
{
    int32_t i = rf_find(f, id);
    if (i != RF_NONE)
        return i;
    rf_node fresh = {.id = (char *)id, .subtree_size = 1, .dirty = true, .changed_ms = f->now};
    return append_node(f, &fresh);
}

int32_t rf_load(rf_forest *f, const rf_node *stored)
{
    if (rf_find(f, stored->id) != RF_NONE)
        return RF_NONE;
    rf_node copy = *stored;
    copy.dirty = false;
    return append_node(f, &copy);
}

static void add_child(rf_forest *f, int32_t parent, int32_t child)
{
    f->nodes[child].parent = parent;
    f->nodes[child].next_sibling = f->nodes[parent].first_child;
    f->nodes[parent].first_child = child;
}

static void remove_child(rf_forest *f, int32_t parent, int32_t child)
{
    int32_t *link = &f->nodes[parent].first_child;
    while (*link != RF_NONE && *link != child)
        link = &f->nodes[*link].next_sibling;
    if (*link == child)
        *link = f->nodes[child].next_sibling;
    f->nodes[child].next_sibling = RF_NONE;
    f->nodes[child].parent = RF_NONE;
}

void rf_connect(rf_forest *f)
{
    for (size_t i = 0; i < f->count; i++) {
        rf_node *n = &f->nodes[i];
        if (n->parent_id && n->parent == RF_NONE) {
            int32_t p = rf_find(f, n->parent_id);
            if (p != RF_NONE)
                add_child(f, p, (int32_t)i);
        }
    }
}

/* ------------------------------------------------------------------------
 * Walks.
 * ---------------------------------------------------------------------- */

/* True when every ancestor of i is loaded (the walk is bounded by the node
 * count, so corrupt stored data that loops cannot hang it). */
static bool chain_loaded(const rf_forest *f, int32_t i, char **why)
{
    for (size_t steps = 0; steps <= f->count; steps++) {
        const rf_node *n = &f->nodes[i];
        if (!n->parent_id)
            return true;
        if (n->parent == RF_NONE) {
            SAY(why, "referrer %s of customer %s is not loaded", n->parent_id, n->id);
            return false;
        }
        i = n->parent;
    }
    SAY(why, "referral chain above customer %s loops", f->nodes[i].id);
    return false;
}

/* Changes every ancestor of `from` (not `from` itself): the ancestor at
 * distance k gets dsize, drev, dinfl * decay^(k-1), and, when height >= 0,
 * a height of at least height + k. */
static void add_to_ancestors(rf_forest *f, int32_t from, int64_t dsize, double drev,
                             int32_t height, double dinfl)
{
    double weight = 1.0;
    int32_t k = 1;
    for (int32_t v = f->nodes[from].parent; v != RF_NONE; v = f->nodes[v].parent, k++) {
        rf_node *n = &f->nodes[v];
        n->subtree_size += dsize;
        n->subtree_revenue += drev;
        if (height >= 0 && n->height < height + k)
            n->height = height + k;
        n->influence += weight * dinfl;
        rf_touch(f, v);
        weight *= f->influence.decay;
    }
}

static void shift_descendants(rf_forest *f, int32_t i, int32_t delta)
{
    for (int32_t c = f->nodes[i].first_child; c != RF_NONE; c = f->nodes[c].next_sibling) {
        f->nodes[c].depth += delta;
        rf_touch(f, c);
        shift_descendants(f, c, delta);
    }
}

/* What a subtree rooted at i is worth to the influence of i's parent. */
static double subtree_worth(const rf_forest *f, int32_t i)
{
    return f->nodes[i].contribution + f->influence.decay * f->nodes[i].influence;
}

/* ------------------------------------------------------------------------
 * Linking.
 * ---------------------------------------------------------------------- */

/* "c > a > p": each customer introduced the next, the whole chain however
 * long (c is an ancestor of p, checked before). The walk goes from p up to
 * c, so the text is filled from its end. NULL when memory ran out. */
static char *describe_chain(const rf_forest *f, int32_t c, int32_t p)
{
    size_t len = 0, steps = 0;
    for (int32_t v = p; v != RF_NONE && steps <= f->count; v = f->nodes[v].parent, steps++) {
        len += strlen(f->nodes[v].id) + (v == c ? 0 : 3);
        if (v == c)
            break;
    }
    char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    size_t at = len;
    steps = 0;
    for (int32_t v = p; v != RF_NONE && steps <= f->count; v = f->nodes[v].parent, steps++) {
        size_t n = strlen(f->nodes[v].id);
        at -= n;
        memcpy(buf + at, f->nodes[v].id, n);
        if (v == c)
            break;
        at -= 3;
        memcpy(buf + at, " > ", 3);
    }
    return buf;
}

static bool is_ancestor_or_self(const rf_forest *f, int32_t maybe, int32_t of)
{
    for (int32_t v = of; v != RF_NONE; v = f->nodes[v].parent)
        if (v == maybe)
            return true;
    return false;
}

static rf_status check_link(const rf_forest *f, const char *child, const char *parent,
                            int32_t c, int32_t p, char **why)
{
    if (strcmp(child, parent) == 0) {
        SAY(why, "customer %s cannot refer themself", child);
        return RF_SELF;
    }
    if (c != RF_NONE && f->nodes[c].parent_id) {
        if (strcmp(f->nodes[c].parent_id, parent) == 0)
            return RF_SAME;
        SAY(why, "customer %s was already referred by %s; a second referrer %s is refused",
            child, f->nodes[c].parent_id, parent);
        return RF_REPARENT;
    }
    if (p != RF_NONE && !chain_loaded(f, p, why))
        return RF_ERROR;
    if (c != RF_NONE && p != RF_NONE && is_ancestor_or_self(f, c, p)) {
        char *chain = why ? describe_chain(f, c, p) : NULL;
        if (chain)
            SAY(why, "referral of %s by %s refused: %s already leads to %s (%s), "
                "so it would close a cycle", child, parent, child, parent, chain);
        free(chain);
        return RF_CYCLE;
    }
    int32_t parent_depth = p != RF_NONE ? f->nodes[p].depth : 0;
    int32_t child_height = c != RF_NONE ? f->nodes[c].height : 0;
    if ((int64_t)parent_depth + 1 + child_height > f->max_depth) {
        SAY(why, "referral of %s by %s refused: the chain would be %d deep, "
            "more than max_depth %d", child, parent, parent_depth + 1 + child_height,
            f->max_depth);
        return RF_TOO_DEEP;
    }
    return RF_OK;
}

rf_status rf_link(rf_forest *f, const char *child, const char *parent,
                  rf_shift *shift, char **why)
{
    if (why)
        *why = NULL;
    if (shift)
        *shift = (rf_shift){RF_NONE, 0};
    rf_status st = check_link(f, child, parent, rf_find(f, child), rf_find(f, parent), why);
    if (st != RF_OK)
        return st;
    int32_t p = rf_get_or_add(f, parent);
    int32_t c = p == RF_NONE ? RF_NONE : rf_get_or_add(f, child);
    char *pid = c == RF_NONE ? NULL : strdup(parent);
    if (!pid) {
        SAY(why, "out of memory linking %s to %s", child, parent);
        return RF_ERROR;
    }
    rf_node *cn = &f->nodes[c];
    cn->parent_id = pid;
    rf_touch(f, c);
    add_child(f, p, c);
    int32_t delta = f->nodes[p].depth + 1 - cn->depth;
    cn->depth += delta;
    shift_descendants(f, c, delta);
    add_to_ancestors(f, c, cn->subtree_size, cn->subtree_revenue, cn->height, subtree_worth(f, c));
    if (shift)
        *shift = (rf_shift){c, delta};
    return RF_OK;
}

rf_status rf_detach(rf_forest *f, const char *id, rf_shift *shift)
{
    if (shift)
        *shift = (rf_shift){RF_NONE, 0};
    int32_t i = rf_find(f, id);
    if (i == RF_NONE || !f->nodes[i].parent_id)
        return RF_SAME;
    if (!chain_loaded(f, i, NULL))
        return RF_ERROR;
    rf_node *n = &f->nodes[i];
    add_to_ancestors(f, i, -n->subtree_size, -n->subtree_revenue, -1, -subtree_worth(f, i));
    remove_child(f, f->nodes[i].parent, i);
    free(n->parent_id);
    n->parent_id = NULL;
    int32_t delta = -n->depth;
    n->depth = 0;
    rf_touch(f, i);
    shift_descendants(f, i, delta);
    if (shift)
        *shift = (rf_shift){i, delta};
    return RF_OK;
}

rf_status rf_erase(rf_forest *f, const char *id, rf_shift *shifts, size_t max_shifts,
                   size_t *nshifts)
{
    *nshifts = 0;
    int32_t i = rf_find(f, id);
    if (i == RF_NONE)
        return RF_SAME;
    size_t children = 0;
    for (int32_t c = f->nodes[i].first_child; c != RF_NONE; c = f->nodes[c].next_sibling)
        children++;
    if (children > max_shifts)
        return RF_ERROR;
    /* Children first, while the erased node is still in place: each child's
     * shift is then its whole way up to depth 0, one shift per subtree. */
    while (f->nodes[i].first_child != RF_NONE) {
        int32_t c = f->nodes[i].first_child;
        rf_shift s;
        if (rf_detach(f, f->nodes[c].id, &s) != RF_OK)
            return RF_ERROR;
        shifts[(*nshifts)++] = s;
    }
    if (rf_detach(f, id, NULL) == RF_ERROR)
        return RF_ERROR;
    rf_node *n = &f->nodes[i];
    n->erased = true;
    n->own_revenue = n->net_revenue = n->subtree_revenue = n->contribution = n->influence = 0;
    n->converted = false;
    n->height = 0;
    n->subtree_size = 1;
    rf_touch(f, i);
    return RF_OK;
}

/* ------------------------------------------------------------------------
 * Revenue and conversion.
 * ---------------------------------------------------------------------- */

static void refresh_contribution(rf_forest *f, int32_t i)
{
    rf_node *n = &f->nodes[i];
    double c = rf_contribution(&f->influence, n->converted, n->own_revenue);
    double delta = c - n->contribution;
    n->contribution = c;
    rf_touch(f, i);
    if (delta != 0)
        add_to_ancestors(f, i, 0, 0, -1, delta);
}

rf_status rf_add_revenue(rf_forest *f, const char *id, double amount, double *applied)
{
    *applied = 0;
    int32_t i = rf_get_or_add(f, id);
    if (i == RF_NONE || !chain_loaded(f, i, NULL))
        return RF_ERROR;
    rf_node *n = &f->nodes[i];
    /* Own revenue is max(0, purchases - refunds): a function of the sum, so
     * the order in which purchases and refunds arrive does not matter (a
     * refund larger than what is known is carried against later purchases
     * instead of being forgotten). */
    n->net_revenue += amount;
    double own = n->net_revenue > 0 ? n->net_revenue : 0;
    double add = own - n->own_revenue;
    n->own_revenue = own;
    n->subtree_revenue += add;
    rf_touch(f, i);
    add_to_ancestors(f, i, 0, add, -1, 0);
    refresh_contribution(f, i);
    *applied = add;
    return RF_OK;
}

static rf_status mark_converted(rf_forest *f, const char *id, bool converted)
{
    int32_t i = rf_get_or_add(f, id);
    if (i == RF_NONE || !chain_loaded(f, i, NULL))
        return RF_ERROR;
    if (f->nodes[i].converted == converted)
        return RF_SAME;
    f->nodes[i].converted = converted;
    refresh_contribution(f, i);
    return RF_OK;
}

rf_status rf_set_converted(rf_forest *f, const char *id)
{
    return mark_converted(f, id, true);
}

rf_status rf_unset_converted(rf_forest *f, const char *id)
{
    return mark_converted(f, id, false);
}

const char *rf_status_name(rf_status s)
{
    switch (s) {
    case RF_OK: return "ok";
    case RF_SAME: return "same";
    case RF_SELF: return "self_referral";
    case RF_CYCLE: return "cycle";
    case RF_REPARENT: return "second_referrer";
    case RF_TOO_DEEP: return "too_deep";
    case RF_ERROR: return "error";
    }
    return "error";
}
