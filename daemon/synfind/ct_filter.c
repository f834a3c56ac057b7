// SPDX-License-Identifier: GPL-2.0
/* The connection table's filter, synfind's side: its header at load time,
 * and its rebuild along the sweep (the rules are in include/synfin.h).
 * The BPF side sets bits concurrently, so every change is atomic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "ct_filter.h"

static int filter_geometry(int filter_fd, __u32 *log2)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), words, l = 0;

	if (bpf_obj_get_info_by_fd(filter_fd, &info, &len))
		return -1;
	words = (info.max_entries - 1) / 2;
	while (l < 31 && (1u << l) < words)
		l++;
	if (info.value_size != sizeof(__u64) || info.max_entries != 1 + (2u << l)) {
		errno = EINVAL;
		return -1;
	}
	*log2 = l;
	return 0;
}

int ct_filter_init(int filter_fd, int table_fresh)
{
	__u32 zero = 0, l;
	__u64 hdr;

	if (filter_geometry(filter_fd, &l) || bpf_map_lookup_elem(filter_fd, &zero, &hdr))
		return -1;
	if (hdr)
		return 0;	/* reused from pins: it is in force */
	/* A kept table may hold entries (and gain some from the programs
	 * still attached) that have no bit here.
	 */
	hdr = (__u64)l << SYNFIN_FILTER_LOG2_SHIFT | (table_fresh ? SYNFIN_FILTER_VALID : 0);
	return bpf_map_update_elem(filter_fd, &zero, &hdr, BPF_ANY);
}

/* MEMBARRIER_CMD_GLOBAL is a synchronize_rcu(), which waits for every BPF
 * program run under way (they run under RCU). Not offered with nohz_full;
 * with one CPU the kernel skips the wait, which only a realtime kernel
 * (where a program can be preempted) makes unsafe.
 */
static int grace_period_works(void)
{
	long q = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	char rt = '0';
	FILE *f;

	if (q < 0 || !(q & MEMBARRIER_CMD_GLOBAL))
		return 0;
	f = fopen("/sys/kernel/realtime", "re");
	if (f) {
		if (fread(&rt, 1, 1, f) != 1)
			rt = '0';
		fclose(f);
	}
	return !(rt == '1' && sysconf(_SC_NPROCESSORS_ONLN) < 2);
}

static int grace_period(void)
{
	return syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) ? -1 : 0;
}

int ct_filter_open(struct ct_filter *f, int filter_fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	memset(f, 0, sizeof(*f));
	if (filter_geometry(filter_fd, &f->log2))
		return -1;
	f->len = ((1 + (2ul << f->log2)) * sizeof(__u64) + page - 1) / page * page;
	m = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_SHARED, filter_fd, 0);
	if (m == MAP_FAILED) {
		f->len = 0;
		return -1;
	}
	f->w = m;
	f->can_rebuild = grace_period_works();
	return 0;
}

void ct_filter_close(struct ct_filter *f)
{
	if (f->w)
		munmap(f->w, f->len);
	f->w = NULL;
}

__u64 ct_filter_header(const struct ct_filter *f)
{
	return __atomic_load_n(&f->w[0], __ATOMIC_ACQUIRE);
}

static __u64 *word(const struct ct_filter *f, int buf, __u64 h)
{
	return &f->w[synfin_filter_word(f->log2, buf, h)];
}

double ct_filter_fill(const struct ct_filter *f)
{
	const __u64 *b = word(f, ct_filter_header(f) & SYNFIN_FILTER_LIVE, 0);
	size_t i, n = (size_t)1 << f->log2;
	__u64 set = 0;

	for (i = 0; i < n; i++)
		set += __builtin_popcountll(__atomic_load_n(&b[i], __ATOMIC_RELAXED));
	return (double)set / (64.0 * n);
}

void ct_filter_add(struct ct_filter *f, const struct synfin_ct_key *k)
{
	__u64 h = synfin_filter_hash(k);

	__atomic_fetch_or(word(f, 0, h), 1ull << (h & 63), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(word(f, 1, h), 1ull << (h & 63), __ATOMIC_SEQ_CST);
}

int ct_filter_test(const struct ct_filter *f, int buf, const struct synfin_ct_key *k)
{
	__u64 h = synfin_filter_hash(k);

	return (__atomic_load_n(word(f, buf, h), __ATOMIC_RELAXED) >> (h & 63)) & 1;
}

static int spare(const struct ct_filter *f)
{
	return !(ct_filter_header(f) & SYNFIN_FILTER_LIVE);
}

int ct_filter_pass_begin(struct ct_filter *f)
{
	__u64 *b = word(f, spare(f), 0);
	size_t i, n = (size_t)1 << f->log2;

	/* No reader is still on the spare (live before the last flip). */
	if (!f->can_rebuild || grace_period())
		return -1;
	for (i = 0; i < n; i++)
		__atomic_store_n(&b[i], 0, __ATOMIC_RELAXED);
	/* An entry whose bit the clearing erased was being added: once the
	 * programs that add it are done, the pass will find it.
	 */
	return grace_period();
}

void ct_filter_pass_key(struct ct_filter *f, const struct synfin_ct_key *k)
{
	__u64 h = synfin_filter_hash(k);

	__atomic_fetch_or(word(f, spare(f), h), 1ull << (h & 63), __ATOMIC_RELAXED);
}

void ct_filter_pass_end(struct ct_filter *f)
{
	__u64 hdr = ct_filter_header(f);

	hdr = (hdr & ~SYNFIN_FILTER_LIVE) | (__u64)spare(f) | SYNFIN_FILTER_VALID;
	__atomic_store_n(&f->w[0], hdr, __ATOMIC_SEQ_CST);
	/* The metrics thread reads it. */
	__atomic_fetch_add(&f->rebuilds, 1, __ATOMIC_RELAXED);
}
