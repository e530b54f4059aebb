repeat-until-failure: ip rule del fwmark 0x1 lookup 100
ignore-failure: ip route del local 0.0.0.0/0 dev lo table 100
repeat-until-failure: ip -6 rule del fwmark 0x1 lookup 100
ignore-failure: ip -6 route del local ::/0 dev lo table 100
