import FuzzSupport

runFuzzer { data, size in fuzzScanReply(data, size) }
