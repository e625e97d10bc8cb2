/*
 * textdet.h - ClamAV's text heuristics (libclamav/textdet.c, after file(1)'s
 * ascmagic): is a buffer ASCII, UTF-8, UTF-16 text or binary data?
 */
#ifndef VG_FORMATS_TEXTDET_H
#define VG_FORMATS_TEXTDET_H

#include <stddef.h>
#include <stdint.h>

#include "formats/filetype.h"

/* FT_TEXT_ASCII, FT_TEXT_UTF8, FT_TEXT_UTF16LE, FT_TEXT_UTF16BE or
 * FT_BINARY for buf[0..len), as cli_texttype() decides. */
enum ftype textdet_type(const uint8_t *buf, size_t len);

#endif
