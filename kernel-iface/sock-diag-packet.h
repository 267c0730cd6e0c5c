/* Packet sockets through NETLINK_SOCK_DIAG (packet_diag). No policy. */
#ifndef CRL_SOCK_DIAG_PACKET_H
#define CRL_SOCK_DIAG_PACKET_H

#include <linux/packet_diag.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A packet socket as packet_diag describes it (PACKET_SHOW_INFO, MCLIST, RING_CFG, FANOUT). */
#define SOCK_DIAG_PACKET_MC 16
struct sock_diag_packet {
	uint32_t ino;
	uint8_t type;	/* SOCK_RAW, SOCK_DGRAM */
	uint16_t proto; /* host order (ETH_P_ALL is 3) */
	bool has_info;
	struct packet_diag_info info;
	struct packet_diag_mclist mc[SOCK_DIAG_PACKET_MC];
	size_t nr_mc;
	bool rx_ring, tx_ring;		/* a ring is configured */
	struct packet_diag_ring rx, tx; /* its geometry (PACKET_DIAG_RX_RING, _TX_RING) */
	bool has_fanout;
	uint32_t fanout; /* group id | type << 16 | flags << 24 */
};

/* The packet socket of inode @ino in the caller's namespace: 0, -ENOENT, or -errno. */
int sock_diag_packet_find(uint32_t ino, struct sock_diag_packet *out);

#endif
