/*
 * linter._rowscan: the row scanner of the engine's fast path (see linter/rowscan.py).
 *
 * scan(lines) reads each line once and proves it is in a small subset of JSON
 * where orjson.loads is sure to accept it and to read it one way only: one
 * object, no whitespace around it, spaces and tabs between tokens, strings of
 * valid UTF-8 without raw control characters or \u escapes, integers of at
 * most 18 digits (not -0), no floats, at most 64 levels deep, no repeated key
 * in an object, at most 1 MiB long. Anything else gets OK = 0 and a zeroed record: the engine then
 * parses that line in Python, so refusing is always safe and accepting a line
 * orjson would refuse or read differently is the one bug to avoid.
 *
 * For a line in the subset it computes, with no Python object made, what the
 * duplicate rules (FT403-FT405) compute from the parsed row:
 *   exact    XXH3-128 of the line;
 *   flat     XXH3-128 of F = linter.hashing.flat(orjson.loads(line)): keys
 *            sorted by their UTF-8 bytes, compact, then every backslash
 *            followed by n, t or r removed with that letter, and every space;
 *   prompt   XXH3-128 of F up to the comma before the last message and
 *   answer   XXH3-64 of the last message's own bytes in F, for a row that is
 *            nothing but {"messages": [...]} of two or more, the last an object;
 *   skeleton XXH3-128 of the line's structure in its own order, with every
 *            non-empty string value of a key named "content" reduced to one
 *            tag: the engine's memo key (equal skeletons, equal rows up to
 *            those strings).
 *
 * One line is two passes. The first validates and writes the skeleton while
 * it records every value as a node (pre-order, each node knowing where its
 * subtree ends). The second writes F from the nodes, sorting each object's
 * members by their decoded keys (a repeated key shows as two equal
 * neighbours). Strings are re-escaped the way orjson writes them ("\"" and
 * "\\", the short escapes of \b \f \n \r \t, "/" and non-ASCII raw) with
 * flat's two deletions applied as the bytes are written: a backslash of
 * orjson's output followed by n, t or r goes with that letter, which is what
 * re.sub(rb"\\[ntr]", b"", ...) does left to right (a backslash is never the
 * letter of an earlier match), and spaces are dropped.
 *
 * Records are 96 bytes, little-endian (offsets in bytes):
 *   0 flags (bit 0 OK, bit 1 PAIR, bit 2 EDGES: a string empty, "type" or with whitespace at
 *     either end, or an empty array; bit 3 CONTENT_LIST: a member named "content" holds an array:
 *     the structural screens of linter.rowscan.STRUCTURAL)  8 len(line)  16 skeleton  32 exact  48 flat
 *   64 prompt  80 answer (u64)  88 number of top-level messages
 * the 128-bit digests as XXH128_canonicalFromHash writes them (big-endian),
 * the bytes xxhash.xxh3_128_digest returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include "xxhash.h"

#define RECORD 96
#define MAX_DEPTH 64
#define MAX_DIGITS 18
/* Longer lines are left to Python (OK = 0): their parse, not the per-row overhead this saves, is their
 * cost, and the scratch memory is sized by the longest line scanned (about 25 bytes per byte of it). */
#define MAX_LINE (1u << 20)
#define FLAG_OK 1u
#define FLAG_PAIR 2u
#define FLAG_EDGES 4u /* some string is empty, "type", or starts or ends with whitespace; or some array is empty */
#define FLAG_CONTENT_LIST 8u /* some member named "content" holds an array (content parts) */

enum { T_OBJ = 1, T_ARR, T_STR, T_NUM, T_TRUE, T_FALSE, T_NULL };

/* Skeleton tags: every token starts with one, and no tag is a digit or '-', so
 * a number's text ends where the next tag starts; strings and keys carry
 * their length. */
#define SK_OBJ '{'
#define SK_OBJ_END '}'
#define SK_ARR '['
#define SK_ARR_END ']'
#define SK_KEY 'K'
#define SK_STR 's'
#define SK_NUM 'i'
#define SK_TRUE 't'
#define SK_FALSE 'f'
#define SK_NULL 'n'
#define SK_CONTENT_EMPTY 'E'
#define SK_CONTENT 'S'

typedef struct {
    const unsigned char *key; /* an object's key node: its decoded bytes */
    uint32_t klen;
    uint32_t start;           /* string: first byte inside the quotes; number: its first byte */
    uint32_t len;             /* raw length (strings without the quotes) */
    uint32_t count;           /* containers: elements, or members of an object */
    uint32_t next;            /* the node after this one's subtree */
    uint8_t type;
    uint8_t esc;              /* a string with at least one backslash escape */
} Node;

typedef struct {
    const unsigned char *base, *p, *end;
    Node *nodes;
    size_t nnodes;
    unsigned char *skel;      /* skeleton, written in pass one */
    size_t slen;
    unsigned char *keys;      /* decoded keys that had escapes */
    size_t klen;
    unsigned char *flat;      /* F, written in pass two */
    size_t flen;
    const Node **order;       /* stack of object members being sorted */
    size_t otop;
    int depth;
    int fingerprints;         /* 0: pass two only proves no key repeats (no F, no exact/flat/prompt/answer) */
    uint32_t mark;            /* the node of the PAIR's messages array, or 0 */
    size_t last_start, last_end; /* where its last element is in F */
    uint64_t found;           /* FLAG_EDGES when pass one met what it flags */
} Scan;

/* ---------------------------------------------------------------- pass one */

static inline void skip_ws(Scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
        s->p++;
}

static inline void put_len(unsigned char *out, uint32_t n)
{
    out[0] = (unsigned char)n;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)(n >> 16);
    out[3] = (unsigned char)(n >> 24);
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero when one of the 8 bytes is below 0x20, a quote, a backslash or not ASCII. */
static inline uint64_t special8(uint64_t v)
{
    uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
    uint64_t control = (v - ONES * 0x20) & ~v; /* exact for "some byte is below 0x20" (v < 0x80 bytes) */
    uint64_t quote = (q - ONES) & ~q, backslash = (b - ONES) & ~b;
    return (control | quote | backslash | v) & HIGHS;
}

/* The length of the valid UTF-8 sequence at p (a byte >= 0x80), or 0: no
 * overlong forms, no surrogates (ED A0-BF), nothing past U+10FFFF, nothing cut short. */
static inline int utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t left = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF) {
        return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

static int string_edges(const unsigned char *raw, size_t len);

/* Validate the string whose opening quote is at s->p; leave s->p after its
 * closing quote. Fills the node's start, len and esc. */
static int scan_string(Scan *s, Node *n)
{
    const unsigned char *p = s->p + 1, *end = s->end;
    int esc = 0;
    n->start = (uint32_t)(p - s->base);
    for (;;) {
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (special8(v))
                break;
            p += 8;
        }
        if (p >= end)
            return -1;
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c >= 0x20 && c < 0x80 && c != '\\') {
            p++;
            continue;
        }
        if (c == '\\') {
            if (end - p < 2)
                return -1;
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                break;
            default: /* \u and anything JSON does not have */
                return -1;
            }
            esc = 1;
            p += 2;
            continue;
        }
        if (c < 0x20)
            return -1;
        int k = utf8_sequence(p, end);
        if (!k)
            return -1;
        p += k;
    }
    n->len = (uint32_t)(p - s->base) - n->start;
    n->esc = (uint8_t)esc;
    s->p = p + 1;
    if (!(s->found & FLAG_EDGES) && string_edges(s->base + n->start, n->len))
        s->found |= FLAG_EDGES;
    return 0;
}

/* A whitespace character (str.isspace) of two or three UTF-8 bytes at p (n bytes left): U+0085,
 * U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
static inline int multibyte_space(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0xC2)
        return p[1] == 0x85 || p[1] == 0xA0;
    if (n < 3)
        return 0;
    if (p[0] == 0xE1)
        return p[1] == 0x9A && p[2] == 0x80;
    if (p[0] == 0xE2 && p[1] == 0x80)
        return p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF;
    if (p[0] == 0xE2)
        return p[1] == 0x81 && p[2] == 0x9F;
    return p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80;
}

static inline int space_escape(unsigned char c) /* \t \n \r \f: the whitespace a JSON escape without \u writes */
{
    return c == 't' || c == 'n' || c == 'r' || c == 'f';
}

/* The string-edges screen (FT200/FT201's, linter/rules/content.py EDGE_SCREEN) of one validated string (its raw text, no \u
 * escape in it): empty, "type", or its first or last decoded character whitespace. */
static int string_edges(const unsigned char *raw, size_t len)
{
    if (len == 0 || (len == 4 && memcmp(raw, "type", 4) == 0))
        return 1;
    unsigned char first = raw[0], last = raw[len - 1];
    if (first == ' ' || (first == '\\' && space_escape(raw[1])) || (first >= 0x80 && multibyte_space(raw, len)))
        return 1;
    if (last == ' ')
        return 1;
    if (space_escape(last) && len >= 2 && raw[len - 2] == '\\') {
        size_t slashes = 0; /* an odd run of backslashes before the letter: the last one escapes it */
        while (slashes < len - 1 && raw[len - 2 - slashes] == '\\')
            slashes++;
        if (slashes & 1)
            return 1;
    }
    if (last >= 0x80) {
        size_t at = len - 1; /* back to the last character's lead byte */
        while (at > 0 && len - at < 4 && (raw[at] & 0xC0) == 0x80)
            at--;
        if (multibyte_space(raw + at, len - at))
            return 1;
    }
    return 0;
}

/* The decoded bytes of a validated string's raw text; returns their length. */
static size_t decode(const unsigned char *raw, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = raw[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        switch (raw[++i]) {
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        default: c = raw[i]; /* " \ / */
        }
        out[o++] = c;
    }
    return o;
}

/* A string value's skeleton: its tag, length and decoded bytes. */
static void skel_string(Scan *s, const Node *n)
{
    const unsigned char *raw = s->base + n->start;
    unsigned char *out = s->skel + s->slen;
    size_t len;
    out[0] = SK_STR;
    if (n->esc)
        len = decode(raw, n->len, out + 5);
    else {
        memcpy(out + 5, raw, n->len);
        len = n->len;
    }
    put_len(out + 1, (uint32_t)len);
    s->slen += 5 + len;
}

static int scan_value(Scan *s, int content);

/* An object's key, up to its value: the key node (its decoded bytes kept for
 * sorting), its skeleton, and the colon. Sets *content for a key named "content". */
static int scan_key(Scan *s, int *content)
{
    if (s->p >= s->end || *s->p != '"')
        return -1;
    Node *key = &s->nodes[s->nnodes++];
    key->type = T_STR;
    key->count = 0;
    if (scan_string(s, key))
        return -1;
    key->next = (uint32_t)s->nnodes;
    const unsigned char *raw = s->base + key->start;
    if (key->esc) {
        key->key = s->keys + s->klen;
        key->klen = (uint32_t)decode(raw, key->len, s->keys + s->klen);
        s->klen += key->klen;
    } else {
        key->key = raw;
        key->klen = key->len;
    }
    unsigned char *out = s->skel + s->slen;
    out[0] = SK_KEY;
    put_len(out + 1, key->klen);
    memcpy(out + 5, key->key, key->klen);
    s->slen += 5 + key->klen;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return -1;
    s->p++;
    skip_ws(s);
    *content = key->klen == 7 && memcmp(key->key, "content", 7) == 0;
    return 0;
}

/* An object (its members) or an array (its elements), from its opening bracket. */
static int scan_container(Scan *s, int object)
{
    size_t at = s->nnodes++;
    uint32_t count = 0;
    unsigned char close = object ? '}' : ']';
    int more = 1;
    s->nodes[at].type = object ? T_OBJ : T_ARR;
    s->skel[s->slen++] = object ? SK_OBJ : SK_ARR;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        more = 0;
        if (!object)
            s->found |= FLAG_EDGES; /* an empty list: FT200's empty content */
    }
    while (more) {
        int content = 0;
        if (object && scan_key(s, &content))
            return -1;
        if (scan_value(s, content))
            return -1;
        count++;
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ',') {
            s->p++;
            skip_ws(s);
        } else if (*s->p == close) {
            s->p++;
            more = 0;
        } else {
            return -1;
        }
    }
    s->nodes[at].count = count;
    s->nodes[at].next = (uint32_t)s->nnodes;
    s->skel[s->slen++] = object ? SK_OBJ_END : SK_ARR_END;
    return 0;
}

static int scan_literal(Scan *s, const char *word, size_t len, uint8_t type, unsigned char tag)
{
    if ((size_t)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
        return -1;
    Node *n = &s->nodes[s->nnodes++];
    n->type = type;
    n->count = 0;
    n->next = (uint32_t)s->nnodes;
    s->p += len;
    s->skel[s->slen++] = tag;
    return 0;
}

/* -?(0|[1-9][0-9]{0,17}), not -0; a following '.', 'e' or digit fails the caller's
 * check of what may follow a value. */
static int scan_number(Scan *s)
{
    const unsigned char *p = s->p, *end = s->end, *first = p;
    if (*p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    if (*p == '0') {
        if (p != first) /* -0 */
            return -1;
        p++;
    } else {
        const unsigned char *digits = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p - digits > MAX_DIGITS)
            return -1;
    }
    Node *n = &s->nodes[s->nnodes++];
    n->type = T_NUM;
    n->start = (uint32_t)(first - s->base);
    n->len = (uint32_t)(p - first);
    n->count = 0;
    n->next = (uint32_t)s->nnodes;
    s->skel[s->slen++] = SK_NUM;
    memcpy(s->skel + s->slen, first, n->len);
    s->slen += n->len;
    s->p = p;
    return 0;
}

static int scan_value(Scan *s, int content)
{
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '{':
    case '[': {
        if (++s->depth > MAX_DEPTH)
            return -1;
        if (content && *s->p == '[')
            s->found |= FLAG_CONTENT_LIST;
        int r = scan_container(s, *s->p == '{');
        s->depth--;
        return r;
    }
    case '"': {
        Node *n = &s->nodes[s->nnodes++];
        n->type = T_STR;
        n->count = 0;
        if (scan_string(s, n))
            return -1;
        n->next = (uint32_t)s->nnodes;
        if (content)
            s->skel[s->slen++] = n->len ? SK_CONTENT : SK_CONTENT_EMPTY;
        else
            skel_string(s, n);
        return 0;
    }
    case 't':
        return scan_literal(s, "true", 4, T_TRUE, SK_TRUE);
    case 'f':
        return scan_literal(s, "false", 5, T_FALSE, SK_FALSE);
    case 'n':
        return scan_literal(s, "null", 4, T_NULL, SK_NULL);
    default:
        return scan_number(s);
    }
}

/* ---------------------------------------------------------------- pass two */

/* A string as it is in F: orjson's escapes, then flat's deletions. */
static void flat_string(Scan *s, const Node *n)
{
    const unsigned char *raw = s->base + n->start;
    unsigned char *out = s->flat + s->flen;
    size_t o = 0, len = n->len;
    out[o++] = '"';
    if (!n->esc) { /* no quote, backslash or control character: orjson writes it as it is */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = raw[i];
            out[o] = c;
            o += c != ' ';
        }
    } else {
        int backslash = 0; /* the last byte orjson wrote was a backslash (still in out) */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = raw[i], second = 0;
            if (c == '\\') {
                unsigned char e = raw[++i];
                switch (e) {
                case '"': case '\\': c = '\\'; second = e; break;
                case '/': c = '/'; break;
                default: c = '\\'; second = e; /* b f n r t: orjson's own short escapes */
                }
            }
            /* write c, then second when there is one, through flat's filter */
            for (int k = 0; k < 2; k++) {
                if (c == ' ') {
                    backslash = 0;
                } else if (backslash && (c == 'n' || c == 't' || c == 'r')) {
                    o--;
                    backslash = 0;
                } else {
                    out[o++] = c;
                    backslash = c == '\\';
                }
                if (!second)
                    break;
                c = second;
            }
        }
    }
    out[o++] = '"';
    s->flen += o;
}

/* Keys in the order orjson's OPT_SORT_KEYS writes them: their UTF-8 bytes, a prefix first. */
static int key_compare(const void *x, const void *y)
{
    const Node *a = *(const Node *const *)x, *b = *(const Node *const *)y;
    uint32_t m = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, m);
    if (c)
        return c;
    return (a->klen > b->klen) - (a->klen < b->klen);
}

static int flat_value(Scan *s, uint32_t at);

static int flat_object(Scan *s, uint32_t at)
{
    const Node *obj = &s->nodes[at];
    uint32_t count = obj->count;
    const Node **members = s->order + s->otop;
    uint32_t i, k = at + 1;
    for (i = 0; i < count; i++) {
        members[i] = &s->nodes[k];
        k = s->nodes[k + 1].next; /* past the key and its value */
    }
    if (count <= 16) {
        for (i = 1; i < count; i++) {
            const Node *m = members[i];
            uint32_t j = i;
            while (j > 0 && key_compare(&m, &members[j - 1]) < 0) {
                members[j] = members[j - 1];
                j--;
            }
            members[j] = m;
        }
    } else {
        qsort(members, count, sizeof *members, key_compare);
    }
    for (i = 1; i < count; i++) /* a repeated key: orjson keeps the last, the engine reads every one */
        if (members[i]->klen == members[i - 1]->klen &&
            memcmp(members[i]->key, members[i - 1]->key, members[i]->klen) == 0)
            return -1;
    s->otop += count;
    s->flat[s->flen++] = '{';
    for (i = 0; i < count; i++) {
        if (i)
            s->flat[s->flen++] = ',';
        const Node *key = members[i];
        if (s->fingerprints)
            flat_string(s, key);
        s->flat[s->flen++] = ':';
        if (flat_value(s, (uint32_t)(key - s->nodes) + 1))
            return -1;
    }
    s->flat[s->flen++] = '}';
    s->otop -= count;
    return 0;
}

static int flat_value(Scan *s, uint32_t at)
{
    const Node *n = &s->nodes[at];
    switch (n->type) {
    case T_OBJ:
        return flat_object(s, at);
    case T_ARR: {
        uint32_t k = at + 1, count = n->count;
        s->flat[s->flen++] = '[';
        for (uint32_t i = 0; i < count; i++) {
            if (i)
                s->flat[s->flen++] = ',';
            if (at == s->mark && i + 1 == count)
                s->last_start = s->flen;
            if (flat_value(s, k))
                return -1;
            k = s->nodes[k].next;
        }
        if (at == s->mark)
            s->last_end = s->flen;
        s->flat[s->flen++] = ']';
        return 0;
    }
    case T_STR:
        if (s->fingerprints)
            flat_string(s, n);
        return 0;
    case T_NUM:
        if (!s->fingerprints)
            return 0;
        memcpy(s->flat + s->flen, s->base + n->start, n->len);
        s->flen += n->len;
        return 0;
    case T_TRUE:
        memcpy(s->flat + s->flen, "true", 4);
        s->flen += 4;
        return 0;
    case T_FALSE:
        memcpy(s->flat + s->flen, "false", 5);
        s->flen += 5;
        return 0;
    default:
        memcpy(s->flat + s->flen, "null", 4);
        s->flen += 4;
        return 0;
    }
}

/* ------------------------------------------------------------------ a line */

static inline void put_u64(unsigned char *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_128(unsigned char *out, XXH128_hash_t h)
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    memcpy(out, c.digest, 16);
}

/* Fill one record (zeroed by the caller) for the line; leaves it zeroed when the line is not OK. */
static void scan_line(Scan *s, const unsigned char *line, size_t len, unsigned char *record)
{
    if (len < 2 || len > MAX_LINE || line[0] != '{')
        return;
    s->base = s->p = line;
    s->end = line + len;
    s->nnodes = s->slen = s->klen = s->flen = s->otop = 0;
    s->depth = 0;
    s->mark = 0;
    s->found = 0;
    if (scan_value(s, 0) || s->p != s->end)
        return;

    /* the top-level messages array: its length, and whether the row is a PAIR */
    const Node *top = &s->nodes[0];
    uint64_t flags = FLAG_OK | s->found, messages = 0;
    uint32_t k = 1;
    for (uint32_t i = 0; i < top->count; i++) {
        const Node *key = &s->nodes[k], *value = &s->nodes[k + 1];
        if (key->klen == 8 && memcmp(key->key, "messages", 8) == 0) {
            if (value->type == T_ARR) {
                messages = value->count;
                if (top->count == 1 && value->count >= 2) {
                    uint32_t e = k + 2; /* the array's first element */
                    for (uint32_t j = 1; j < value->count; j++)
                        e = s->nodes[e].next;
                    if (s->nodes[e].type == T_OBJ) {
                        flags |= FLAG_PAIR;
                        s->mark = k + 1;
                    }
                }
            }
            break; /* a second "messages" is refused below */
        }
        k = value->next;
    }
    if (flat_value(s, 0))
        return;

    put_u64(record, flags);
    put_u64(record + 8, len);
    put_128(record + 16, XXH3_128bits(s->skel, s->slen));
    put_u64(record + 88, messages);
    if (!s->fingerprints)
        return;
    put_128(record + 32, XXH3_128bits(line, len));
    put_128(record + 48, XXH3_128bits(s->flat, s->flen));
    if (flags & FLAG_PAIR) {
        put_128(record + 64, XXH3_128bits(s->flat, s->last_start - 1));
        put_u64(record + 80, XXH3_64bits(s->flat + s->last_start, s->last_end - s->last_start));
    }
}

/* ------------------------------------------------------------------ Python */

static void free_scan(Scan *s)
{
    PyMem_Free(s->nodes);
    PyMem_Free((void *)s->order);
    PyMem_Free(s->skel);
    PyMem_Free(s->keys);
    PyMem_Free(s->flat);
}

/* Buffers for lines of at most `longest` bytes. Bounds for the longest line L: every node but the
 * outermost takes at least two bytes (a string its quotes; anything else is followed by a comma or a
 * closing bracket) but the containers a line left open, at most MAX_DEPTH, so nodes <= L/2 + MAX_DEPTH
 * + 2; a node's skeleton is at most 3 bytes longer than its text (a tag and a 4-byte length for two
 * quotes); decoded keys and F are never longer than the line. Returns 0, or -1 with MemoryError set. */
static int alloc_scan(Scan *s, size_t longest)
{
    size_t L = longest, nodes = L / 2 + MAX_DEPTH + 4;
    memset(s, 0, sizeof *s);
    s->fingerprints = 1;
    s->nodes = PyMem_Malloc(nodes * sizeof(Node));
    s->order = PyMem_Malloc(nodes * sizeof(Node *));
    s->skel = PyMem_Malloc(L + 3 * nodes + 16);
    s->keys = PyMem_Malloc(L + 16);
    s->flat = PyMem_Malloc(L + 16);
    if (!s->nodes || !s->order || !s->skel || !s->keys || !s->flat) {
        free_scan(s);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *rowscan_scan(PyObject *module, PyObject *arg)
{
    (void)module;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes a list of bytes");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(arg), longest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(arg, i);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "scan() takes a list of bytes, item %zd is %.100s", i,
                         Py_TYPE(item)->tp_name);
            return NULL;
        }
        if (PyBytes_GET_SIZE(item) > longest && PyBytes_GET_SIZE(item) <= MAX_LINE)
            longest = PyBytes_GET_SIZE(item);
    }
    if (n > PY_SSIZE_T_MAX / RECORD)
        return PyErr_NoMemory();
    PyObject *result = PyBytes_FromStringAndSize(NULL, n * RECORD);
    if (!result)
        return NULL;
    unsigned char *records = (unsigned char *)PyBytes_AS_STRING(result);
    memset(records, 0, (size_t)n * RECORD);
    Scan s;
    if (alloc_scan(&s, (size_t)longest)) {
        Py_DECREF(result);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(arg, i);
        scan_line(&s, (const unsigned char *)PyBytes_AS_STRING(item), (size_t)PyBytes_GET_SIZE(item),
                  records + (size_t)i * RECORD);
    }
    free_scan(&s);
    return result;
}

/* How many \n bytes [p, end) holds. glibc's memchr reads a vector at a time: a few GB/s, where
 * bytes.count compares a byte at a time (about 2 GB/s). */
static Py_ssize_t newlines(const unsigned char *p, const unsigned char *end)
{
    Py_ssize_t count = 0;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        count++;
        p++;
    }
    return count;
}

/* scan_block(data, fingerprints=True): the lines of `data` (cut at each \n; the last runs to its end, so n lines hold n-1
 * newlines), scanned as scan() scans a list of them, with no bytes object per line; returns (records,
 * lengths), the lengths as little-endian int64, every line's (an OK record holds its own too). Without
 * fingerprints the records' exact, flat, prompt and answer are left zero (F is not written: pass two
 * only sorts each object's keys to refuse a repeated one): 40% of a long line's scan that no rule reads. */
static PyObject *rowscan_scan_block(PyObject *module, PyObject *args)
{
    (void)module;
    Py_buffer view;
    int fingerprints = 1;
    if (!PyArg_ParseTuple(args, "y*|p:scan_block", &view, &fingerprints))
        return NULL;
    const unsigned char *data = (const unsigned char *)view.buf, *end = data + view.len, *p;
    Py_ssize_t n = newlines(data, end) + 1;
    PyObject *records = NULL, *lengths = NULL, *result = NULL;
    if (n > PY_SSIZE_T_MAX / RECORD) {
        PyErr_NoMemory();
        goto done;
    }
    records = PyBytes_FromStringAndSize(NULL, n * RECORD);
    lengths = PyBytes_FromStringAndSize(NULL, n * 8);
    if (!records || !lengths)
        goto done;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(records);
    unsigned char *sizes = (unsigned char *)PyBytes_AS_STRING(lengths);
    memset(out, 0, (size_t)n * RECORD);
    size_t longest = 0;
    p = data;
    for (Py_ssize_t i = 0; i < n; i++) { /* pass one: every line's length, and the longest the scan takes */
        const unsigned char *stop = i + 1 < n ? memchr(p, '\n', (size_t)(end - p)) : end;
        size_t len = (size_t)(stop - p);
        put_u64(sizes + (size_t)i * 8, (uint64_t)len);
        if (len > longest && len <= MAX_LINE)
            longest = len;
        p = stop + 1;
    }
    Scan s;
    if (alloc_scan(&s, longest))
        goto done;
    s.fingerprints = fingerprints;
    p = data;
    for (Py_ssize_t i = 0; i < n; i++) { /* pass two: each line, found again where the one before ended */
        const unsigned char *stop = i + 1 < n ? memchr(p, '\n', (size_t)(end - p)) : end;
        scan_line(&s, p, (size_t)(stop - p), out + (size_t)i * RECORD);
        p = stop + 1;
    }
    free_scan(&s);
    result = PyTuple_Pack(2, records, lengths);
done:
    Py_XDECREF(records);
    Py_XDECREF(lengths);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *rowscan_count_newlines(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *p = (const unsigned char *)view.buf;
    Py_ssize_t count;
    Py_BEGIN_ALLOW_THREADS
    count = newlines(p, p + view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef rowscan_methods[] = {
    {"scan", rowscan_scan, METH_O,
     "scan(lines: list[bytes]) -> bytes\n\n"
     "One 96-byte record per line (see linter/rowscan.py)."},
    {"scan_block", rowscan_scan_block, METH_VARARGS,
     "scan_block(data, fingerprints=True) -> (records: bytes, lengths: bytes)\n\n"
     "scan() of data's lines (cut at each newline), with their lengths as int64 (see linter/rowscan.py)."},
    {"count_newlines", rowscan_count_newlines, METH_O,
     "count_newlines(buffer) -> int\n\n"
     "How many newline bytes a bytes-like object holds (what linter.parallel's first pass counts)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef rowscan_module = {
    PyModuleDef_HEAD_INIT, "_rowscan",
    "The compiled row scanner of the engine's fast path (see linter/rowscan.py).", -1, rowscan_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rowscan(void)
{
    PyObject *m = PyModule_Create(&rowscan_module);
    if (m && (PyModule_AddIntConstant(m, "RECORD", RECORD) < 0 || PyModule_AddIntConstant(m, "MAX_LINE", MAX_LINE) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
