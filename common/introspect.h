/* SPDX-License-Identifier: MIT */
#pragma once

/* The <interface> elements of the dbus-interfaces XML files, embedded at build time. */
extern const char introspect_io_cwmp_DataModel1[];
extern const char introspect_io_cwmp_Provider1[];
extern const char introspect_io_cwmp_Agent1[];
extern const char introspect_io_cwmp_Firmware1[];

/* The standard interfaces every object of ours answers. */
#define INTROSPECT_STANDARD_INTERFACES                                                             \
        "  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"                             \
        "    <method name=\"Introspect\">\n"                                                       \
        "      <arg name=\"xml_data\" type=\"s\" direction=\"out\"/>\n"                            \
        "    </method>\n"                                                                          \
        "  </interface>\n"                                                                         \
        "  <interface name=\"org.freedesktop.DBus.Peer\">\n"                                       \
        "    <method name=\"Ping\"/>\n"                                                            \
        "    <method name=\"GetMachineId\">\n"                                                     \
        "      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"                        \
        "    </method>\n"                                                                          \
        "  </interface>\n"

#define INTROSPECT_PROPERTIES_INTERFACE                                                            \
        "  <interface name=\"org.freedesktop.DBus.Properties\">\n"                                 \
        "    <method name=\"Get\">\n"                                                              \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"                       \
        "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"                        \
        "      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"                               \
        "    </method>\n"                                                                          \
        "    <method name=\"GetAll\">\n"                                                           \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"                       \
        "      <arg name=\"props\" type=\"a{sv}\" direction=\"out\"/>\n"                           \
        "    </method>\n"                                                                          \
        "    <method name=\"Set\">\n"                                                              \
        "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"                       \
        "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"                        \
        "      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"                                \
        "    </method>\n"                                                                          \
        "    <signal name=\"PropertiesChanged\">\n"                                                \
        "      <arg name=\"interface_name\" type=\"s\"/>\n"                                        \
        "      <arg name=\"changed_properties\" type=\"a{sv}\"/>\n"                                \
        "      <arg name=\"invalidated_properties\" type=\"as\"/>\n"                               \
        "    </signal>\n"                                                                          \
        "  </interface>\n"

#define INTROSPECT_HEADER                                                                          \
        "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"       \
        " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"
