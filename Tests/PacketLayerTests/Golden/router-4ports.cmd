repeat-until-failure: ip rule del fwmark 0x4d53 lookup 4242
must-succeed: ip rule add fwmark 0x4d53 lookup 4242
must-succeed: ip route replace local 0.0.0.0/0 dev lo table 4242
