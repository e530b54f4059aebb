repeat-until-failure: ip rule del fwmark 0x1 lookup 100
must-succeed: ip rule add fwmark 0x1 lookup 100
must-succeed: ip route replace local 0.0.0.0/0 dev lo table 100
repeat-until-failure: ip -6 rule del fwmark 0x1 lookup 100
must-succeed: ip -6 rule add fwmark 0x1 lookup 100
must-succeed: ip -6 route replace local ::/0 dev lo table 100
ignore-failure: sysctl -qw net.bridge.bridge-nf-call-iptables=0
ignore-failure: sysctl -qw net.bridge.bridge-nf-call-ip6tables=0
