/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text from the user (file names, tokens) made safe to print: control
 * characters (C0, DEL, C1) and bytes that are not valid UTF-8 become \xNN,
 * so nothing reaches a terminal raw and the result is valid UTF-8 (a JSON
 * string can carry it).
 */
#ifndef TDPMMU_TEXT_ESCAPE_H
#define TDPMMU_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* True if @s needs no escaping. */
bool text_is_printable(const char *s);
/* The escaped copy of @s (malloc'd), or NULL if out of memory. */
char *text_escape(const char *s);

#endif
