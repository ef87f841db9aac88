/* net_addr.c - peer addresses (inserted once into the AV, looked up by their
 * raw bytes, resolved from host:port) and memory registration for RMA. */
#include <string.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include "net_int.h"

/* ---- addresses ---- */

static unsigned net_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % NET_PEER_BUCKETS;
}

int net_insert(struct net_ep *ep, const void *addr, size_t len, fi_addr_t *out)
{
	unsigned b = net_hash(addr, len);
	struct net_peer *p;
	int rc = 0;

	if (len == 0 || len > WIRE_ADDR_MAX)
		return -EINVAL;
	pthread_mutex_lock(&ep->lock);
	for (p = ep->peers[b]; p; p = p->next)
		if (p->len == len && !memcmp(p->addr, addr, len))
			goto found;
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	net_prov_lock(ep);
	rc = fi_av_insert(ep->av, addr, 1, &p->fi, 0, NULL) == 1 ? 0 : -EINVAL;
	net_prov_unlock(ep);
	if (rc) {
		free(p);
		goto out;
	}
	memcpy(p->addr, addr, len);
	p->len = len;
	p->next = ep->peers[b];
	ep->peers[b] = p;
found:
	*out = p->fi;
out:
	pthread_mutex_unlock(&ep->lock);
	return rc;
}

int net_resolve(struct net_ep *ep, const char *host, const char *port, fi_addr_t *out)
{
	struct fi_info *hints = fi_dupinfo(ep->info), *info = NULL;
	int rc;

	if (!hints)
		return -ENOMEM;
	free(hints->src_addr);
	hints->src_addr = NULL;
	hints->src_addrlen = 0;
	free(hints->dest_addr);
	hints->dest_addr = NULL;
	hints->dest_addrlen = 0;
	rc = fi_getinfo(NET_FI_VERSION, host, port, 0, hints, &info);
	fi_freeinfo(hints);
	if (rc)
		return rc == -FI_ENODATA ? -EHOSTUNREACH : net_errno(rc);
	if (!info->dest_addr)
		rc = -EHOSTUNREACH;
	else
		rc = net_insert(ep, info->dest_addr, info->dest_addrlen, out);
	fi_freeinfo(info);
	return rc;
}

void net_addr_str(struct net_ep *ep, const void *addr, size_t len, char *buf, size_t buflen)
{
	size_t n = buflen;

	if (!buflen)
		return;
	buf[0] = '\0';
	fi_av_straddr(ep->av, addr, buf, &n);
	buf[buflen - 1] = '\0';
	(void)len;
}

void net_peers_free(struct net_ep *ep)
{
	for (int b = 0; b < NET_PEER_BUCKETS; b++) {
		while (ep->peers[b]) {
			struct net_peer *p = ep->peers[b];

			ep->peers[b] = p->next;
			free(p);
		}
	}
}

/* ---- memory registration ---- */

int net_mr_reg(struct net_ep *ep, void *buf, size_t len, int access, struct net_mr **out)
{
	struct net_mr *m = calloc(1, sizeof(*m));
	uint64_t acc = 0, key;
	int rc;

	if (!m)
		return -ENOMEM;
	if (access & NET_MR_REMOTE_READ)
		acc |= FI_REMOTE_READ | FI_SEND;
	if (access & NET_MR_REMOTE_WRITE)
		acc |= FI_REMOTE_WRITE | FI_RECV;
	if (access & NET_MR_LOCAL)
		acc |= FI_READ | FI_WRITE | FI_SEND | FI_RECV;
	pthread_mutex_lock(&ep->lock);
	key = ep->next_key++;
	pthread_mutex_unlock(&ep->lock);
	net_prov_lock(ep);
	rc = fi_mr_reg(ep->domain, buf, len, acc, 0, key, 0, &m->mr, NULL);
	if (!rc && (ep->mr_mode & FI_MR_ENDPOINT)) {
		rc = fi_mr_bind(m->mr, &ep->serve->ep->fid, 0);
		if (!rc)
			rc = fi_mr_enable(m->mr);
	}
	if (rc && m->mr)
		fi_close(&m->mr->fid);
	net_prov_unlock(ep);
	if (rc) {
		free(m);
		return net_errno(rc);
	}
	m->ep = ep;
	m->base = (uintptr_t)buf;
	*out = m;
	return 0;
}

void net_mr_close(struct net_mr *m)
{
	if (!m)
		return;
	net_prov_lock(m->ep);
	fi_close(&m->mr->fid);
	net_prov_unlock(m->ep);
	free(m);
}

uint64_t net_mr_key(const struct net_mr *m)
{
	return fi_mr_key(m->mr);
}

uint64_t net_mr_raddr(const struct net_mr *m, const void *ptr)
{
	if (m->ep->mr_mode & FI_MR_VIRT_ADDR)
		return (uint64_t)(uintptr_t)ptr;
	return (uint64_t)((uintptr_t)ptr - m->base);
}

void *net_mr_desc(struct net_mr *m)
{
	return m ? fi_mr_desc(m->mr) : NULL;
}

