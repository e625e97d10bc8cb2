/*
 * fuzz_pdf.c - the pdf reader (lib/containers/pdf.c) on hostile bytes,
 * walked as a container with its members scanned (small limits).
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_walk_as(data, size, FT_PDF, pdf_walk);
    return 0;
}
