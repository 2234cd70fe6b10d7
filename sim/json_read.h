/*
 * json_read: text-level helpers for the scenario loader.
 *
 * jansson parses JSON into values but keeps no source positions and turns every number into a
 * double or a 64-bit integer. The loader needs both: diagnostics name the line and column of
 * the offending value, and time values such as 1.000001 ms must convert to picoseconds exactly.
 * These functions work on the raw text of a document that jansson has already accepted as
 * valid JSON; on other text they stay in bounds and fail with -EINVAL instead of crashing.
 *
 * Paths use the loader's notation: "$" is the root, ".key" selects an object member whose
 * name is made of [A-Za-z0-9_-], ["key"] selects any member (the name JSON-escaped) and [n]
 * selects an array element. With duplicate keys the first occurrence is found (the loader
 * rejects duplicates anyway).
 */
#ifndef MOSAIC_SIM_JSON_READ_H
#define MOSAIC_SIM_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when `key` can be written as ".key" in a path; otherwise use jread_path_key_quoted. */
bool jread_key_is_plain(const char *key);

/*
 * Append the path segment selecting member `key` ( ".key" or ["key"] ) to buf, which holds a
 * NUL-terminated string of length *len in `size` bytes. Truncates silently when full.
 */
void jread_path_append_key(char *buf, size_t size, size_t *len, const char *key);
void jread_path_append_index(char *buf, size_t size, size_t *len, size_t index);

/*
 * Find the value that `path` selects in text[0..len). Returns 0 and its byte offset (the
 * first byte of the value), -ENOENT when the path selects nothing, -EINVAL on a malformed path
 * or text.
 */
int jread_locate(const char *text, size_t len, const char *path, size_t *offset);

/* 1-based line and column (in characters, as jansson counts them) of byte `offset`. */
void jread_line_column(const char *text, size_t len, size_t offset, int *line, int *column);

/*
 * Read the JSON number at text[offset] exactly and multiply it by 10^scale_exp10: 1.5 with
 * scale 3 gives 1500. Returns 0 and the product; -EDOM when the product is not a whole number,
 * -ERANGE when it is negative (and not zero) or does not fit in 64 bits, -EINVAL when no JSON
 * number starts at offset.
 */
int jread_decimal_scaled(const char *text, size_t len, size_t offset, unsigned scale_exp10,
                         uint64_t *out);

/*
 * Optimal-string-alignment distance between a and b (insertions, deletions, substitutions and
 * swaps of adjacent characters each cost 1), or SIZE_MAX when either is longer than 63 bytes.
 */
size_t jread_edit_distance(const char *a, const char *b);

#endif
