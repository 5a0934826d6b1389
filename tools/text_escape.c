// SPDX-License-Identifier: GPL-2.0-only
/*
 * Escaping user text for terminals and JSON (text_escape.h): a byte is
 * kept only as part of a well-formed UTF-8 sequence (no overlong forms,
 * surrogates or code points past U+10FFFF) of a printable character.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

/* Length of the printable UTF-8 character at @s, or 0 if the byte must be escaped. */
static size_t printable_len(const unsigned char *s)
{
	unsigned c = s[0], cp, n, min;

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f) /* C1 controls: CSI is 0x9b */
		return 0;
	return n + 1;
}

bool text_is_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *text_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = printable_len(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			o += sprintf(o, "\\x%02x", *p++);
		}
	}
	*o = 0;
	return out;
}
