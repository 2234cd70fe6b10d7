#include "sim/json_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- paths ---- */

static bool is_plain_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

bool jread_key_is_plain(const char *key)
{
        if (*key == '\0')
                return false;
        for (; *key; key++)
                if (!is_plain_char(*key))
                        return false;
        return true;
}

static void append_char(char *buf, size_t size, size_t *len, char c)
{
        if (*len + 1 < size) {
                buf[(*len)++] = c;
                buf[*len] = '\0';
        }
}

static void append_text(char *buf, size_t size, size_t *len, const char *s)
{
        for (; *s; s++)
                append_char(buf, size, len, *s);
}

void jread_path_append_key(char *buf, size_t size, size_t *len, const char *key)
{
        if (jread_key_is_plain(key)) {
                append_char(buf, size, len, '.');
                append_text(buf, size, len, key);
                return;
        }
        append_text(buf, size, len, "[\"");
        for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
                char esc[8];
                if (*p == '"' || *p == '\\') {
                        append_char(buf, size, len, '\\');
                        append_char(buf, size, len, (char)*p);
                } else if (*p < 0x20) {
                        snprintf(esc, sizeof esc, "\\u%04x", (unsigned)*p);
                        append_text(buf, size, len, esc);
                } else {
                        append_char(buf, size, len, (char)*p);
                }
        }
        append_text(buf, size, len, "\"]");
}

void jread_path_append_index(char *buf, size_t size, size_t *len, size_t index)
{
        char tmp[32];
        snprintf(tmp, sizeof tmp, "[%zu]", index);
        append_text(buf, size, len, tmp);
}

/* ---- a minimal scanner over valid JSON text ---- */

struct scan {
        const char *text;
        size_t len;
        size_t pos;
};

static void skip_ws(struct scan *s)
{
        while (s->pos < s->len) {
                char c = s->text[s->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        break;
                s->pos++;
        }
}

static bool at(const struct scan *s, char c)
{
        return s->pos < s->len && s->text[s->pos] == c;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int read_hex4(const char *p, size_t avail, unsigned *out)
{
        unsigned v = 0;
        if (avail < 4)
                return -EINVAL;
        for (int i = 0; i < 4; i++) {
                int h = hex_value(p[i]);
                if (h < 0)
                        return -EINVAL;
                v = v * 16u + (unsigned)h;
        }
        *out = v;
        return 0;
}

static size_t utf8_encode(unsigned cp, unsigned char out[4])
{
        if (cp < 0x80) {
                out[0] = (unsigned char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (unsigned char)(0xC0 | (cp >> 6));
                out[1] = (unsigned char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (unsigned char)(0xE0 | (cp >> 12));
                out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                out[2] = (unsigned char)(0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
}

/*
 * Decode one character of a JSON string body at s->pos (after the opening quote) into out.
 * Returns the number of bytes written, 0 at the closing quote (consumed), -EINVAL on bad text.
 */
static int string_next(struct scan *s, unsigned char out[4])
{
        if (s->pos >= s->len)
                return -EINVAL;
        char c = s->text[s->pos++];
        if (c == '"')
                return 0;
        if (c != '\\') {
                out[0] = (unsigned char)c;
                return 1;
        }
        if (s->pos >= s->len)
                return -EINVAL;
        c = s->text[s->pos++];
        switch (c) {
        case 'b':
                out[0] = '\b';
                return 1;
        case 'f':
                out[0] = '\f';
                return 1;
        case 'n':
                out[0] = '\n';
                return 1;
        case 'r':
                out[0] = '\r';
                return 1;
        case 't':
                out[0] = '\t';
                return 1;
        case 'u':
                break;
        default:
                out[0] = (unsigned char)c; /* '"', '\\', '/' */
                return 1;
        }
        unsigned cp;
        if (read_hex4(s->text + s->pos, s->len - s->pos, &cp) < 0)
                return -EINVAL;
        s->pos += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && s->pos + 6 <= s->len && s->text[s->pos] == '\\' &&
            s->text[s->pos + 1] == 'u') {
                unsigned low;
                if (read_hex4(s->text + s->pos + 2, s->len - s->pos - 2, &low) == 0 &&
                    low >= 0xDC00 && low < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        s->pos += 6;
                }
        }
        return (int)utf8_encode(cp, out);
}

/* s->pos at an opening quote: compare the decoded string with key[0..key_len), consume it. */
static int string_equals(struct scan *s, const char *key, size_t key_len, bool *equal)
{
        size_t matched = 0;
        bool same = true;
        unsigned char buf[4];
        s->pos++;
        for (;;) {
                int n = string_next(s, buf);
                if (n < 0)
                        return n;
                if (n == 0)
                        break;
                if (!same)
                        continue;
                if (matched + (size_t)n > key_len || memcmp(key + matched, buf, (size_t)n) != 0)
                        same = false;
                else
                        matched += (size_t)n;
        }
        *equal = same && matched == key_len;
        return 0;
}

static int skip_string(struct scan *s)
{
        unsigned char buf[4];
        int n;
        s->pos++;
        while ((n = string_next(s, buf)) > 0)
                ;
        return n;
}

static int skip_value(struct scan *s)
{
        skip_ws(s);
        if (s->pos >= s->len)
                return -EINVAL;
        char c = s->text[s->pos];
        if (c == '"')
                return skip_string(s);
        if (c != '{' && c != '[') {
                while (s->pos < s->len && !strchr(",}] \t\r\n", s->text[s->pos]))
                        s->pos++;
                return 0;
        }
        size_t depth = 0;
        while (s->pos < s->len) {
                c = s->text[s->pos];
                if (c == '"') {
                        if (skip_string(s) < 0)
                                return -EINVAL;
                        continue;
                }
                s->pos++;
                if (c == '{' || c == '[') {
                        depth++;
                } else if (c == '}' || c == ']') {
                        if (--depth == 0)
                                return 0;
                }
        }
        return -EINVAL;
}

/* s->pos at '{': move to the value of member `key`. */
static int enter_member(struct scan *s, const char *key, size_t key_len)
{
        s->pos++;
        for (;;) {
                skip_ws(s);
                if (at(s, '}'))
                        return -ENOENT;
                if (!at(s, '"'))
                        return -EINVAL;
                bool equal;
                int rc = string_equals(s, key, key_len, &equal);
                if (rc < 0)
                        return rc;
                skip_ws(s);
                if (!at(s, ':'))
                        return -EINVAL;
                s->pos++;
                skip_ws(s);
                if (equal)
                        return 0;
                if (skip_value(s) < 0)
                        return -EINVAL;
                skip_ws(s);
                if (at(s, ','))
                        s->pos++;
                else
                        return at(s, '}') ? -ENOENT : -EINVAL;
        }
}

/* s->pos at '[': move to element `index`. */
static int enter_element(struct scan *s, size_t index)
{
        s->pos++;
        skip_ws(s);
        if (at(s, ']'))
                return -ENOENT;
        for (size_t i = 0;; i++) {
                skip_ws(s);
                if (i == index)
                        return 0;
                if (skip_value(s) < 0)
                        return -EINVAL;
                skip_ws(s);
                if (at(s, ','))
                        s->pos++;
                else
                        return at(s, ']') ? -ENOENT : -EINVAL;
        }
}

/* Decode a ["..."] path key starting after '[' into a fresh buffer. */
static int path_quoted_key(const char **p, char **key, size_t *key_len)
{
        const char *start = *p;
        struct scan ps = { start, strlen(start), 1 };
        size_t cap = ps.len + 1, n = 0;
        char *buf = malloc(cap);
        unsigned char ch[4];
        int k;
        if (!buf)
                return -ENOMEM;
        while ((k = string_next(&ps, ch)) > 0) {
                if (n + (size_t)k > cap) {
                        free(buf);
                        return -EINVAL;
                }
                memcpy(buf + n, ch, (size_t)k);
                n += (size_t)k;
        }
        if (k < 0 || ps.pos >= ps.len || start[ps.pos] != ']') {
                free(buf);
                return -EINVAL;
        }
        *p = start + ps.pos + 1;
        *key = buf;
        *key_len = n;
        return 0;
}

static int path_step(struct scan *s, const char **p)
{
        skip_ws(s);
        if (**p == '.') {
                const char *key = ++*p;
                while (is_plain_char(**p))
                        ++*p;
                if (*p == key || !at(s, '{'))
                        return *p == key ? -EINVAL : -ENOENT;
                return enter_member(s, key, (size_t)(*p - key));
        }
        if (**p != '[')
                return -EINVAL;
        ++*p;
        if (**p == '"') {
                char *key;
                size_t key_len;
                int rc = path_quoted_key(p, &key, &key_len);
                if (rc < 0)
                        return rc;
                rc = at(s, '{') ? enter_member(s, key, key_len) : -ENOENT;
                free(key);
                return rc;
        }
        char *end;
        unsigned long long index = strtoull(*p, &end, 10);
        if (end == *p || *end != ']')
                return -EINVAL;
        *p = end + 1;
        if (!at(s, '['))
                return -ENOENT;
        return enter_element(s, (size_t)index);
}

int jread_locate(const char *text, size_t len, const char *path, size_t *offset)
{
        struct scan s = { text, len, 0 };
        const char *p = path;
        if (*p++ != '$')
                return -EINVAL;
        while (*p) {
                int rc = path_step(&s, &p);
                if (rc < 0)
                        return rc;
        }
        skip_ws(&s);
        if (s.pos >= len)
                return -EINVAL;
        *offset = s.pos;
        return 0;
}

void jread_line_column(const char *text, size_t len, size_t offset, int *line, int *column)
{
        int l = 1, c = 0;
        for (size_t i = 0; i <= offset && i < len; i++) {
                unsigned char ch = (unsigned char)text[i];
                if (i > 0 && text[i - 1] == '\n') {
                        l++;
                        c = 0;
                }
                if ((ch & 0xC0) != 0x80) /* UTF-8 continuation bytes share a column */
                        c++;
        }
        *line = l;
        *column = c;
}

/* ---- exact decimals ---- */

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

int jread_decimal_scaled(const char *text, size_t len, size_t offset, unsigned scale_exp10,
                         uint64_t *out)
{
        size_t i = offset;
        bool negative = false;
        if (i < len && text[i] == '-') {
                negative = true;
                i++;
        }
        if (i >= len || !is_digit(text[i]))
                return -EINVAL;
        /* The significand's digits, integer and fraction parts together, leading zeros dropped. */
        const char *digits[2];
        size_t digit_len[2] = { 0, 0 };
        size_t start = i;
        while (i < len && is_digit(text[i]))
                i++;
        digits[0] = text + start;
        digit_len[0] = i - start;
        long long exponent = scale_exp10;
        digits[1] = text + i;
        if (i < len && text[i] == '.') {
                start = ++i;
                while (i < len && is_digit(text[i]))
                        i++;
                digits[1] = text + start;
                digit_len[1] = i - start;
                exponent -= (long long)digit_len[1];
        }
        if (i < len && (text[i] == 'e' || text[i] == 'E')) {
                i++;
                bool exp_negative = i < len && text[i] == '-';
                if (i < len && (text[i] == '-' || text[i] == '+'))
                        i++;
                long long e = 0;
                if (i >= len || !is_digit(text[i]))
                        return -EINVAL;
                for (; i < len && is_digit(text[i]); i++)
                        if (e < 100000)
                                e = e * 10 + (text[i] - '0');
                exponent += exp_negative ? -e : e;
        }
        /* Concatenate the two digit runs virtually, trimming zeros at both ends. */
        size_t total = digit_len[0] + digit_len[1];
#define DIGIT_AT(k) ((k) < digit_len[0] ? digits[0][(k)] : digits[1][(k)-digit_len[0]])
        size_t first = 0, last = total;
        while (first < total && DIGIT_AT(first) == '0')
                first++;
        if (first == total) {
                *out = 0;
                return 0;
        }
        if (negative)
                return -ERANGE;
        while (DIGIT_AT(last - 1) == '0') {
                last--;
                exponent++;
        }
        if (exponent < 0)
                return -EDOM; /* the last significant digit is below the unit */
        if ((long long)(last - first) + exponent > 20)
                return -ERANGE;
        uint64_t value = 0;
        for (size_t k = first; k < last; k++) {
                uint64_t d = (uint64_t)(DIGIT_AT(k) - '0');
                if (value > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                value = value * 10 + d;
        }
#undef DIGIT_AT
        for (long long e = 0; e < exponent; e++) {
                if (value > UINT64_MAX / 10)
                        return -ERANGE;
                value *= 10;
        }
        *out = value;
        return 0;
}

/* ---- suggestions ---- */

size_t jread_edit_distance(const char *a, const char *b)
{
        enum { MAX = 64 };
        size_t n = strlen(a), m = strlen(b);
        size_t d[MAX][MAX];
        if (n >= MAX || m >= MAX)
                return SIZE_MAX;
        for (size_t i = 0; i <= n; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= m; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= n; i++) {
                for (size_t j = 1; j <= m; j++) {
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        size_t best = d[i - 1][j - 1] + cost;
                        if (d[i - 1][j] + 1 < best)
                                best = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < best)
                                best = d[i][j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            d[i - 2][j - 2] + 1 < best)
                                best = d[i - 2][j - 2] + 1;
                        d[i][j] = best;
                }
        }
        return d[n][m];
}
