/*
 * vec.h - a growable array of fixed-size records (build time only).
 */
#ifndef VG_CORE_VEC_H
#define VG_CORE_VEC_H

#include <stddef.h>
#include <vigil/vigil.h>

struct vec {
    void *p;
    size_t n;
    size_t cap;
    size_t esz;
};

#define VEC_INIT(type) {NULL, 0, 0, sizeof(type)}

/* Append one zeroed record; *rec points at it (valid until the next push). */
vg_status vec_push(struct vec *v, void **rec);
/* Append a copy of rec. */
vg_status vec_add(struct vec *v, const void *rec);
void vec_free(struct vec *v);

#define VEC_AT(v, type, i) (&((type *)(v)->p)[i])

#endif
