/*
 * html.c - an HTML layer: its normalised forms are matched as HTML
 * (Target:3), its scripts as HTML and as text, and the data: URIs in its
 * attributes are decoded and scanned as members, as clamscan's
 * cli_scanhtml does. Pages over 40 MiB are not normalised and the
 * tag-less text of pages over 8 MiB is not matched (clamscan's
 * MaxHTMLNormalize and MaxHTMLNoTags).
 */
#include "containers/walk.h"

#include <stdio.h>
#include <string.h>

#include "containers/htmlnorm.h"
#include "containers/inflate.h"
#include "containers/sink.h"

#define MAX_NORMALIZE (40u << 20)
#define MAX_NOTAGS (8u << 20)

vg_status
html_walk(struct walk *w)
{
    struct htmlnorm h;
    size_t cap = w->len + 1;
    vg_status st = VG_OK;

    if (w->len > MAX_NORMALIZE)
        return VG_OK;
    memset(&h, 0, sizeof(h));
    sink_init(&h.nocomment, cap);
    sink_init(&h.notags, cap);
    sink_init(&h.script, cap);
    if (htmlnorm_run(w->buf, w->len, &h)) {
        st = VG_ENOMEM;
        goto out;
    }
    if (h.nocomment.len)
        st = walk_scan_text(w, "nocomment", h.nocomment.p, h.nocomment.len, FT_HTML);
    if (st == VG_OK && h.notags.len && w->len <= MAX_NOTAGS && !walk_done(w))
        st = walk_scan_text(w, "notags", h.notags.p, h.notags.len, FT_HTML);
    if (st == VG_OK && h.script.len && !walk_done(w)) {
        st = walk_scan_text(w, "javascript", h.script.p, h.script.len, FT_HTML);
        if (st == VG_OK && !walk_done(w))
            st = walk_scan_text(w, "javascript", h.script.p, h.script.len, FT_TEXT_ASCII);
    }
    for (size_t i = 0; i < h.nuri && st == VG_OK && !walk_done(w); i++) {
        struct member m;
        struct sink s;
        char nm[32];
        int go;

        snprintf(nm, sizeof(nm), "data%u", (unsigned)i);
        memset(&m, 0, sizeof(m));
        m.name = nm;
        m.csize = h.uri[i].len;
        if ((st = walk_announce(w, &m, &go)) != VG_OK || !go)
            break;
        sink_init(&s, walk_cap(w, &m));
        if (htmlnorm_uri_decode(w->buf, w->len, &h.uri[i], &s) == DEC_NOMEM)
            st = VG_ENOMEM;
        else if (s.len)
            st = walk_scan(w, &m, s.p, s.len, s.over ? WALK_TRUNCATED : 0);
        sink_free(&s);
    }
out:
    sink_free(&h.nocomment);
    sink_free(&h.notags);
    sink_free(&h.script);
    return st;
}
