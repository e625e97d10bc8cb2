/*
 * scan_queue.h - what the walker hands to the scan workers, and the bounded
 * queue it goes through.
 *
 * An item is either an open regular file to scan, or a note: something the
 * walker decided without scanning (excluded, symbolic link, empty, access
 * denied, ...) that the output prints in its turn. Notes travel through the
 * same queue so that with one worker every line keeps the walk's order.
 */
#ifndef VG_CLI_SCAN_QUEUE_H
#define VG_CLI_SCAN_QUEUE_H

#include <stddef.h>
#include <stdint.h>

enum scan_note {
    NOTE_NONE = 0,        /* an item to scan */
    NOTE_DIR_SCANNED,     /* a directory was opened: counted, not printed */
    NOTE_EXCLUDED,        /* --exclude/--include/--exclude-dir/--include-dir */
    NOTE_EXCLUDED_FS,     /* on another file system, without --cross-fs */
    NOTE_EXCLUDED_PROC,   /* under /proc */
    NOTE_EXCLUDED_DEPTH,  /* deeper than --max-dir-recursion */
    NOTE_SYMLINK,         /* a symbolic link that is not followed */
    NOTE_BROKEN_LINK,     /* a link to be followed whose target does not exist */
    NOTE_LOOP,            /* a directory that is its own ancestor, or ELOOP */
    NOTE_UNSUPPORTED,     /* fifo, socket or device met while walking */
    NOTE_EMPTY,           /* a zero-length file */
    NOTE_ACCESS_DENIED,   /* open failed with EACCES/EPERM */
    NOTE_DIR_ERROR,       /* a directory could not be opened or read */
    NOTE_OPEN_ERROR,      /* another failure to stat or open: an ERROR line */
    NOTE_MISSING,         /* a named path that cannot be reached (stderr, exit 2) */
    NOTE_ARG_UNSUPPORTED, /* a named special file (stderr, exit 2) */
    NOTE_STDIN_ERROR      /* standard input could not be read */
};

struct scan_item {
    enum scan_note note;
    int fd;          /* NOTE_NONE: an open regular file, owned by the item */
    int is_dir;      /* the note is about a directory */
    int via_link;    /* reached through a symbolic link */
    int is_stdin;
    int err;         /* errno for error notes */
    uint64_t size;   /* NOTE_NONE: the file's size when opened */
    char *path;      /* as printed; owned */
};

/* A new item for path (copied). NULL when out of memory. */
struct scan_item *scan_queue_item_new(enum scan_note note, const char *path);
/* Close the item's descriptor and free it; accepts NULL. */
void scan_queue_item_free(struct scan_item *it);

struct scan_queue;

/* A queue that holds at most cap items. NULL when out of memory. */
struct scan_queue *scan_queue_new(size_t cap);
/* Append it (ownership passes); blocks while the queue is full. */
void scan_queue_push(struct scan_queue *q, struct scan_item *it);
/* The oldest item, blocking while the queue is empty and open; NULL once it
 * is closed and drained. The caller owns the item. */
struct scan_item *scan_queue_pop(struct scan_queue *q);
/* No more pushes: poppers drain what is left, then get NULL. */
void scan_queue_close(struct scan_queue *q);
/* Free the queue and any items left in it; accepts NULL. */
void scan_queue_free(struct scan_queue *q);

#endif
