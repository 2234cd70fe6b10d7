#include "analysis/output_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output_file_open(struct output_file *file, const char *dir, const char *name)
{
        int n = snprintf(file->final_path, sizeof file->final_path, "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= sizeof file->final_path)
                return -ENAMETOOLONG;
        n = snprintf(file->temp_path, sizeof file->temp_path, "%s/.%s.tmp.%ld", dir, name,
                     (long)getpid());
        if (n < 0 || (size_t)n >= sizeof file->temp_path)
                return -ENAMETOOLONG;
        file->stream = fopen(file->temp_path, "w");
        if (!file->stream)
                return -errno;
        return 0;
}

int output_file_commit(struct output_file *file)
{
        int err = 0;
        if (fflush(file->stream) != 0 || ferror(file->stream))
                err = -EIO;
        if (!err && fsync(fileno(file->stream)) != 0)
                err = -errno;
        if (fclose(file->stream) != 0 && !err)
                err = -errno;
        file->stream = NULL;
        if (!err && rename(file->temp_path, file->final_path) != 0)
                err = -errno;
        if (err)
                unlink(file->temp_path);
        return err;
}

void output_file_abort(struct output_file *file)
{
        if (file->stream)
                fclose(file->stream);
        file->stream = NULL;
        unlink(file->temp_path);
}

int output_make_dirs(const char *dir)
{
        char path[OUTPUT_PATH_MAX];
        size_t len = strlen(dir);
        if (len == 0 || len >= sizeof path)
                return -ENAMETOOLONG;
        memcpy(path, dir, len + 1);
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(path, 0777) != 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (stat(path, &st) != 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
