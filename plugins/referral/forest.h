/*
 * forest.h - the referral forest of one tenant, as a working set in memory.
 *
 * Every customer has at most one referrer, so "who introduced whom" is a
 * forest: roots are customers nobody referred. Per node the forest keeps
 *   depth            edges from the root (a root has depth 0);
 *   height           longest downward path; exact while edges are only added,
 *                    an upper bound after a detach (erase), which only makes
 *                    the depth cap stricter, never looser;
 *   subtree_size     nodes in the subtree, the node itself included;
 *   net_revenue      purchases - refunds, as summed (may be negative);
 *   own_revenue      max(0, net_revenue): a function of the sum, so it is
 *                    the same whatever order purchases and refunds come in;
 *   subtree_revenue  own_revenue summed over the subtree, node included;
 *   contribution     what this customer is worth to its ancestors' influence
 *                    (influence.h: 0 unless its own referral converted);
 *   influence        sum over proper descendants d of
 *                    decay^(distance(node, d) - 1) * contribution(d).
 *
 * All of it is maintained incrementally by walking up the ancestors, never by
 * scanning a subtree:
 *   link(child, parent)   O(depth(parent)) - the child's whole subtree adds
 *                         its size, revenue and discounted influence to each
 *                         ancestor; the depths of the child's loaded
 *                         descendants shift by the same amount (the caller
 *                         shifts unloaded ones, see rf_shift);
 *   add_revenue(c, x)     O(depth(c));
 *   set_converted(c)      O(depth(c)).
 * Depth is capped (max_depth, a link that would make any node deeper is
 * refused), so every walk is bounded by the cap whatever the data.
 *
 * Working set: the caller (the plugin glue) loads only what an operation
 * touches: the node and its full ancestor chain. A node whose parent is named
 * but not loaded makes an upward walk fail with RF_ERROR rather than
 * silently produce partial sums. Unit tests use a complete in-memory forest.
 *
 * Pure logic: no plugin.h, no I/O. Not thread-safe; one forest per thread.
 */
#ifndef REFERRAL_FOREST_H
#define REFERRAL_FOREST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rapport/rp_keyindex.h>

#include "influence.h"

#define RF_NONE (-1)

typedef struct rf_node {
    char *id;               /* customer id (owned) */
    char *parent_id;        /* referrer's id (owned) or NULL for a root */
    int32_t parent;         /* index of the loaded referrer, RF_NONE if root or unloaded */
    int32_t first_child;    /* loaded children only */
    int32_t next_sibling;
    int32_t depth;
    int32_t height;
    int64_t subtree_size;
    double net_revenue;     /* purchases - refunds; may be negative */
    double own_revenue;     /* max(0, net_revenue) */
    double subtree_revenue;
    double contribution;
    double influence;
    bool converted;         /* this customer's own referral converted */
    bool erased;
    bool dirty;             /* changed since loaded: the caller writes it back */
    int64_t changed_ms;     /* latest rf_forest.now at which it changed */
} rf_node;

typedef struct rf_forest {
    rf_node *nodes;
    size_t count, cap;
    rp_keyindex index;      /* node index by id (the plugin SDK's, uthash) */
    rf_influence_params influence;
    int32_t max_depth;
    /* The time of the change being made (the caller's event time): every
     * node a change touches keeps the latest, so "when it last changed" is
     * a maximum, the same whatever order the changes come in. */
    int64_t now;
} rf_forest;

typedef enum rf_status {
    RF_OK = 0,
    RF_SAME,        /* the link already exists: nothing to do (replays land here) */
    RF_SELF,        /* a customer cannot refer themself */
    RF_CYCLE,       /* the referee is the referrer or one of its ancestors */
    RF_REPARENT,    /* the referee already has another referrer */
    RF_TOO_DEEP,    /* the link would make a chain deeper than max_depth */
    RF_ERROR        /* out of memory, unknown node, or an ancestor not loaded */
} rf_status;

/* A depth change of a whole subtree that the caller must also apply to the
 * nodes it did not load: every proper descendant of `root` moves by delta. */
typedef struct rf_shift {
    int32_t root;
    int32_t delta;
} rf_shift;

void rf_forest_init(rf_forest *f, const rf_influence_params *params, int32_t max_depth);
void rf_forest_free(rf_forest *f);

/* Marks node i changed (dirty) at f->now. */
void rf_touch(rf_forest *f, int32_t i);

/* Index of a node, RF_NONE if absent. */
int32_t rf_find(const rf_forest *f, const char *id);

/* The node, created as a fresh root (all zero, subtree_size 1, dirty) if it
 * is absent. RF_NONE on out of memory. */
int32_t rf_get_or_add(rf_forest *f, const char *id);

/* Loads a stored node as is (not dirty). parent_id may be NULL. Call
 * rf_connect() after loading a batch. RF_NONE on out of memory or if the id
 * is already loaded. */
int32_t rf_load(rf_forest *f, const rf_node *stored);

/* Resolves parent_id to loaded indices and builds the children lists. */
void rf_connect(rf_forest *f);

/* Records that parent referred child. On a refusal or an error *why (when
 * why is not NULL) receives a malloc'd sentence naming the customers (for a
 * cycle the whole chain), to be freed by the caller; NULL otherwise or when
 * memory ran out. shift (may be NULL) receives the depth change of child's
 * descendants. */
rf_status rf_link(rf_forest *f, const char *child, const char *parent,
                  rf_shift *shift, char **why);

/* Adds amount (negative for a refund) to a customer's net revenue; its own
 * revenue becomes max(0, net) and the change of it (in *applied) goes to the
 * subtree revenue of it and every ancestor. The result depends only on the
 * sum of the amounts, not on their order. The customer is created if
 * absent. Updates the contribution when the customer is converted. */
rf_status rf_add_revenue(rf_forest *f, const char *id, double amount, double *applied);

/* Marks a customer's own referral converted (idempotent: RF_SAME if it was). */
rf_status rf_set_converted(rf_forest *f, const char *id);
/* The inverse: a conversion a late event took back (RF_SAME if it was not
 * converted); the ancestors lose the customer's contribution. */
rf_status rf_unset_converted(rf_forest *f, const char *id);

/* Removes the edge from id to its referrer: the inverse of rf_link. */
rf_status rf_detach(rf_forest *f, const char *id, rf_shift *shift);

/* Right to be forgotten: detaches the customer's loaded children from it
 * (they become roots, their subtrees move up by their old depth) and the
 * customer from its referrer, then marks it erased. shifts receives one
 * subtree shift per child; RF_ERROR without any change if there are more
 * than max_shifts children. The caller must have loaded all children. */
rf_status rf_erase(rf_forest *f, const char *id, rf_shift *shifts, size_t max_shifts,
                   size_t *nshifts);

const char *rf_status_name(rf_status s);

#endif
