/*
 * fuzz_lexpr.c - logical expressions: compile any text, evaluate the tree
 * with counts taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "match/lexpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vec nodes = VEC_INIT(struct img_expr);
    char expr[512];
    uint32_t counts[LDB_MAX_SUBS], root, maxid;
    size_t n = size < sizeof(expr) - 1 ? size : sizeof(expr) - 1;
    vg_err err;

    memcpy(expr, data, n);
    expr[n] = '\0';
    for (int i = 0; i < LDB_MAX_SUBS; i++)
        counts[i] = size > (size_t)i ? data[size - 1 - (size_t)i] % 5 : 0;
    if (lexpr_compile(expr, &nodes, &root, &maxid, &err) == VG_OK)
        (void)lexpr_eval(nodes.p, root, counts);
    vec_free(&nodes);
    return 0;
}
