#!/bin/sh
# A dynamic inventory script, as `ansible-inventory --list` prints it.
cat <<'JSON'
{
  "_meta": {
    "hostvars": {
      "ctl-1": { "ansible_host": "192.0.2.11", "zone": "z1" },
      "cmp-1": { "ansible_host": "192.0.2.21", "ansible_port": 2200, "zone": "z1" },
      "cmp-2": { "ansible_host": "192.0.2.22", "zone": "z2" }
    }
  },
  "all": { "children": ["ungrouped", "control", "compute"] },
  "control": { "hosts": ["ctl-1"] },
  "compute": { "hosts": ["cmp-1", "cmp-2"], "vars": { "rack": "r1" } }
}
JSON
