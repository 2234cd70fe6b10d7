/* vq_error: the text of the VQ_E* codes, generated from VQ_ERROR_TABLE. */
#include "virtio/vq_error.h"

const char *vq_strerror(int code)
{
        if (code == 0)
                return "success";
        switch (code) {
#define X(name, value, text)                                                                       \
        case value:                                                                                \
                return text;
                VQ_ERROR_TABLE
#undef X
        default:
                return "unknown error";
        }
}

int vq_error_is_peer(int code)
{
        return code <= VQ_ETRANSLATE && code >= VQ_ERROR_LAST;
}
