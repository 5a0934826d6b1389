// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every `vm` key in force, as the reports show it: the JSON `config`
 * object and the human report's header.  One table, so a new vm key is
 * added in one place and both reports show it.
 */
#include <stdio.h>
#include <string.h>

#include "report_config.h"
#include "scenario.h"

static const char *on_off(bool v)
{
	return v ? "on" : "off";
}

/*
 * The keys in the order the language documents them (docs/SCENARIO-LANGUAGE.md).
 * Values are written as a scenario would write them, except mem and seed,
 * which are numbers.
 */

int report_config_for_each(const struct kvm_config *cfg, report_config_fn fn, void *arg)
{
	char mem[32], vcpus[16], seed[32], slots[KVM_MAX_MEMSLOTS * 40] = "";
	const struct {
		const char *key;
		const char *value;
		bool number;
	} keys[] = {
		{"mem", mem, true},
		{"vcpus", vcpus, true},
		{"max_level", scn_level_name(cfg->max_level), false},
		{"module", cfg->module == TDX_MODULE_2_0 ? "2.0" : "1.5", false},
		{"dpamt", on_off(cfg->dpamt), false},
		{"demote_interruptible", on_off(cfg->demote_interruptible), false},
		{"seed", seed, true},
		{"policy", cfg->policy == TDX_POLICY_RECOVER ? "recover" : "upstream", false},
		{"track_batch", on_off(cfg->track_batch), false},
		{"promote", on_off(cfg->promote), false},
		{"split_lock", cfg->split_lock == KVM_SPLIT_LOCK_SHARED ? "shared" : "exclusive",
		 false},
		/* Extensions of the calibrated boot (docs/SCENARIOS.md). */
		{"slots", slots, false},
		{"inhibit_precheck", on_off(!cfg->no_inhibit_precheck), false},
	};

	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)cfg->mem);
	snprintf(vcpus, sizeof(vcpus), "%d", cfg->nr_vcpus);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)cfg->seed);
	/* One slot [0, mem) unless vm slots= said otherwise. */
	for (int i = 0; i < cfg->nr_memslots; i++) {
		size_t n = strlen(slots);

		snprintf(slots + n, sizeof(slots) - n, "%s0x%llx:0x%llx", i ? "," : "",
			 (unsigned long long)cfg->memslots[i].base,
			 (unsigned long long)cfg->memslots[i].size);
	}
	if (!cfg->nr_memslots)
		snprintf(slots, sizeof(slots), "0x0:0x%llx", (unsigned long long)cfg->mem);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		int r = fn(arg, keys[i].key, keys[i].value, keys[i].number);

		if (r)
			return r;
	}
	return 0;
}
