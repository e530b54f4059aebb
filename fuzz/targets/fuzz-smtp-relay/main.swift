import FuzzSupport

runFuzzer { data, size in fuzzSMTPRelay(data, size) }
