// yscd: the bundled YSC scan service. Wiring only; see YSCCommand.
YSCCommand.main()
