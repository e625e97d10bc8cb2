/*
 * lexpr.h - ClamAV logical expressions (".ldb" field 3, PCRE triggers).
 *
 * ClamAV evaluates the expression text recursively with a few quirks (the
 * first top-level operator splits, the last operator of a parenthesised
 * block splits inside it, counts and distinct-subsignature sets propagate
 * in particular ways). lexpr_compile parses the text once, following the
 * same decisions, into a tree of struct img_expr; lexpr_eval walks it with
 * the per-subsignature match counts and gives the same answer.
 */
#ifndef VG_MATCH_LEXPR_H
#define VG_MATCH_LEXPR_H

#include <stdint.h>

#include "core/vec.h"
#include "db/image.h"

/* Compile expr into nodes (struct img_expr); *root receives the root index
 * and *maxid the largest subsignature id referenced. */
vg_status lexpr_compile(const char *expr, struct vec *nodes, uint32_t *root, uint32_t *maxid,
                        vg_err *err);

/* Evaluate: 1 true, 0 false. counts[i] is subsignature i's match count. */
int lexpr_eval(const struct img_expr *nodes, uint32_t root, const uint32_t *counts);

/* The same, also returning the accumulated count and id set (for tests). */
int lexpr_eval_full(const struct img_expr *nodes, uint32_t root, const uint32_t *counts,
                    uint32_t *cnt, uint64_t *ids);

#endif
