// SPDX-License-Identifier: GPL-2.0
/* The connection table's filter: a bitmap of the tuples that may have an
 * entry, set by the data path before it adds one, rebuilt by synfind
 * along a sweep pass, trusted only over a table it has seen whole.
 */
#include "ct_format.h"
#include "clock.h"
#include "expiry.h"
#include "ct_scenario.h"
#include "synfin.skel.h"

static void filter_header_put(struct fx *fx, __u64 hdr)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx->skel->maps.ct_filter),
					     &zero, &hdr, BPF_ANY), 0);
}

/* Entries the data path adds (XDP's cookie ACK, over IPv4; TC's kernel
 * SYN-ACK, over IPv6) have their bit in both buffers.
 */
static void test_filter_bits_on_insert(void **state)
{
	struct fx *fx = *state;
	struct synfin_ct_key k;
	struct conn c;
	int kernel;

	assert_true(ct_filter_header(&fx->filter) & SYNFIN_FILTER_VALID);
	for (kernel = 0; kernel < 2; kernel++) {
		assert_int_equal(fx_ct_clear(fx), 0);
		CT_BRING_TO(fx, &c, ESTABLISHED, NONE, .ipv6 = kernel,
			    .origin = kernel ? SF_CT_KERNEL : 0, .isn = 7000);
		conn_key(&c, &k);
		assert_true(ct_filter_test(&fx->filter, 0, &k));
		assert_true(ct_filter_test(&fx->filter, 1, &k));
	}
}

/* A trusted filter without an entry's bit hides the entry: proof that the
 * lookup is skipped. Untrusted, or with the bit, the entry is found.
 */
static void test_filter_gates_lookup(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_key k;
	struct conn c;
	__u64 hdr;

	CT_BRING_TO(fx, &c, ESTABLISHED, NONE);
	conn_key(&c, &k);
	/* The spare buffer, cleared, made live: no bit for the entry. */
	hdr = ct_filter_header(&fx->filter) ^ SYNFIN_FILTER_LIVE;
	memset(&fx->filter.w[synfin_filter_word(fx->filter.log2, hdr & SYNFIN_FILTER_LIVE, 0)],
	       0, sizeof(__u64) << fx->filter.log2);
	filter_header_put(fx, hdr);
	assert_false(ct_filter_test(&fx->filter, hdr & SYNFIN_FILTER_LIVE, &k));
	client_send(fx, &c, DATA, c.u, c.w, 10, DROP, &r);
	CT_EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1));
	CT_EXPECT(fx, &c, W_OPEN);

	filter_header_put(fx, hdr & ~SYNFIN_FILTER_VALID);
	client_send(fx, &c, DATA, c.u, c.w, 10, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	c.u += 10;

	filter_header_put(fx, hdr);
	ct_filter_add(&fx->filter, &k);
	client_send(fx, &c, DATA, c.u, c.w, 10, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(EST_PASSED, 1));
}

/* synfind's rebuild along a sweep pass: the spare buffer gets the bits of
 * the entries the pass keeps, then goes live; an entry the pass removes
 * leaves no bit. At most one rebuild per filter_every_ns.
 */
static void test_filter_rebuilt_by_sweep(void **state)
{
	struct fx *fx = *state;
	int fd = bpf_map__fd(fx->skel->maps.conntrack);
	struct sweep_cursor cur = { .filter = &fx->filter };
	struct synfin_ct_key ka, kb;
	struct synfin_ct_entry e;
	struct expiry_policy pol;
	struct expiry_stats st;
	struct conn a, b;
	static struct fx_run r;
	__u64 h0, h1, ha, hb, later;
	int live;

	if (!fx->filter.can_rebuild)
		skip();
	CT_BRING_TO(fx, &b, ESTABLISHED, NONE, .ipv6 = 1);
	conn_key(&b, &kb);
	/* a: a TIME-WAIT entry, over by the time of the sweep (now + 2 min). */
	conn_init(&a, 0);
	conn_key(&a, &ka);
	memset(&e, 0, sizeof(e));
	e.state = SF_TCP_TIME_WAIT;
	e.last_ns = monotonic_ns();
	fx_ct_put(fx, &ka, &e);

	h0 = ct_filter_header(&fx->filter);
	expiry_policy_default(&pol, 60000);
	later = monotonic_ns() + 120 * 1000000000ull;
	assert_int_equal(ct_sweep_slice(fd, &pol, later, ~0u, &cur, &st), 1);
	assert_int_equal(st.removed_time_wait, 1);
	h1 = ct_filter_header(&fx->filter);
	assert_true((h0 ^ h1) == SYNFIN_FILTER_LIVE);
	assert_true(h1 & SYNFIN_FILTER_VALID);
	live = h1 & SYNFIN_FILTER_LIVE;
	assert_true(ct_filter_test(&fx->filter, live, &kb));
	/* Unless a's bit is b's too. */
	ha = synfin_filter_hash(&ka);
	hb = synfin_filter_hash(&kb);
	if ((ha ^ hb) & ((64ull << fx->filter.log2) - 1))
		assert_false(ct_filter_test(&fx->filter, live, &ka));
	client_send(fx, &b, DATA, b.u, b.w, 10, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(EST_PASSED, 1));

	/* Too soon for another rebuild: the header stays. */
	cur.filter_every_ns = 60 * 1000000000ull;
	assert_int_equal(ct_sweep_slice(fd, &pol, later + 1, ~0u, &cur, &st), 1);
	assert_true(ct_filter_header(&fx->filter) == h1);
}

/* A new filter is trusted only over a new table: a table kept in pins
 * from before the filter waits for the first pass.
 */
static void test_filter_init(void **state)
{
	struct fx *fx = *state;
	int ffd = bpf_map__fd(fx->skel->maps.ct_filter);
	int cfd = bpf_map__fd(fx->skel->maps.conntrack);
	struct sweep_cursor cur = { .filter = &fx->filter };
	struct expiry_policy pol;
	struct expiry_stats st;
	__u64 l = (__u64)fx->filter.log2 << SYNFIN_FILTER_LOG2_SHIFT, hdr;
	struct conn c;

	if (!fx->filter.can_rebuild)
		skip();
	expiry_policy_default(&pol, 60000);
	hdr = ct_filter_header(&fx->filter);
	assert_int_equal((hdr >> SYNFIN_FILTER_LOG2_SHIFT) & 31,
			 synfin_filter_log2(FX_CT_ENTRIES));
	/* Over a kept table: not trusted, whatever it holds. */
	filter_header_put(fx, 0);
	assert_int_equal(ct_filter_init(ffd, 0), 0);
	assert_true(ct_filter_header(&fx->filter) == l);
	/* A header in force is kept. */
	assert_int_equal(ct_filter_init(ffd, 1), 0);
	assert_true(ct_filter_header(&fx->filter) == l);
	/* Until a pass has put every entry's bit in. */
	CT_BRING_TO(fx, &c, ESTABLISHED, NONE);
	assert_int_equal(ct_sweep_slice(cfd, &pol, monotonic_ns(), ~0u, &cur, &st), 1);
	assert_true(ct_filter_header(&fx->filter) & SYNFIN_FILTER_VALID);

	filter_header_put(fx, 0);
	assert_int_equal(ct_filter_init(ffd, 1), 0);
	assert_true(ct_filter_header(&fx->filter) == (l | SYNFIN_FILTER_VALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_bits_on_insert),
		cmocka_unit_test(test_filter_gates_lookup),
		cmocka_unit_test(test_filter_rebuilt_by_sweep),
		cmocka_unit_test(test_filter_init),
	};

	return fx_run_group("ct_filter", NULL, 0, tests, FX_ARRAY_SIZE(tests),
			    fx_setup, fx_teardown);
}
