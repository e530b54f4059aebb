import FuzzSupport

runFuzzer { data, size in fuzzPOP3Relay(data, size) }
