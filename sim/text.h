/*
 * text: small string helpers shared by the models (entity paths, trace labels).
 *
 * text_format() returns a newly allocated string formatted like printf, or NULL when memory
 * runs out or the format fails; the caller frees it.
 */
#ifndef MOSAIC_SIM_TEXT_H
#define MOSAIC_SIM_TEXT_H

char *text_format(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
