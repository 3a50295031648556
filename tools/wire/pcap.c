/*
 * pcap.c - IPv4 TCP/UDP packets into a pcap file (LINKTYPE_RAW)
 */
#include <errno.h>
#include <string.h>

#include "pcap.h"

#define LINKTYPE_RAW 101
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int packet(struct pcap_flow *p, int dir, uint8_t flags, const uint8_t *data, size_t len)
{
	uint8_t rec[16], ip[20], l4[20], pseudo[12];
	size_t l4len = p->tcp ? 20 : 8, total = 20 + l4len + len;
	uint32_t s;

	if (total > 65535)
		return -EMSGSIZE;
	p->usec += 1000;
	le32(rec, p->usec / 1000000);
	le32(rec + 4, p->usec % 1000000);
	le32(rec + 8, (uint32_t)total);
	le32(rec + 12, (uint32_t)total);

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	be16(ip + 2, (uint16_t)total);
	be16(ip + 4, (uint16_t)(p->packets + 1));
	ip[8] = 64;
	ip[9] = p->tcp ? 6 : 17;
	be32(ip + 12, p->addr[dir]);
	be32(ip + 16, p->addr[!dir]);
	be16(ip + 10, fold(sum16(ip, 20, 0)));

	memset(l4, 0, sizeof(l4));
	be16(l4, p->port[dir]);
	be16(l4 + 2, p->port[!dir]);
	if (p->tcp) {
		be32(l4 + 4, p->seq[dir]);
		be32(l4 + 8, (flags & TCP_ACK) ? p->seq[!dir] : 0);
		l4[12] = 5 << 4;
		l4[13] = flags;
		be16(l4 + 14, 65535);
	} else {
		be16(l4 + 4, (uint16_t)(8 + len));
	}
	/* Checksum over the pseudo header, the L4 header and the payload. */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	be16(pseudo + 10, (uint16_t)(l4len + len));
	s = sum16(pseudo, 12, 0);
	s = sum16(l4, l4len, s);
	s = sum16(data, len, s);
	be16(l4 + (p->tcp ? 16 : 6), fold(s));

	if (fwrite(rec, 1, 16, p->f) != 16 || fwrite(ip, 1, 20, p->f) != 20 ||
	    fwrite(l4, 1, l4len, p->f) != l4len || (len && fwrite(data, 1, len, p->f) != len))
		return -EIO;
	if (p->tcp)
		p->seq[dir] += (uint32_t)len + ((flags & TCP_SYN) ? 1 : 0);
	p->packets++;
	return 0;
}

int pcap_open(struct pcap_flow *p, const char *path, bool tcp, uint16_t server_port)
{
	uint8_t hdr[24];
	int err;

	memset(p, 0, sizeof(*p));
	p->f = fopen(path, "wb");
	if (!p->f)
		return -errno;
	p->tcp = tcp;
	p->addr[0] = 0x7f000001; /* 127.0.0.1 */
	p->addr[1] = 0x7f000002;
	p->port[0] = 40000;
	p->port[1] = server_port;
	p->seq[0] = 1000;
	p->seq[1] = 5000;
	le32(hdr, 0xa1b2c3d4);
	hdr[4] = 2;
	hdr[5] = 0;
	hdr[6] = 4;
	hdr[7] = 0;
	memset(hdr + 8, 0, 8);
	le32(hdr + 16, 262144);
	le32(hdr + 20, LINKTYPE_RAW);
	if (fwrite(hdr, 1, 24, p->f) != 24)
		return -EIO;
	if (!tcp)
		return 0;
	err = packet(p, 0, TCP_SYN, NULL, 0);
	if (!err)
		err = packet(p, 1, TCP_SYN | TCP_ACK, NULL, 0);
	if (!err)
		err = packet(p, 0, TCP_ACK, NULL, 0);
	return err;
}

int pcap_send(struct pcap_flow *p, int dir, const uint8_t *data, size_t len)
{
	return packet(p, dir, TCP_PSH | TCP_ACK, data, len);
}

int pcap_close(struct pcap_flow *p)
{
	int err = 0;

	if (p->f && fclose(p->f) != 0)
		err = -errno;
	p->f = NULL;
	return err;
}
