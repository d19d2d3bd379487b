/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soap.h"

/*
 * What the schemas (cwmp-1-x.xsd) and TR-069 A.3.2.8, A.4.1.5, A.4.1.8 require of the
 * arguments of the transfer methods beyond their XML types: the FileType and WindowMode
 * patterns, the string lengths, FileSize within an unsignedInt, a URL, time windows that
 * end after they start and do not overlap.
 */

/* Whether s matches the extendable type of FileType and WindowMode: "1 Firmware Upgrade
 * Image" ([1-9][0-9]* followed by words), or a vendor "X <OUI or token> <name>"; at most 64
 * characters. */
bool transfer_type_valid(const char *s);

/* Checks a decoded Download, Upload, ScheduleDownload or CancelTransfer (other methods pass).
 * Returns 0, or -EINVAL with the reason written into detail (always NUL-terminated): the
 * request then draws fault 9003. */
int transfer_args_check(const struct soap_message *m, char *detail, size_t detail_size);

/* Whether TransferComplete and AutonomousTransferComplete may carry this FaultCode (the codes
 * cwmp-1-x.xsd allows them; 0 is success). */
bool transfer_fault_code_valid(uint32_t code);
/* Whether s is a dateTime, as StartTime and CompleteTime must be. */
bool transfer_time_valid(const char *s);
