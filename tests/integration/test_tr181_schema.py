#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TR-181 conformance of the daemons' schemas.

Every entry of every $CWMP_SOURCE_DIR/*/schema/**/*.schema file (the daemons' schemas; the
test providers under tests/ use vendor names and are not read) is checked against the
Broadband Forum's Device:2 model, $CWMP_SHARED_DIR/bbf/datamodel/tr-181-params.tsv:

  - the path exists in TR-181, as an object or a parameter;
  - the type is the same (list<T> equals TR-181's list<T>);
  - the access is the same or narrower: rw only where TR-181 says readWrite (for
    multi-instance objects rw means Add/DeleteObject; single-instance objects are
    readOnly), ro wherever the device supports less than TR-181 allows;
  - our facets are no wider than TR-181's: size within len, ranges within range (an absent
    range is the whole type), enum a subset of enum, items and listSize within list(...),
    maxEntries within entries;
  - forcedInform and hidden (TR-181 hidden or secured) are the same;
  - activeNotify: canDeny only where TR-181 allows it, and forceEnabled /
    forceDefaultEnabled exactly where TR-181 says so.

Vendor extensions (a segment starting with "X_") are not TR-181's and are skipped.
Range steps ("/step5") cannot be written in our format and are not compared.
Prints how many entries it checked and every mismatch; exits 1 on any mismatch, 77 (skip)
when the TR-181 data is not there.
"""

import glob
import os
import re
import sys

SKIP = 77

INT_LIMITS = {
    "int": (-(2**31), 2**31 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsignedLong": (0, 2**64 - 1),
}
SIZE_MAX = 2**32 - 1  # size/items/listSize bounds are 32-bit; a missing maximum is unbounded


class SchemaSyntaxError(Exception):
    pass


def tokenize(line):
    """Splits a schema line on blanks; double-quoted parts may hold blanks."""
    tokens, cur, quoted, i = [], None, False, 0
    while i < len(line):
        c = line[i]
        if quoted:
            if c == "\\" and i + 1 < len(line):
                cur += c + line[i + 1]
                i += 2
                continue
            if c == '"':
                quoted = False
            cur += c
        elif c in " \t":
            if cur is not None:
                tokens.append(cur)
                cur = None
        else:
            cur = (cur or "") + c
            if c == '"':
                quoted = True
        i += 1
    if quoted:
        raise SchemaSyntaxError("unterminated quoted value")
    if cur is not None:
        tokens.append(cur)
    return tokens


def unquote(value):
    if not value.startswith('"'):
        return value
    if len(value) < 2 or not value.endswith('"'):
        raise SchemaSyntaxError("bad quoted value %s" % value)
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def parse_bounds(text, parse=int):
    lo, sep, hi = text.partition("..")
    if not sep:
        raise SchemaSyntaxError("expected MIN..MAX, got %r" % text)
    return (parse(lo) if lo else None, parse(hi) if hi else None)


class Entry:
    def __init__(self, file, line, tokens):
        if len(tokens) < 3:
            raise SchemaSyntaxError("expected PATH TYPE ACCESS")
        self.file, self.line = file, line
        self.path, access = tokens[0], tokens[2]
        self.type = re.sub(r"xsd:", "", tokens[1])  # "xsd:int" and "list<xsd:int>" are allowed
        if access not in ("ro", "rw"):
            raise SchemaSyntaxError("unknown access %r" % access)
        self.access = access
        self.is_object = self.type == "object"
        m = re.fullmatch(r"list<(\w+)>", self.type)
        self.item_type = m.group(1) if m else self.type
        self.is_list = m is not None
        self.size = None  # (min, max or None)
        self.ranges = []  # [(min or None, max or None)]
        self.enum = None
        self.items = None
        self.list_size = None
        self.max_entries = None
        self.flags = set()
        self.active_notify = None
        for tok in tokens[3:]:
            key, eq, value = tok.partition("=")
            value = unquote(value) if eq else None
            if key == "size":
                self.size = parse_bounds(value)
            elif key == "range":
                self.ranges.append(parse_bounds(value))
            elif key == "enum":
                self.enum = value.split("|")
            elif key == "items":
                self.items = parse_bounds(value)
            elif key == "listSize":
                self.list_size = parse_bounds(value)[1]
            elif key == "maxEntries":
                self.max_entries = int(value)
            elif key == "activeNotify":
                self.active_notify = value
            elif key in ("forcedInform", "hidden", "live", "persist"):
                self.flags.add(key)
            elif key in ("pattern", "default"):
                pass
            else:
                raise SchemaSyntaxError("unknown attribute %r" % key)

    def where(self):
        return "%s:%d: %s" % (self.file, self.line, self.path)


def read_schema(path, rel):
    entries = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            entries.append(Entry(rel, n, tokenize(line)))
    return entries


class Spec:
    """One row of tr-181-params.tsv."""

    def __init__(self, row):
        self.path, self.type, self.access, notes = row
        self.notes = {}
        self.flags = set()
        for part in notes.split("; ") if notes else []:
            m = re.match(r"(\w+)(?:=(.*)|\((.*)\))?$", part)
            if not m:
                continue
            key, value, args = m.group(1), m.group(2), m.group(3)
            if value is None and args is None:
                self.flags.add(key)
            elif key == "list" or key == "default":
                self.notes[key] = args if args is not None else value
            else:
                self.notes[key] = value
        if "list" in self.flags:
            self.notes.setdefault("list", "")

    def intervals(self, key, parse=int):
        """len / range as [(lo or None, hi or None)], steps dropped; None if absent."""
        if key not in self.notes:
            return None
        out = []
        for part in self.notes[key].split(","):
            part = part.split("/step")[0]
            out.append(parse_bounds(part, parse))
        return out

    def list_args(self):
        """list(items=a..b,maxLength=n) -> (items or None, maxLength or None)."""
        items = max_length = None
        for arg in (self.notes.get("list") or "").split(","):
            k, _, v = arg.partition("=")
            if k == "items":
                items = parse_bounds(v)
            elif k == "maxLength":
                max_length = int(v)
        return items, max_length

    def enum_values(self):
        if "enum" not in self.notes:
            return None
        # "Foo(deprecated)": the status is not part of the value
        return [re.sub(r"\((deprecated|obsoleted)\)$", "", v)
                for v in self.notes["enum"].split("|")]


def covered(ours, theirs):
    """Is every integer of the closed intervals `ours` inside the union of `theirs`?"""
    merged = []
    for lo, hi in sorted(theirs):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return all(any(m[0] <= lo and hi <= m[1] for m in merged) for lo, hi in ours)


def fill(bounds, lo, hi):
    return [(lo if a is None else a, hi if b is None else b) for a, b in bounds]


def fmt(intervals):
    return ",".join("%s..%s" % iv for iv in intervals)


def check_entry(e, spec):
    problems = []

    def bad(msg):
        problems.append("%s: %s" % (e.where(), msg))

    if e.is_object != (spec.type == "object"):
        bad("is %s in TR-181, not %s" % (spec.type, e.type))
        return problems
    if not e.is_object and e.type != spec.type:
        bad("type %s, TR-181 says %s" % (e.type, spec.type))
        return problems
    want_rw = spec.access == "readWrite"
    # A device may support less than TR-181 allows (BBF's device-type documents narrow
    # readWrite to readOnly): the state the operating system owns is read-only.
    if e.access == "rw" and not want_rw:
        bad("access %s, TR-181 says %s" % (e.access, spec.access))

    if e.is_object:
        entries = spec.intervals("entries", lambda v: None if v == "unbounded" else int(v))
        if e.path.endswith(".{i}.") and entries and entries[0][1] is not None:
            limit = entries[0][1]
            if e.max_entries is None or e.max_entries > limit:
                bad("maxEntries %s is wider than TR-181's entries=%s"
                    % (e.max_entries or "unbounded", spec.notes["entries"]))
        return problems

    # size (of each item, for lists) within len
    their_len = spec.intervals("len")
    if their_len is not None:
        ours = fill([e.size or (None, None)], 0, SIZE_MAX)[0]
        if not covered([ours], fill(their_len, 0, SIZE_MAX)):
            bad("size %s is wider than TR-181's len=%s"
                % (fmt([ours]) if e.size else "(none)", spec.notes["len"]))

    # ranges within range; no range is the whole type
    if e.item_type in INT_LIMITS:
        lo, hi = INT_LIMITS[e.item_type]
        their_range = spec.intervals("range")
        if their_range is not None:
            ours = fill(e.ranges, lo, hi) if e.ranges else [(lo, hi)]
            if not covered(ours, fill(their_range, lo, hi)):
                bad("range %s is wider than TR-181's range=%s"
                    % (fmt(ours) if e.ranges else "(none)", spec.notes["range"]))

    # enum a subset
    their_enum = spec.enum_values()
    if their_enum is not None:
        if e.enum is None:
            bad("has no enum, TR-181 allows only %s" % "|".join(their_enum))
        else:
            extra = [v for v in e.enum if v not in their_enum]
            if extra:
                bad("enum values %s are not in TR-181's %s"
                    % ("|".join(extra), "|".join(their_enum)))

    # lists
    if e.is_list:
        their_items, their_max_length = spec.list_args()
        if their_items is not None:
            ours = fill([e.items or (None, None)], 0, SIZE_MAX)[0]
            if not covered([ours], fill([their_items], 0, SIZE_MAX)):
                bad("items %s is wider than TR-181's items=%s..%s"
                    % (fmt([ours]), their_items[0], their_items[1] or ""))
        if their_max_length is not None and (e.list_size is None or e.list_size > their_max_length):
            bad("listSize %s is wider than TR-181's maxLength=%d"
                % (e.list_size or "unbounded", their_max_length))

    # flags
    if ("forcedInform" in e.flags) != ("forcedInform" in spec.flags):
        bad("forcedInform %s, TR-181 %s" % ("set" if "forcedInform" in e.flags else "missing",
                                            "says forcedInform" if "forcedInform" in spec.flags
                                            else "does not"))
    spec_hidden = bool({"hidden", "secured"} & spec.flags)
    if ("hidden" in e.flags) != spec_hidden:
        bad("hidden %s, TR-181 %s" % ("set" if "hidden" in e.flags else "missing",
                                      "hides the value" if spec_hidden else "does not"))

    their_notify = spec.notes.get("activeNotify")
    if e.active_notify == "canDeny" and their_notify != "canDeny":
        bad("activeNotify=canDeny where TR-181 does not allow denying active notification")
    forced = ("forceEnabled", "forceDefaultEnabled")
    if (e.active_notify in forced or their_notify in forced) and e.active_notify != their_notify:
        bad("activeNotify=%s, TR-181 says activeNotify=%s" % (e.active_notify or "(normal)",
                                                              their_notify or "(normal)"))
    return problems


def main():
    source = os.environ.get("CWMP_SOURCE_DIR")
    shared = os.environ.get("CWMP_SHARED_DIR")
    if not source:
        print("CWMP_SOURCE_DIR is not set")
        return 2
    tsv = os.path.join(shared or "", "bbf", "datamodel", "tr-181-params.tsv")
    if not shared or not os.path.isdir(os.path.join(shared, "bbf")):
        print("skipped: no TR-181 data (CWMP_SHARED_DIR/bbf is missing: %r)" % shared)
        return SKIP
    if not os.path.isfile(tsv):
        print("skipped: %s is missing" % tsv)
        return SKIP

    specs = {}
    with open(tsv, encoding="utf-8") as f:
        for n, line in enumerate(f):
            row = line.rstrip("\n").split("\t")
            if n == 0 or len(row) != 4:
                continue
            specs[row[0]] = Spec(row)

    files = sorted(p for p in glob.glob(os.path.join(source, "*", "schema", "**", "*.schema"),
                                        recursive=True)
                   if os.path.relpath(p, source).split(os.sep)[0] != "tests")
    problems, checked, vendor = [], 0, 0
    for path in files:
        rel = os.path.relpath(path, source)
        try:
            entries = read_schema(path, rel)
        except (SchemaSyntaxError, ValueError) as exc:
            problems.append("%s: cannot read: %s" % (rel, exc))
            continue
        for e in entries:
            if any(seg.startswith("X_") for seg in e.path.split(".")):
                vendor += 1
                continue
            spec = specs.get(e.path)
            checked += 1
            if spec is None:
                problems.append("%s: not in TR-181 Device:2" % e.where())
                continue
            problems.extend(check_entry(e, spec))

    for p in problems:
        print(p)
    print("checked %d entries from %d schema files against %s (%d TR-181 rows)%s"
          % (checked, len(files), os.path.relpath(tsv, shared), len(specs),
             "; skipped %d vendor extensions" % vendor if vendor else ""))
    if checked == 0:
        print("no schema entries found under %s/*/schema/" % source)
        return 1
    if problems:
        print("%d mismatches" % len(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
