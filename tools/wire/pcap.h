/*
 * pcap.h - writes IPv4 TCP or UDP packets into a classic pcap file, so
 * that outside decoders (tshark) can check bytes we produce
 */
#ifndef CHORUS_PCAP_H
#define CHORUS_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcap_flow {
	FILE *f;
	bool tcp;
	uint32_t addr[2];  /* host order: [0] client, [1] server */
	uint16_t port[2];
	uint32_t seq[2];   /* next TCP sequence number each way */
	uint32_t usec;     /* fake clock */
	unsigned packets;  /* written so far */
};

/** Opens path, writes the pcap header (LINKTYPE_RAW) and, for TCP, a
 * three-way handshake. */
int pcap_open(struct pcap_flow *p, const char *path, bool tcp, uint16_t server_port);
/** Writes one packet of payload from the client (dir 0) or server (1). */
int pcap_send(struct pcap_flow *p, int dir, const uint8_t *data, size_t len);
int pcap_close(struct pcap_flow *p);

#endif
