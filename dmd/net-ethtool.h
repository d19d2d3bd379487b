/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* An Ethernet port as its driver describes it (SIOCETHTOOL). */
struct net_ethtool {
        bool have_settings; /* ETHTOOL_GLINKSETTINGS answered */
        uint32_t speed;     /* Mb/s; SPEED_UNKNOWN */
        uint8_t duplex;     /* DUPLEX_HALF, DUPLEX_FULL, DUPLEX_UNKNOWN */
        uint8_t port;       /* PORT_TP ... */
        bool autoneg;
        uint8_t mdix;         /* ETH_TP_MDI_*: the crossover in use */
        uint8_t mdix_ctrl;    /* ETH_TP_MDI_*: the setting; ETH_TP_MDI_INVALID if none */
        bool pause_supported; /* Pause or Asym_Pause among the supported link modes */

        bool have_eee; /* ETHTOOL_GEEE answered */
        bool eee_supported, eee_enabled, eee_active;

        bool have_pause; /* ETHTOOL_GPAUSEPARAM answered */
        bool pause;      /* receives or sends pause frames */
};

/* Asks the driver of ifname; what it does not implement stays unset (have_* false). */
int net_ethtool_read(const char *ifname, struct net_ethtool *ret);
