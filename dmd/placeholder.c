/* SPDX-License-Identifier: MIT */
/* Keeps dmd-core non-empty until the daemon's sources land. */
int dmd_core_placeholder(void);
int dmd_core_placeholder(void)
{
        return 0;
}
