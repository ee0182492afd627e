// The commented example that `drover init` writes: an OpenStack-like fleet going from
// grizzly to havana. A test proves it validates.
export const EXAMPLE_CONFIG = `# drover.yaml: what drover upgrades, how, and who may steer it.
# Durations are strings such as 90s or 10m; counts are N or N% of the set they apply to.

ssh:
  user: stack
  port: 22                             # default; a node's \`port\` overrides it
  privateKey: ~/.ssh/id_ed25519        # passphrase, if any, from $DROVER_SSH_PASSPHRASE
  knownHosts: ~/.ssh/known_hosts       # unknown or changed host keys are refused
  connectTimeout: 10s
  concurrency: 20                      # nodes in flight at once, per wave
  transport: node-ssh                  # or openssh (the system ssh, with ~/.ssh/config)
  # jump: [ops@bastion.example.com:22] # optional hops; a node's \`jump\` overrides (none: direct)

services:                              # the unit of work is (service, node)
  keystone:     { roles: [controller], paths: [keystone/] }
  nova-api:     { roles: [controller], after: [keystone], paths: [nova/api/] }
  nova-compute:
    roles: [compute]
    after: [nova-api]
    paths: [nova/compute/]
    phases:                            # overrides the global templates for this service
      upgrade: /opt/deploy/bin/upgrade-compute {{commit}}
      healthRetries: 5                 # nova-compute takes a while to report in
      healthInterval: 10s
    hooks:                             # once per upgrade, on one node (the canary)
      pre: nova-manage db expand       # before nova-compute's first unit
      post: nova-manage db contract    # after every unit is done, only when it completed
      rollback: /opt/deploy/bin/rpc-pin compute --release {{from}}   # after \`rollback all\`

hooks:
  precheck: /opt/deploy/bin/precheck {{node}}   # on every node before the first wave

releases:
  repo: /srv/deploy                    # a local git checkout of the deploy repository
  order: [grizzly, havana, icehouse]   # for the skew policy
  maxSkew: 1                           # services may run at most this many releases apart
  grizzly:  { ref: stable/grizzly }
  havana:   { ref: stable/havana, from: grizzly }
  icehouse: { ref: stable/icehouse, from: havana }

phases:                                # templates; every {{value}} is shell-quoted
  version:  /opt/deploy/bin/version {{service}}
  drain:    /opt/deploy/bin/drain {{service}}
  upgrade:  /opt/deploy/bin/upgrade {{service}} {{commit}}
  health:   /opt/deploy/bin/health {{service}}
  undrain:  /opt/deploy/bin/undrain {{service}}
  rollback: /opt/deploy/bin/upgrade {{service}} {{fromCommit}}
  timeouts: { default: 5m, upgrade: 20m, hook: 30m }
  healthRetries: 0                     # reruns of health until it exits 0, healthInterval apart
  healthInterval: 5s
# template values: node, host, service, release, from, ref, commit, fromCommit

strategy:                              # defaults for every environment
  kind: rolling
  batch: 1
  maxFailures: 0

environments:
  production:
    channels: { slack: C0UPGRADES, discord: "1122334455667788" }
    strategy: { kind: waves, waves: [1, 10%, 50%, 100%], maxFailures: 0,
                maxUnavailable: 25%, soak: 5m, auto: false, by: rack }
    requireAck: true                   # \`step\` waits until failures are acked
    digest: { cron: "0 9 * * 1-5", timezone: Europe/Berlin }
    # inventory: { ansible: /srv/inventory/production.ini,   # nodes from Ansible, besides nodes:
    #              roles: { controller: [control], compute: [compute] } }
    nodes:
      - { name: ctl-1, host: 10.0.0.11, roles: [controller] }
      - { name: ctl-2, host: 10.0.0.12, roles: [controller] }
      - { name: cmp-1, host: 10.0.1.1, port: 2222, roles: [compute], labels: { rack: r1 } }
      - { name: cmp-2, host: 10.0.1.2, port: 2222, roles: [compute], labels: { rack: r1 } }
      - { name: cmp-3, host: 10.0.1.3, port: 2222, roles: [compute], labels: { rack: r2 } }

people:                                # git author → chat users
  - { email: alice@example.com, name: Alice, slack: U01ALICE, discord: "5566778899" }
operators:  { slack: [U0OPS1], discord: ["9988776655"] }
developers: { slack: [U01ALICE], discord: ["5566778899"] }
`;
