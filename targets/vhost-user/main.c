/*
 * mosaic-vhost-user: a vhost-user device back-end (virtio-blk on a file or virtio-rng) built on
 * the device side of the virtio/ library.
 *
 *   mosaic-vhost-user --socket PATH (--blk FILE | --rng) [--verbose]
 */
#include <stdio.h>
#include <string.h>

#include "targets/vhost-user/vu_device.h"
#include "targets/vhost-user/vu_server.h"

static int usage(void)
{
        fprintf(stderr,
                "usage: mosaic-vhost-user --socket PATH (--blk FILE | --rng) [--verbose]\n");
        return 2;
}

int main(int argc, char **argv)
{
        struct vu_server_options opt = { 0 };
        const char *blk_path = NULL;
        int rng = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
                        opt.socket_path = argv[++i];
                else if (strcmp(argv[i], "--blk") == 0 && i + 1 < argc)
                        blk_path = argv[++i];
                else if (strcmp(argv[i], "--rng") == 0)
                        rng = 1;
                else if (strcmp(argv[i], "--verbose") == 0)
                        opt.verbose = true;
                else
                        return usage();
        }
        if (opt.socket_path == NULL || (blk_path == NULL) == (rng == 0))
                return usage();
        struct vu_device dev;
        struct vu_blk *blk = NULL;
        if (blk_path != NULL) {
                char err[256];
                blk = vu_blk_open(blk_path, &dev, err, sizeof(err));
                if (blk == NULL) {
                        fprintf(stderr, "mosaic-vhost-user: %s\n", err);
                        return 1;
                }
        } else {
                vu_rng_init(&dev);
        }
        int rc = vu_server_run(&opt, &dev);
        vu_blk_close(blk);
        return rc == 0 ? 0 : 1;
}
