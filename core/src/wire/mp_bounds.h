/*
 * mp_bounds.h - checks one msgpack object against the configured limits
 * (nesting depth, elements per map/array, bytes per string/binary) by walking
 * its bytes, before anything is built from it.
 */
#ifndef RP_MP_BOUNDS_H
#define RP_MP_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_limits.h"

/* Nesting is tracked on a fixed stack: limits.max_depth above this is
 * treated as this (rp_limits documents it). */
#define RP_MP_DEPTH_CAP 64

/* buf must hold exactly one structurally complete object (rp_view_of).
 * On a breach, err names the limit key, e.g.
 * "nesting deeper than limits.max_depth (8)". */
bool rp_mp_within_limits(const uint8_t *buf, size_t len, const rp_limits *limits,
                         char *err, size_t errlen);

#endif
