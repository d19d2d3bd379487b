/* SPDX-License-Identifier: MIT */
/* What the driver tells of an Ethernet port through the ethtool ioctl (SIOCETHTOOL): its
 * link settings, Energy Efficient Ethernet and pause frames. */
#include <errno.h>
#include <stdio.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net-ethtool.h"
#include "util.h"

static int ethtool(int fd, const char *ifname, void *data)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        ifr.ifr_data = data;
        return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* ETHTOOL_GLINKSETTINGS answers a first call with the size of its link mode masks. */
static int read_link_settings(int fd, const char *ifname, struct net_ethtool *ret)
{
        struct {
                struct ethtool_link_settings s;
                uint32_t masks[3 * 127];
        } req = {.s = {.cmd = ETHTOOL_GLINKSETTINGS}};
        int r = ethtool(fd, ifname, &req);
        if (r < 0)
                return r;
        if (req.s.link_mode_masks_nwords >= 0 || req.s.cmd != ETHTOOL_GLINKSETTINGS)
                return -EPROTO;
        int8_t words = (int8_t)-req.s.link_mode_masks_nwords;
        memset(&req, 0, sizeof(req));
        req.s.cmd = ETHTOOL_GLINKSETTINGS;
        req.s.link_mode_masks_nwords = words;
        r = ethtool(fd, ifname, &req);
        if (r < 0)
                return r;
        if (req.s.link_mode_masks_nwords <= 0)
                return -EPROTO;
        ret->have_settings = true;
        ret->speed = req.s.speed;
        ret->duplex = req.s.duplex;
        ret->port = req.s.port;
        ret->autoneg = req.s.autoneg == AUTONEG_ENABLE;
        ret->mdix = req.s.eth_tp_mdix;
        ret->mdix_ctrl = req.s.eth_tp_mdix_ctrl;
        /* The supported modes are the first of the three masks. */
        const uint32_t *supported = req.masks;
        ret->pause_supported = supported[ETHTOOL_LINK_MODE_Pause_BIT / 32] &
                                       (1u << (ETHTOOL_LINK_MODE_Pause_BIT % 32)) ||
                               supported[ETHTOOL_LINK_MODE_Asym_Pause_BIT / 32] &
                                       (1u << (ETHTOOL_LINK_MODE_Asym_Pause_BIT % 32));
        return 0;
}

int net_ethtool_read(const char *ifname, struct net_ethtool *ret)
{
        *ret = (struct net_ethtool){0};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* A driver that does not implement one of these simply lacks it. */
        (void)read_link_settings(fd, ifname, ret);
        struct ethtool_eee eee = {.cmd = ETHTOOL_GEEE};
        if (ethtool(fd, ifname, &eee) == 0) {
                ret->have_eee = true;
                ret->eee_supported = eee.supported != 0;
                ret->eee_enabled = eee.eee_enabled != 0;
                ret->eee_active = eee.eee_active != 0;
        }
        struct ethtool_pauseparam pause = {.cmd = ETHTOOL_GPAUSEPARAM};
        if (ethtool(fd, ifname, &pause) == 0) {
                ret->have_pause = true;
                ret->pause = pause.rx_pause || pause.tx_pause;
        }
        return 0;
}
