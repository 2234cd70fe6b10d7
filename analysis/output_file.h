/*
 * output_file: files that appear whole or not at all.
 *
 * output_file_open() creates "<dir>/.<name>.tmp.<pid>" for writing; output_file_commit() flushes,
 * fsyncs, closes and renames it onto "<dir>/<name>", so a reader never sees a half-written
 * result and an interrupted run leaves the previous file intact. output_file_abort() removes
 * the temporary file. Both return 0 or a negative errno.
 */
#ifndef MOSAIC_ANALYSIS_OUTPUT_FILE_H
#define MOSAIC_ANALYSIS_OUTPUT_FILE_H

#include <stdio.h>

#define OUTPUT_PATH_MAX 4096

struct output_file {
        FILE *stream;
        char final_path[OUTPUT_PATH_MAX];
        char temp_path[OUTPUT_PATH_MAX];
};

int output_file_open(struct output_file *file, const char *dir, const char *name);
int output_file_commit(struct output_file *file);
void output_file_abort(struct output_file *file);

/* Create `dir` and its parents (like mkdir -p): 0 or a negative errno. */
int output_make_dirs(const char *dir);

#endif
