/*
 * info.h - the ".info" member of a ClamAV container: a header line like the
 * CVD's, one "name:size:sha256" line per member, and a DSIG line that signs
 * (RSA-PSS, the .info key) the SHA-256 of everything before it.
 */
#ifndef VG_UPDATE_INFO_H
#define VG_UPDATE_INFO_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "update/tar.h"

struct info_entry {
    char name[TAR_NAME_MAX + 1];
    uint64_t size;
    uint8_t sha256[32];
    int seen; /* for the caller: member found in the archive */
};

struct info {
    char header[512];        /* the first line, "ClamAV-VDB:..." */
    struct info_entry *entries;
    size_t n;
    int signed_ok;           /* DSIG present and verified */
};

/* Largest .info accepted. */
#define INFO_MAX_SIZE (16u << 20)

/*
 * Parse an .info file. With require_dsig, a missing DSIG line is an error
 * and the DSIG is verified; without (a .cud), a DSIG that is present is
 * still verified. Duplicate names and lines after DSIG are errors.
 * Messages name the line. Free with info_free.
 */
vg_status info_parse(const uint8_t *data, size_t len, int require_dsig, struct info *out, vg_err *err);

/* The entry for name, or NULL. */
struct info_entry *info_find(struct info *inf, const char *name);

void info_free(struct info *inf);

#endif
