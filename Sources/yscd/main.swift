// yscd: the bundled YSC scan service. Wiring only; see YSCCommand.
SignalDisposition.restoreTerminationDefaults()
YSCCommand.main()
