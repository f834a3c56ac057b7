// SPDX-License-Identifier: GPL-2.0
/* The interface synfin-flood sends from: its index, MAC, MTU, state,
 * default source subnet, transmit drops, and whether it can transmit XDP
 * frames at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include "log.h"
#include "flood.h"

/* From <linux/if.h>, which clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP (1 << 16)
#endif

/* From <linux/netdev.h>, which the 6.1 headers don't have yet. */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT (1 << 2)

/* The link's flags (with IFF_LOWER_UP: the carrier, which IFF_RUNNING
 * follows only once linkwatch runs) and its transmit drops, from the link
 * entry getifaddrs() makes of RTM_GETLINK. 0 or a negative errno.
 */
static int link_get(const char *name, unsigned int *flags, __u32 *tx_dropped)
{
	struct ifaddrs *ifa, *a;
	int ret = -ENODEV;

	if (getifaddrs(&ifa))
		return -errno;
	for (a = ifa; a; a = a->ifa_next) {
		const struct rtnl_link_stats *st = a->ifa_data;

		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_PACKET ||
		    strcmp(a->ifa_name, name))
			continue;
		if (tx_dropped && !st)
			break;
		if (flags)
			*flags = a->ifa_flags;
		if (tx_dropped)
			*tx_dropped = st->tx_dropped;
		ret = 0;
		break;
	}
	freeifaddrs(ifa);
	return ret;
}

int flood_iface_get(const char *name, struct flood_iface *ifc)
{
	struct ifreq ifr = {};
	unsigned int flags;
	int fd, err = 0;

	if (strlen(name) >= IFNAMSIZ) {
		pr_err("Bad --iface '%s': names have at most %d characters", name,
			  IFNAMSIZ - 1);
		return -1;
	}
	ifc->ifindex = if_nametoindex(name);
	if (!ifc->ifindex) {
		pr_err("Couldn't find interface '%s': %s (%d)", name, strerror(errno),
			  -errno);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pr_err("Couldn't open a socket: %s (%d)", strerror(errno), -errno);
		return -1;
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		pr_err("Couldn't read the MAC address of '%s': %s (%d)", name,
			  strerror(-err), err);
		goto out;
	}
	memcpy(ifc->mac, ifr.ifr_hwaddr.sa_data, 6);
	ifc->mtu = ioctl(fd, SIOCGIFMTU, &ifr) ? 1500 : (unsigned int)ifr.ifr_mtu;
	/* A frame sent down a dead link is counted nowhere: refuse. */
	if (!link_get(name, &flags, NULL)) {
		if (!(flags & IFF_UP)) {
			err = -ENETDOWN;
			pr_err("Couldn't use interface '%s': it is down (%d)", name, err);
		} else if (!(flags & IFF_LOWER_UP)) {
			err = -ENETDOWN;
			pr_err("Couldn't use interface '%s': it has no carrier (a veth: its "
				  "peer is down) (%d)", name, err);
		}
	}
out:
	close(fd);
	return err ? -1 : 0;
}

int flood_iface_tx_dropped(const char *name, __u32 *dropped)
{
	return link_get(name, NULL, dropped);
}

int flood_iface_subnet(const char *name, int ipv6, struct flood_net *net)
{
	struct ifaddrs *ifa, *a;
	__u32 mask[4];
	int i, found = 0;

	if (getifaddrs(&ifa))
		return -1;
	for (a = ifa; a && !found; a = a->ifa_next) {
		if (!a->ifa_addr || !a->ifa_netmask || strcmp(a->ifa_name, name))
			continue;
		memset(net, 0, sizeof(*net));
		if (!ipv6 && a->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *sin = (void *)a->ifa_addr;
			struct sockaddr_in *nm = (void *)a->ifa_netmask;

			net->addr[0] = sin->sin_addr.s_addr;
			net->prefix = __builtin_popcount(nm->sin_addr.s_addr);
			found = 1;
		} else if (ipv6 && a->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (void *)a->ifa_addr;
			struct sockaddr_in6 *nm = (void *)a->ifa_netmask;

			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
				continue;
			net->ipv6 = 1;
			memcpy(net->addr, &sin6->sin6_addr, 16);
			for (i = 0; i < 4; i++)
				net->prefix += __builtin_popcount(nm->sin6_addr.s6_addr32[i]);
			found = 1;
		}
	}
	freeifaddrs(ifa);
	if (!found)
		return -1;
	flood_net_mask(net, mask);
	for (i = 0; i < 4; i++)
		net->addr[i] &= ~mask[i];
	return 0;
}

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void put_attr(struct genl_req *req, __u16 type, const void *val, __u16 len)
{
	struct nlattr *na = (void *)&req->nh + NLMSG_ALIGN(req->nh.nlmsg_len);

	na->nla_type = type;
	na->nla_len = NLA_HDRLEN + len;
	memcpy((char *)na + NLA_HDRLEN, val, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + NLA_ALIGN(na->nla_len);
}

/* One request, one reply: returns the payload of attribute want, or NULL. */
static const struct nlattr *genl_call(int fd, struct genl_req *req, char *buf,
				      size_t len, __u16 want)
{
	struct nlmsghdr *nh = (void *)buf;
	const struct nlattr *na;
	ssize_t n;
	int left;

	if (send(fd, req, req->nh.nlmsg_len, 0) < 0)
		return NULL;
	n = recv(fd, buf, len, 0);
	if (n < (ssize_t)NLMSG_HDRLEN || !NLMSG_OK(nh, (size_t)n) ||
	    nh->nlmsg_type == NLMSG_ERROR)
		return NULL;
	na = (void *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	left = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (left >= NLA_HDRLEN && na->nla_len >= NLA_HDRLEN && na->nla_len <= left) {
		if ((na->nla_type & NLA_TYPE_MASK) == want)
			return na;
		left -= NLA_ALIGN(na->nla_len);
		na = (void *)((char *)na + NLA_ALIGN(na->nla_len));
	}
	return NULL;
}

/* Asks the "netdev" generic netlink family for the XDP features. Without
 * NDO_XMIT the kernel drops XDP_TX'd live frames without a word (on veth:
 * the peer has neither an XDP program nor GRO).
 */
int flood_iface_xdp_xmit(int ifindex)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct genl_req req;
	const struct nlattr *na;
	char buf[4096];
	__u64 features;
	__u32 idx = ifindex;
	__u16 family;
	int fd, ret = -1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.gh.cmd = CTRL_CMD_GETFAMILY;
	req.gh.version = 1;
	put_attr(&req, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME,
		 sizeof(NETDEV_FAMILY_NAME));
	na = genl_call(fd, &req, buf, sizeof(buf), CTRL_ATTR_FAMILY_ID);
	if (!na)
		goto out;
	memcpy(&family, (char *)na + NLA_HDRLEN, sizeof(family));

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.nh.nlmsg_type = family;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.gh.cmd = NETDEV_CMD_DEV_GET;
	req.gh.version = 1;
	put_attr(&req, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	na = genl_call(fd, &req, buf, sizeof(buf), NETDEV_A_DEV_XDP_FEATURES);
	if (!na || na->nla_len < NLA_HDRLEN + sizeof(features))
		goto out;
	memcpy(&features, (char *)na + NLA_HDRLEN, sizeof(features));
	ret = !!(features & NETDEV_XDP_ACT_NDO_XMIT);
out:
	close(fd);
	return ret;
}
