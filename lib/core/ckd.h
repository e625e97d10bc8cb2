/*
 * ckd.h - checked size arithmetic.
 *
 * Every size computed from untrusted input goes through these: they return
 * nonzero on overflow and leave *r unspecified, like C23's ckd_add.
 */
#ifndef VG_CORE_CKD_H
#define VG_CORE_CKD_H

#include <stddef.h>
#include <stdint.h>

#define ckd_add(r, a, b) __builtin_add_overflow((a), (b), (r))
#define ckd_sub(r, a, b) __builtin_sub_overflow((a), (b), (r))
#define ckd_mul(r, a, b) __builtin_mul_overflow((a), (b), (r))

#endif
