/*
 * vec.c - growable record arrays with checked growth.
 */
#include "core/vec.h"

#include <stdlib.h>
#include <string.h>

#include "core/ckd.h"

vg_status
vec_push(struct vec *v, void **rec)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16, bytes;
        void *p;

        if (cap < v->cap || ckd_mul(&bytes, cap, v->esz))
            return VG_ENOMEM;
        if ((p = realloc(v->p, bytes)) == NULL)
            return VG_ENOMEM;
        v->p = p;
        v->cap = cap;
    }
    *rec = (char *)v->p + v->n * v->esz;
    memset(*rec, 0, v->esz);
    v->n++;
    return VG_OK;
}

vg_status
vec_add(struct vec *v, const void *rec)
{
    void *r;
    vg_status st;

    if ((st = vec_push(v, &r)) != VG_OK)
        return st;
    memcpy(r, rec, v->esz);
    return VG_OK;
}

void
vec_free(struct vec *v)
{
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}
