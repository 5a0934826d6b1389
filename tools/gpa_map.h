/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `tdpmmu run --map FILE.svg|FILE.png`: a picture of the guest physical
 * address space, drawn with cairo.  Each row is one slice of [0, mem);
 * ranges are coloured by what backs them: private leaves by S-EPT level
 * (4K / 2M / 1G) and state (PENDING or accepted), shared memory, private
 * memory with no mapping, and holes punched in guest_memfd.
 */
#ifndef TDPMMU_TOOLS_GPA_MAP_H
#define TDPMMU_TOOLS_GPA_MAP_H

#include <stdbool.h>

#include "tdpmmu/types.h"

struct kvm;

enum gpa_map_kind {
	GPA_MAP_UNMAPPED, /* private, no S-EPT leaf */
	GPA_MAP_PUNCHED, /* punched and not mapped again */
	GPA_MAP_SHARED,
	GPA_MAP_4K_ACCEPTED,
	GPA_MAP_4K_PENDING,
	GPA_MAP_2M_ACCEPTED,
	GPA_MAP_2M_PENDING,
	GPA_MAP_1G_ACCEPTED,
	GPA_MAP_1G_PENDING,
	NR_GPA_MAP_KINDS,
};

struct gpa_map_colour {
	u8 r, g, b;
	const char *label;
};
extern const struct gpa_map_colour gpa_map_colours[NR_GPA_MAP_KINDS];

struct gpa_map_range {
	gpa_t gpa;
	u64 size;
};

/* The picture's size in pixels for a TD of @mem bytes. */
void gpa_map_dimensions(u64 mem, int *width, int *height);
/* @path ends in .svg or .png. */
bool gpa_map_format_ok(const char *path);
/*
 * Draw @kvm's guest physical address space now.  @punched: ranges punched
 * during the run.  0, or -1 with *err set to a static message.
 */
int gpa_map_draw(struct kvm *kvm, const char *path, const char *title,
		 const struct gpa_map_range *punched, size_t nr_punched, const char **err);

#endif /* TDPMMU_TOOLS_GPA_MAP_H */
