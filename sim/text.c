#include "sim/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

char *text_format(const char *format, ...)
{
        va_list args;
        va_start(args, format);
        int length = vsnprintf(NULL, 0, format, args);
        va_end(args);
        if (length < 0)
                return NULL;
        char *text = malloc((size_t)length + 1);
        if (text == NULL)
                return NULL;
        va_start(args, format);
        (void)vsnprintf(text, (size_t)length + 1, format, args);
        va_end(args);
        return text;
}
